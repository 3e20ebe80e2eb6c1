"""Growth: delivery throughput with a million delivery rows already in the log vs an empty log.

The old rows are finished deliveries (state succeeded, spread over the last weeks) of the
same hooks, bulk-inserted: INSERT ... SELECT generate_series on PostgreSQL, executemany in
batches on SQLite. Then the same durable run as the throughput benchmark is measured.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
from delivery import PG_DSN, delivering, drained, publish_many, publish_one, recorded_rate, seeded, store
from sqlalchemy import select

from forgehooks.core.clock import utcnow
from forgehooks.store.tables import bodies

BATCH = 50_000


async def prefill_postgres(
    schema: str, rows: int, hook_ids: list[int], event_id: str, body_id: int, project_id: int
) -> None:
    """`rows` finished deliveries in one INSERT ... SELECT generate_series."""
    conn = await asyncpg.connect(PG_DSN, server_settings={"search_path": schema}, timeout=10)
    try:
        await conn.execute("SET statement_timeout = '600s'")
        await conn.execute(
            """
            INSERT INTO deliveries (id, hook_id, event_id, body_id, project_id, event_kind, dialect,
                state, attempt_count, next_attempt_at, lease_token, created_at, updated_at,
                last_status_code, last_error)
            SELECT md5(g::text)::uuid::text, ($1::bigint[])[1 + g % array_length($1::bigint[], 1)],
                $2, $3, $4, 'push', 'forgehooks', 'succeeded', 1, t, NULL, t, t, 204, ''
            FROM generate_series(1, $5::int) AS g,
                LATERAL (SELECT now() - make_interval(secs => g) AS t) AS at
            """,
            hook_ids,
            event_id,
            body_id,
            project_id,
            rows,
        )
        await conn.execute("ANALYZE deliveries")
    finally:
        await conn.close()


def prefill_sqlite(
    path: str, rows: int, hook_ids: list[int], event_id: str, body_id: int, project_id: int
) -> None:
    """`rows` finished deliveries with executemany, in batches, one transaction."""
    now = utcnow().replace(tzinfo=None)
    conn = sqlite3.connect(path, timeout=60)
    try:
        conn.execute("BEGIN")
        for start in range(0, rows, BATCH):
            batch = []
            for n in range(start, min(start + BATCH, rows)):
                at = (now - timedelta(seconds=rows - n)).isoformat(sep=" ")
                batch.append(
                    (
                        str(uuid.UUID(int=n + 1)),
                        hook_ids[n % len(hook_ids)],
                        event_id,
                        body_id,
                        project_id,
                        at,
                        at,
                        at,
                    )
                )
            conn.executemany(
                "INSERT INTO deliveries (id, hook_id, event_id, body_id, project_id, event_kind, dialect,"
                " state, attempt_count, next_attempt_at, lease_token, created_at, updated_at,"
                " last_status_code, last_error)"
                " VALUES (?, ?, ?, ?, ?, 'push', 'forgehooks', 'succeeded', 1, ?, NULL, ?, ?, 204, '')",
                batch,
            )
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()


async def run(
    url: str, backend: str, workers: int, prefill: int, events: int, hook_count: int
) -> dict[str, Any]:
    """Deliveries/s of `events` x `hook_count` after `prefill` old rows (and how long the fill took)."""
    async with store(backend) as (rt, settings):
        user, project, made = await seeded(rt, [url] * hook_count)
        history = await publish_one(rt, user, project, 10**9)  # the event the old rows point at
        async with rt.db.reading() as conn:
            body_id = (
                await conn.execute(select(bodies.c.id).where(bodies.c.event_id == history.event_id))
            ).scalar_one()
        started = time.perf_counter()
        args = ([h.id for h in made], history.event_id, body_id, project.id)
        if prefill and backend == "postgres":
            await prefill_postgres(settings.database_schema, prefill, *args)
        elif prefill:
            path = settings.resolved_database_url.split(":///", 1)[1]
            await asyncio.to_thread(prefill_sqlite, path, prefill, *args)
        fill_seconds = time.perf_counter() - started
        await publish_many(rt, user, project, events, 4 if backend == "postgres" else 1)
        async with delivering(rt, settings, workers):
            complete = await drained(rt, 300)
        rate, count = await recorded_rate(rt)
    return {"rate": rate, "attempts": count, "fill_seconds": fill_seconds, "complete": complete}
