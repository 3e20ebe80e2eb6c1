"""Calls per key and minute, shared by every API process through the database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite

from forgehooks.store.driver import Connection
from forgehooks.store.tables import rate_counts

_ADD: dict[str, Any] = {}


def _add_statement(dialect: str) -> Any:
    """Add to a key's count in a minute, answering the new total (one upsert, both databases)."""
    found = _ADD.get(dialect)
    if found is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(rate_counts).values(
            key=bindparam("key"), bucket=bindparam("bucket"), count=bindparam("n")
        )
        found = _ADD[dialect] = statement.on_conflict_do_update(
            index_elements=[rate_counts.c.key, rate_counts.c.bucket],
            set_={"count": rate_counts.c.count + statement.excluded.count},
        ).returning(rate_counts.c.count)
    return found


async def add(conn: Connection, counts: Sequence[tuple[str, int, int]]) -> list[int]:
    """Add each (key, minute, calls); the totals after, in the same order."""
    statement = _add_statement(conn.dialect.name)
    return [
        (await conn.fetch(statement, {"key": key, "bucket": bucket, "n": n}))[0][0]
        for key, bucket, n in counts
    ]


async def prune(conn: Connection, before: int) -> int:
    """Forget minutes before `before`."""
    return int((await conn.execute(delete(rate_counts).where(rate_counts.c.bucket < before))).rowcount)
