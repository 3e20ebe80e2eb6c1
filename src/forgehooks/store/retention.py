"""Housekeeping: prune the old delivery log, re-encrypt hook secrets under the newest key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, exists, select, update

from forgehooks.core.deliveries import FINAL_STATES
from forgehooks.store.driver import Connection
from forgehooks.store.secrets import SecretBox
from forgehooks.store.tables import attempts, bodies, deliveries, events, hooks


async def prune_events(conn: Connection, older_than: datetime, limit: int = 5000) -> int:
    """Delete up to `limit` events older than `older_than` whose deliveries are all final.

    Their bodies, deliveries and attempts go with them. Returns how many events went.
    """
    unfinished = exists().where(
        deliveries.c.event_id == events.c.id, deliveries.c.state.not_in([s.value for s in FINAL_STATES])
    )
    victims = [
        row.id
        for row in await conn.execute(
            select(events.c.id).where(events.c.occurred_at < older_than, ~unfinished).limit(limit)
        )
    ]
    if not victims:
        return 0
    doomed = select(deliveries.c.id).where(deliveries.c.event_id.in_(victims))
    await conn.execute(delete(attempts).where(attempts.c.delivery_id.in_(doomed)))
    await conn.execute(delete(deliveries).where(deliveries.c.event_id.in_(victims)))
    await conn.execute(delete(bodies).where(bodies.c.event_id.in_(victims)))
    await conn.execute(delete(events).where(events.c.id.in_(victims)))
    return len(victims)


async def reencrypt_secrets(conn: Connection, box: SecretBox) -> int:
    """Rewrite every stored hook secret under the box's first (newest) key."""
    rows = list(
        await conn.execute(select(hooks.c.id, hooks.c.secret_encrypted).where(hooks.c.secret_encrypted != ""))
    )
    for row in rows:
        plain = box.decrypt(row.secret_encrypted)
        await conn.execute(
            update(hooks).where(hooks.c.id == row.id).values(secret_encrypted=box.encrypt(plain))
        )
    return len(rows)
