"""Publishes remembered by the caller's Idempotency-Key (as Stripe and Svix offer).

A publish carrying a key stores, in its own transaction, the key, a fingerprint of the
request and the answer it gave. A retry finds the row and gets the same answer; nothing new
is created. Two requests racing with one key: the second's INSERT waits on the first's
(PostgreSQL's unique index; SQLite's write lock), then fails, its transaction is rolled
back, and it answers what the first stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select

from forgehooks.core.clock import as_utc
from forgehooks.store.driver import Connection
from forgehooks.store.tables import idempotency_keys

FIND = select(
    idempotency_keys.c.fingerprint, idempotency_keys.c.response, idempotency_keys.c.created_at
).where(idempotency_keys.c.user_id == bindparam("user_id"), idempotency_keys.c.key == bindparam("key"))


@dataclass(frozen=True, slots=True)
class Remembered:
    """What a key's first request answered."""

    fingerprint: str
    response: Any
    created_at: datetime


async def find(conn: Connection, user_id: int, key: str, since: datetime) -> Remembered | None:
    """The answer stored under `key` by `user_id` at or after `since`."""
    rows = await conn.fetch(FIND, {"user_id": user_id, "key": key})
    if not rows:
        return None
    fingerprint, response, created_at = rows[0]
    created_at = as_utc(created_at)
    return Remembered(fingerprint, response, created_at) if created_at >= since else None


async def remember(
    conn: Connection, user_id: int, key: str, fingerprint: str, response: Any, now: datetime, since: datetime
) -> None:
    """Store the answer under `key` (replacing one older than `since`); IntegrityError if a
    request with the same key committed first."""
    expired = (idempotency_keys.c.user_id == user_id) & (idempotency_keys.c.key == key)
    await conn.execute(delete(idempotency_keys).where(expired, idempotency_keys.c.created_at < since))
    values = {
        "user_id": user_id,
        "key": key,
        "fingerprint": fingerprint,
        "response": response,
        "created_at": now,
    }
    await conn.execute(idempotency_keys.insert().values(values))


async def prune(conn: Connection, older_than: datetime) -> int:
    """Forget keys stored before `older_than`."""
    result = await conn.execute(delete(idempotency_keys).where(idempotency_keys.c.created_at < older_than))
    return int(result.rowcount)
