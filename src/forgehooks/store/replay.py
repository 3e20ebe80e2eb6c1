"""Replay: put finished deliveries of a hook or project back in the queue, original ids kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select, update

from forgehooks.core.deliveries import DeliveryState
from forgehooks.store.driver import Connection
from forgehooks.store.tables import deliveries

REPLAYABLE = (DeliveryState.SUCCEEDED, DeliveryState.FAILED, DeliveryState.EXPIRED)


async def replayable_ids(
    conn: Connection, *, project_id: int, hook_id: int | None, since: datetime, failed_only: bool
) -> list[str]:
    """Ids of finished deliveries created since `since`, oldest first."""
    states = [DeliveryState.FAILED.value] if failed_only else [s.value for s in REPLAYABLE]
    conditions: list[ColumnElement[bool]] = [
        deliveries.c.project_id == project_id,
        deliveries.c.created_at >= since,
        deliveries.c.state.in_(states),
    ]
    if hook_id is not None:
        conditions.append(deliveries.c.hook_id == hook_id)
    query = select(deliveries.c.id).where(*conditions).order_by(deliveries.c.created_at, deliveries.c.id)
    return [row.id for row in await conn.execute(query)]


async def requeue_many(conn: Connection, delivery_ids: list[str], now: datetime) -> int:
    """Queue these deliveries again now (skipping any a worker holds), in the given order."""
    if not delivery_ids:
        return 0
    result = await conn.execute(
        update(deliveries)
        .where(deliveries.c.id.in_(delivery_ids), deliveries.c.lease_token.is_(None))
        .values(state=DeliveryState.QUEUED.value, next_attempt_at=now, updated_at=now)
    )
    return int(result.rowcount)
