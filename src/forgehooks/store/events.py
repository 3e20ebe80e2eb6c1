"""Events, their rendered bodies, and the deliveries created from them (the fan-out write)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from forgehooks.core.clock import as_utc
from forgehooks.core.codec import to_jsonable
from forgehooks.core.events import Event
from forgehooks.store.tables import bodies, deliveries, events


class EventRepository:
    """Writes an event with its bodies and deliveries; reads the event stream."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def insert(self, event: Event) -> None:
        """Store the canonical event."""
        await self.conn.execute(
            events.insert().values(
                id=event.id,
                project_id=event.project.id,
                kind=event.kind.value,
                actor_id=event.actor.id or None,
                occurred_at=event.occurred_at,
                payload=to_jsonable(event),
            )
        )

    async def insert_bodies(self, event_id: str, rendered: dict[str, bytes]) -> dict[str, int]:
        """Store one rendered body per dialect; returns body ids by dialect."""
        ids: dict[str, int] = {}
        for dialect, content in rendered.items():
            query = bodies.insert().values(event_id=event_id, dialect=dialect, content=content)
            ids[dialect] = (await self.conn.execute(query.returning(bodies.c.id))).scalar_one()
        return ids

    async def insert_deliveries(self, rows: Sequence[dict[str, Any]]) -> None:
        """Create deliveries in one batched statement."""
        if rows:
            await self.conn.execute(deliveries.insert(), list(rows))

    async def get_payload(self, event_id: str) -> dict[str, Any] | None:
        """The stored canonical event as JSON data."""
        query = select(events.c.payload).where(events.c.id == event_id)
        payload = (await self.conn.execute(query)).scalar_one_or_none()
        return dict(payload) if payload is not None else None

    async def stream(self, project_id: int, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """A project's events, newest first, with delivery counts, and the total."""
        counts = (
            select(deliveries.c.event_id, func.count().label("deliveries"))
            .where(deliveries.c.project_id == project_id)
            .group_by(deliveries.c.event_id)
            .subquery()
        )
        query = (
            select(
                events.c.id,
                events.c.kind,
                events.c.occurred_at,
                events.c.actor_id,
                counts.c.deliveries,
            )
            .outerjoin(counts, counts.c.event_id == events.c.id)
            .where(events.c.project_id == project_id)
            .order_by(events.c.occurred_at.desc())
            .offset(offset)
            .limit(limit)
        )
        rows = [
            {
                "id": r.id,
                "kind": r.kind,
                "occurred_at": as_utc(r.occurred_at),
                "actor_id": r.actor_id,
                "deliveries": r.deliveries or 0,
            }
            for r in await self.conn.execute(query)
        ]
        total_query = select(func.count()).select_from(events).where(events.c.project_id == project_id)
        total = (await self.conn.execute(total_query)).scalar_one()
        return rows, int(total)
