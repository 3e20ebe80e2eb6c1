"""Read-only queries behind the console: deliveries per hook and minute, and a project's event page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, cast, func, literal, select

from forgehooks.core.clock import as_utc
from forgehooks.core.deliveries import Delivery, DeliveryState
from forgehooks.store.deliveries import _delivery as delivery_of
from forgehooks.store.driver import Connection
from forgehooks.store.tables import deliveries, events, users


@dataclass(frozen=True, slots=True, kw_only=True)
class MinuteTally:
    """Deliveries of one hook created in one minute of the window, by outcome."""

    hook_id: int
    minute: int  # 0 = the window's first minute
    succeeded: int
    failed: int  # failed or expired
    pending: int  # queued or held


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamRow:
    """One event of a project's stream with its actor's name and delivery count."""

    id: str
    kind: str
    occurred_at: datetime
    actor: str
    deliveries: int


def _minute_of(conn: Connection, since: datetime) -> ColumnElement[Any]:
    """The minute of a delivery's creation: an index from `since` (SQLite) or the truncated time."""
    if conn.dialect.name == "sqlite":
        days = func.julianday(deliveries.c.created_at) - func.julianday(
            literal(since, deliveries.c.created_at.type)
        )
        return cast(
            func.floor(days * 1440 + 1e-7), Integer
        )  # the nudge keeps exact minutes in their own bucket
    # PostgreSQL groups faster on date_trunc than on per-row epoch arithmetic (measured: 15 vs 22 ms)
    return func.date_trunc("minute", deliveries.c.created_at)


def _index_of(minute: int | datetime, since: datetime) -> int:
    if isinstance(minute, datetime):
        return int((as_utc(minute) - since).total_seconds() // 60)
    return int(minute)


def _count_in(states: tuple[DeliveryState, ...]) -> ColumnElement[Any]:
    return func.count().filter(deliveries.c.state.in_([s.value for s in states]))


class OverviewRepository:
    """Aggregates for dashboards; nothing here writes."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def minute_tallies(
        self, project_id: int, since: datetime, *, hook_id: int | None = None
    ) -> list[MinuteTally]:
        """Deliveries per hook and minute created since `since`, for the project or one of its hooks.

        Walks ix_deliveries_project_id_created_at, or ix_deliveries_hook_id_created_at for one hook.
        """
        minute = _minute_of(self.conn, since).label("minute")
        scope = deliveries.c.project_id == project_id if hook_id is None else deliveries.c.hook_id == hook_id
        query = (
            select(
                deliveries.c.hook_id,
                minute,
                _count_in((DeliveryState.SUCCEEDED,)).label("succeeded"),
                _count_in((DeliveryState.FAILED, DeliveryState.EXPIRED)).label("failed"),
                _count_in((DeliveryState.QUEUED, DeliveryState.HELD)).label("pending"),
            )
            .where(scope, deliveries.c.created_at >= since)
            .group_by(deliveries.c.hook_id, minute)
        )
        return [
            MinuteTally(
                hook_id=r.hook_id,
                minute=_index_of(r.minute, since),
                succeeded=int(r.succeeded),
                failed=int(r.failed),
                pending=int(r.pending),
            )
            for r in await self.conn.execute(query)
        ]

    async def hook_deliveries(
        self, hook_id: int, *, state: DeliveryState | None, kind: str | None, offset: int, limit: int
    ) -> tuple[list[Delivery], int]:
        """A hook's deliveries newest first, filtered, and their total (ix_deliveries_hook_id_created_at).

        Filtering by the hook alone (its project is checked before) lets every backend pick the hook's
        index; adding the project's condition made SQLite walk the whole project instead.
        """
        conditions: list[ColumnElement[bool]] = [deliveries.c.hook_id == hook_id]
        if state is not None:
            conditions.append(deliveries.c.state == state.value)
        if kind:
            conditions.append(deliveries.c.event_kind == kind)
        query = (
            select(deliveries)
            .where(*conditions)
            .order_by(deliveries.c.created_at.desc(), deliveries.c.id)
            .offset(offset)
            .limit(limit)
        )
        rows = [delivery_of(r) for r in await self.conn.execute(query)]
        total = select(func.count()).select_from(deliveries).where(*conditions)
        return rows, int((await self.conn.execute(total)).scalar_one())

    async def event_page(self, project_id: int, *, offset: int, limit: int) -> tuple[list[StreamRow], int]:
        """A page of a project's events, newest first, counting deliveries of that page only."""
        page = (
            select(events.c.id, events.c.kind, events.c.occurred_at, events.c.actor_id)
            .where(events.c.project_id == project_id)
            .order_by(events.c.occurred_at.desc(), events.c.id)
            .offset(offset)
            .limit(limit)
            .subquery()
        )
        counted = (
            select(func.count())
            .select_from(deliveries)
            .where(deliveries.c.event_id == page.c.id)
            .scalar_subquery()
        )
        query = (
            select(page, users.c.username, counted.label("deliveries"))
            .outerjoin(users, users.c.id == page.c.actor_id)
            .order_by(page.c.occurred_at.desc(), page.c.id)
        )
        rows = [
            StreamRow(
                id=r.id,
                kind=r.kind,
                occurred_at=as_utc(r.occurred_at),
                actor=r.username or "",
                deliveries=int(r.deliveries),
            )
            for r in await self.conn.execute(query)
        ]
        total = select(func.count()).select_from(events).where(events.c.project_id == project_id)
        return rows, int((await self.conn.execute(total)).scalar_one())
