"""Reading the delivery log: a hook's deliveries, one delivery, its attempts and body."""

from __future__ import annotations

import builtins
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, func, select

from forgehooks.core.clock import as_utc
from forgehooks.core.deliveries import Attempt, Delivery, DeliveryState, Reason, Verdict
from forgehooks.core.ids import storable_id
from forgehooks.store.driver import Connection
from forgehooks.store.tables import attempts, bodies, deliveries


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        hook_id=row.hook_id,
        event_id=row.event_id,
        project_id=row.project_id,
        event_kind=row.event_kind,
        dialect=row.dialect,
        state=DeliveryState(row.state),
        attempt_count=row.attempt_count,
        next_attempt_at=as_utc(row.next_attempt_at),
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        last_status_code=row.last_status_code,
        last_error=row.last_error,
    )


REASONS = {reason.value: reason for reason in Reason}


def _attempt(row: Any) -> Attempt:
    return Attempt(
        delivery_id=row.delivery_id,
        number=row.number,
        started_at=as_utc(row.started_at),
        duration_ms=row.duration_ms,
        request_url=row.request_url,
        request_headers=row.request_headers,
        response_status=row.response_status,
        response_headers=row.response_headers,
        response_body=row.response_body,
        error=row.error,
        verdict=Verdict(row.verdict),
        id=row.id,
        reason=REASONS.get(row.reason),
    )


class DeliveryRepository:
    """The delivery log of hooks and projects."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def get(self, delivery_id: str) -> Delivery | None:
        """One delivery by id."""
        row = (await self.conn.execute(select(deliveries).where(deliveries.c.id == delivery_id))).first()
        return _delivery(row) if row else None

    async def list(
        self,
        *,
        hook_id: int | None = None,
        project_id: int | None = None,
        state: DeliveryState | None = None,
        kind: str | None = None,
        event_id: str | None = None,
        created_since: datetime | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> tuple[builtins.list[Delivery], int]:
        """Deliveries newest first, filtered (by one event; created at or after a time), with
        the total count."""
        conditions: builtins.list[ColumnElement[bool]] = []
        if hook_id is not None:
            conditions.append(deliveries.c.hook_id == hook_id)
        if project_id is not None:
            # one event's few deliveries are found by its own index; `+ 0` keeps SQLite, which
            # has no statistics, from walking the whole project's index instead (measured at
            # 100,000 deliveries of one project: 140 ms a page and count, 0.01 ms with it)
            project = deliveries.c.project_id + 0 if event_id is not None else deliveries.c.project_id
            conditions.append(project == project_id)
        if state is not None:
            conditions.append(deliveries.c.state == state.value)
        if kind:
            conditions.append(deliveries.c.event_kind == kind)
        if event_id is not None:
            conditions.append(deliveries.c.event_id == event_id)
        if created_since is not None:
            conditions.append(deliveries.c.created_at >= created_since)
        query = (
            select(deliveries)
            .where(*conditions)
            .order_by(deliveries.c.created_at.desc(), deliveries.c.id)
            .offset(offset)
            .limit(limit)
        )
        rows = [_delivery(r) for r in await self.conn.execute(query)]
        count = select(func.count()).select_from(deliveries).where(*conditions)
        return rows, int((await self.conn.execute(count)).scalar_one())

    async def attempts(self, delivery_id: str) -> builtins.list[Attempt]:
        """Every attempt of a delivery, oldest first."""
        query = select(attempts).where(attempts.c.delivery_id == delivery_id).order_by(attempts.c.id)
        return [_attempt(r) for r in await self.conn.execute(query)]

    async def body(self, delivery_id: str) -> bytes:
        """The exact bytes a delivery sends."""
        query = (
            select(bodies.c.content)
            .join(deliveries, deliveries.c.body_id == bodies.c.id)
            .where(deliveries.c.id == delivery_id)
        )
        return bytes((await self.conn.execute(query)).scalar_one())

    async def latest_attempts(self, hook_id: int, limit: int) -> builtins.list[Attempt]:
        """The newest attempts of a hook (for health charts)."""
        query = (
            select(attempts)
            .join(deliveries, deliveries.c.id == attempts.c.delivery_id)
            .where(deliveries.c.hook_id == hook_id)
            .order_by(attempts.c.id.desc())
            .limit(limit)
        )
        return [_attempt(r) for r in await self.conn.execute(query)]

    async def hook_attempts(
        self,
        hook_id: int,
        *,
        offset: int = 0,
        limit: int = 20,
        event_id: str | None = None,
        after: datetime | None = None,
        before: datetime | None = None,
    ) -> tuple[builtins.list[tuple[Attempt, Delivery]], int]:
        """A hook's attempts newest first, each with its delivery, and the total."""
        conditions: builtins.list[ColumnElement[bool]] = [deliveries.c.hook_id == hook_id]
        if event_id is not None:
            conditions.append(deliveries.c.event_id == event_id)
        if after is not None:
            conditions.append(attempts.c.started_at >= after)
        if before is not None:
            conditions.append(attempts.c.started_at <= before)
        joined = attempts.join(deliveries, deliveries.c.id == attempts.c.delivery_id)
        count = select(func.count()).select_from(joined).where(*conditions)
        total = count.correlate(None).scalar_subquery()
        # the total comes with the page, read at the same moment: reads have no snapshot, and
        # counted apart an attempt recorded in between was counted but missing from the page
        query = (
            select(attempts, *[c.label(f"d_{c.name}") for c in deliveries.c], total)
            .select_from(joined)
            .where(*conditions)
            .order_by(attempts.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        found = (await self.conn.execute(query)).all()
        if found:
            return [(_attempt(r), _delivery_of_joined(r)) for r in found], int(found[0][-1])
        if offset == 0:  # the first page is empty: so was the log at that moment
            return [], 0
        return [], int((await self.conn.execute(count)).scalar_one())

    async def attempt(self, attempt_id: int) -> tuple[Attempt, Delivery] | None:
        """One attempt by its numeric id, with its delivery."""
        if not storable_id(attempt_id):
            return None
        joined = attempts.join(deliveries, deliveries.c.id == attempts.c.delivery_id)
        query = (
            select(attempts, *[c.label(f"d_{c.name}") for c in deliveries.c])
            .select_from(joined)
            .where(attempts.c.id == attempt_id)
        )
        row = (await self.conn.execute(query)).first()
        return (_attempt(row), _delivery_of_joined(row)) if row else None


def _delivery_of_joined(row: Any) -> Delivery:
    """The delivery half of an attempts-join-deliveries row (its columns prefixed `d_`)."""
    mapping = row._mapping
    return _delivery(SimpleNamespace(**{c.name: mapping[f"d_{c.name}"] for c in deliveries.c}))
