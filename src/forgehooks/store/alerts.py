"""Which hooks were disabled or paused since their maintainers were last told."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, update

from forgehooks.store.driver import Connection
from forgehooks.store.tables import attempts, deliveries, hooks


async def claim_unannounced(conn: Connection, now: datetime, limit: int = 100) -> list[int]:
    """Mark newly disabled or paused hooks as announced and return their ids.

    The UPDATE is the claim: with several processes watching, each disable is announced once.
    """
    pending = and_(
        hooks.c.deleted_at.is_(None),
        or_(
            and_(hooks.c.disabled.is_(True), hooks.c.alerted_disabled.is_(False)),
            and_(
                hooks.c.disabled_until > now,
                or_(hooks.c.alerted_until.is_(None), hooks.c.alerted_until != hooks.c.disabled_until),
            ),
        ),
    )
    ids = [row.id for row in await conn.execute(select(hooks.c.id).where(pending).limit(limit))]
    if not ids:
        return []
    claimed = await conn.execute(
        update(hooks)
        .where(hooks.c.id.in_(ids), pending)
        .values(alerted_disabled=hooks.c.disabled, alerted_until=hooks.c.disabled_until)
        .returning(hooks.c.id)
    )
    return [row.id for row in claimed]


async def last_failure(conn: Connection, hook_id: int) -> dict[str, object] | None:
    """The hook's latest failed attempt: which delivery, what came back."""
    query = (
        select(
            deliveries.c.id,
            deliveries.c.event_kind,
            attempts.c.number,
            attempts.c.started_at,
            attempts.c.response_status,
            attempts.c.error,
            attempts.c.response_body,
        )
        .join(deliveries, deliveries.c.id == attempts.c.delivery_id)
        .where(deliveries.c.hook_id == hook_id, attempts.c.verdict != "success")
        .order_by(attempts.c.id.desc())
        .limit(1)
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    return {
        "delivery_id": row.id,
        "event_kind": row.event_kind,
        "attempt": row.number,
        "started_at": row.started_at,
        "response_status": row.response_status,
        "error": row.error,
        "response_body": row.response_body[:1000],
    }
