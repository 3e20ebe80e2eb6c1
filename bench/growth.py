"""Growth: delivery throughput with a million delivery rows already in the log vs an empty log.

The old rows are finished deliveries (state succeeded, spread over the last weeks) of the
same hooks, bulk-inserted: INSERT ... SELECT generate_series on PostgreSQL, executemany in
batches on SQLite. Both databases are kept open and the same durable run as the throughput
benchmark is measured on each in turn, several rounds; the medians are compared.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
from delivery import PG_DSN, delivering, drained, publish_many, publish_one, recorded_rate, seeded, store
from sqlalchemy import select

from forgehooks.config import Settings
from forgehooks.core.clock import utcnow
from forgehooks.core.projects import Project, User
from forgehooks.services.runtime import Runtime
from forgehooks.store.tables import bodies, deliveries

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
        # no ANALYZE: forgehooks never runs it on SQLite, and statistics taken now, with one
        # body in its table, make SQLite scan the growing bodies table in every claim later
        # (4 ms a claim after 3,000 events) until it is large enough for look-ups to win
    finally:
        conn.close()


@dataclass
class Log:
    """One benchmark database, its hooks seeded: an empty delivery log or a prefilled one."""

    rt: Runtime
    settings: Settings
    user: User
    project: Project
    backend: str
    workers: int
    fill_seconds: float

    async def round(self, events: int) -> float:
        """Deliveries/s of one durable run of `events` x the hooks (this round's deliveries only)."""
        started = utcnow()
        await publish_many(self.rt, self.user, self.project, events, 4 if self.backend == "postgres" else 1)
        async with delivering(self.rt, self.settings, self.workers):
            if not await drained(self.rt, 300):
                raise RuntimeError("a growth round was not delivered within 300 s")
        return (await recorded_rate(self.rt, deliveries.c.created_at >= started))[0]


@contextlib.asynccontextmanager
async def log(url: str, backend: str, workers: int, prefill: int, hook_count: int) -> AsyncIterator[Log]:
    """A database with `hook_count` hooks to `url` and `prefill` old finished deliveries."""
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
        async with delivering(rt, settings, workers):  # the history event's own deliveries
            await drained(rt, 60)
        yield Log(rt, settings, user, project, backend, workers, time.perf_counter() - started)


async def compare(
    url: str, backend: str, workers: int, prefill: int, events: int, hook_count: int, rounds: int
) -> dict[str, Any]:
    """Median deliveries/s of `rounds` runs on an empty log and as many after `prefill` old
    rows, taken alternately (one run of each pair moves with the machine as much as the
    difference being measured)."""
    async with (
        log(url, backend, workers, 0, hook_count) as empty,
        log(url, backend, workers, prefill, hook_count) as full,
    ):
        rates: dict[str, list[float]] = {"empty": [], "full": []}
        for _ in range(rounds):
            rates["empty"].append(await empty.round(events))
            rates["full"].append(await full.round(events))
    return {
        "empty": statistics.median(rates["empty"]),
        "full": statistics.median(rates["full"]),
        "fill_seconds": full.fill_seconds,
        "rounds": rates,
    }
