"""The queue's statements on both databases: claims under a lease, expiry, give-back, record, expire."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from multidict import istr
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from forgehooks.config import Settings
from forgehooks.core.clock import utcnow
from forgehooks.core.deliveries import DeliveryState
from forgehooks.services.runtime import Runtime
from forgehooks.store.database import Database
from forgehooks.store.driver import Prepared, json_text, sqlite_time
from forgehooks.store.queue import (
    AttemptRecord,
    Claimed,
    HookResult,
    claim_due,
    defer_claimed,
    expire_held,
    expire_statement,
    queue_depth,
    record_attempts,
    record_hook_results,
)
from forgehooks.store.tables import deliveries
from tests.conftest import Seed
from tests.engine.conftest import add_hook, publish_pushes

LEASE = timedelta(seconds=60)


def success(claimed: Claimed) -> AttemptRecord:
    now = utcnow()
    return AttemptRecord(
        delivery_id=claimed.id,
        lease_token=claimed.lease_token,
        number=claimed.attempt_count + 1,
        started_at=now,
        duration_ms=1.0,
        request_url="http://x/",
        request_headers={},
        response_status=200,
        response_headers={},
        response_body="",
        error="",
        verdict="success",
        reason="ok",
        state=DeliveryState.SUCCEEDED,
        next_attempt_at=now,
    )


async def claim(db: Database, limit: int, lease: timedelta = LEASE) -> list[Claimed]:
    async with db.transaction() as conn:
        return await claim_due(conn, limit=limit, lease=lease, now=utcnow())


async def test_a_claim_leases_oldest_first_and_hides_them(runtime: Runtime, seed: Seed) -> None:
    await add_hook(runtime, seed, "http://127.0.0.1:9/")
    await publish_pushes(runtime, seed, 5)
    first = await claim(runtime.db, 3)
    second = await claim(runtime.db, 10)
    assert len(first) == 3 and len(second) == 2
    assert not {c.id for c in first} & {c.id for c in second}
    assert len({c.lease_token for c in first}) == 1
    assert all(c.body.startswith(b"{") for c in first + second)
    assert await claim(runtime.db, 10) == []


async def test_the_deliveries_of_one_event_share_its_body_and_names_in_memory(
    runtime: Runtime, seed: Seed
) -> None:
    # a worker keeps each claimed delivery until its send ends: 10,000 of them in flight
    # must not each carry their own copy of what their event's other deliveries carry
    for n in range(3):
        await add_hook(runtime, seed, f"http://127.0.0.1:9/{n}")
    await publish_pushes(runtime, seed, 2)
    claimed = await claim(runtime.db, 10)
    assert len(claimed) == 6
    for event_id in {c.event_id for c in claimed}:
        first, *others = [c for c in claimed if c.event_id == event_id]
        assert len(others) == 2
        for other in others:
            assert other.body is first.body and other.event_id is first.event_id
            assert other.event_kind is first.event_kind and other.dialect is first.dialect


async def test_an_expired_lease_returns_the_delivery_and_the_old_lease_cannot_record(
    runtime: Runtime, seed: Seed
) -> None:
    await add_hook(runtime, seed, "http://127.0.0.1:9/")
    await publish_pushes(runtime, seed, 1)
    # a lease long enough that the second claim surely comes before it ends, even under load
    [old] = await claim(runtime.db, 1, lease=timedelta(seconds=1))
    assert await claim(runtime.db, 1) == []
    await asyncio.sleep(1.1)
    [new] = await claim(runtime.db, 1)
    assert new.id == old.id and new.lease_token != old.lease_token
    async with runtime.db.transaction() as conn:
        assert await record_attempts(conn, [success(old)], utcnow()) == 0
        assert await record_attempts(conn, [success(new)], utcnow()) == 1


async def test_given_back_deliveries_keep_their_attempt_count(runtime: Runtime, seed: Seed) -> None:
    await add_hook(runtime, seed, "http://127.0.0.1:9/")
    await publish_pushes(runtime, seed, 2)
    claimed = await claim(runtime.db, 2)
    async with runtime.db.transaction() as conn:
        stale = [(claimed[0].id, "not-the-token")]
        assert await defer_claimed(conn, stale, utcnow()) == 0
        assert await defer_claimed(conn, [(c.id, c.lease_token) for c in claimed], utcnow()) == 2
    again = await claim(runtime.db, 5)
    assert sorted(c.id for c in again) == sorted(c.id for c in claimed)
    assert all(c.attempt_count == 0 for c in again)


async def test_concurrent_claimers_on_separate_engines_never_share_a_delivery(
    runtime: Runtime, seed: Seed, settings: Settings
) -> None:
    await add_hook(runtime, seed, "http://127.0.0.1:9/")
    await add_hook(runtime, seed, "http://127.0.0.1:10/")
    await publish_pushes(runtime, seed, 150)
    engines = [
        Database(settings.resolved_database_url, schema=settings.database_schema or None) for _ in range(4)
    ]

    async def drain(db: Database) -> list[str]:
        mine: list[str] = []
        while batch := await claim(db, 7):
            mine += [c.id for c in batch]
        return mine

    try:
        results = await asyncio.gather(*(drain(db) for db in engines))
    finally:
        for db in engines:
            await db.dispose()
    every = [d for r in results for d in r]
    assert len(every) == len(set(every)) == 300


async def test_held_deliveries_expire_after_the_retention(runtime: Runtime, seed: Seed) -> None:
    await add_hook(runtime, seed, "http://127.0.0.1:9/")
    await publish_pushes(runtime, seed, 3)
    async with runtime.db.transaction() as conn:
        await conn.execute(deliveries.update().values(state=DeliveryState.HELD.value))
        assert await expire_held(conn, utcnow() - timedelta(days=1), utcnow()) == 0
        assert await expire_held(conn, utcnow() + timedelta(seconds=1), utcnow()) == 3
        states = set((await conn.execute(select(deliveries.c.state))).scalars())
    assert states == {DeliveryState.EXPIRED.value}


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
async def test_the_expiry_of_held_deliveries_reads_their_index_not_the_log(runtime: Runtime) -> None:
    # workers run it every minute; on SQLite a scan of the whole log would hold the write lock
    statement = expire_statement(utcnow(), utcnow())
    async with runtime.db.transaction() as conn:
        prepared = Prepared.of(statement, conn.dialect)
        sql, args = prepared.bind(prepared.compiled.construct_params())
        plan = await conn.backend.fetch("EXPLAIN QUERY PLAN " + sql, args)
    details = " ".join(str(row[-1]) for row in plan)
    assert "ix_deliveries_held" in details and "SCAN deliveries" not in details, details


async def test_queue_depth_counts_due_deliveries(runtime: Runtime, seed: Seed) -> None:
    await add_hook(runtime, seed, "http://127.0.0.1:9/")
    await publish_pushes(runtime, seed, 4)
    async with runtime.db.reading() as conn:
        count, oldest = await queue_depth(conn, utcnow())
    assert count == 4 and oldest is not None


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 23, 14, 5, 7, 928764, tzinfo=UTC),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),  # no fraction: SQLAlchemy still writes six zeros
        datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
        datetime(2026, 6, 1, 8, 0, 0, 500, tzinfo=timezone(timedelta(hours=3))),  # wall time kept
        datetime(2026, 6, 1, 8, 0, 0, 500),  # naive
        datetime(2026, 6, 1, 8, 0, 0),
    ],
)
def test_sqlite_times_are_written_exactly_as_sqlalchemy_writes_them(moment: datetime) -> None:
    # claims compare stored times as text on SQLite: one format, or due work is missed
    dialect = create_async_engine("sqlite+aiosqlite://").dialect
    theirs = deliveries.c.next_attempt_at.type.dialect_impl(dialect).bind_processor(dialect)
    assert theirs is not None
    assert sqlite_time(moment) == theirs(moment)
    assert sqlite_time(None) is None


def test_json_text_reads_back_as_the_value_it_was_given() -> None:
    # header names from aiohttp are `istr` (a str subclass); bodies may hold any text
    value = {istr("Content-Type"): "text/plain", "X-Name": "Grüße \u2028 \x00", "n": 2**70}
    text = json_text(value)
    assert json.loads(text) == {"Content-Type": "text/plain", "X-Name": "Grüße \u2028 \x00", "n": 2**70}
    assert json.loads(json_text({"a": [1, 2.5, None, True]})) == {"a": [1, 2.5, None, True]}


@pytest.mark.postgres
async def test_two_workers_recording_the_same_hooks_do_not_deadlock(runtime: Runtime, seed: Seed) -> None:
    if runtime.db.is_sqlite:
        pytest.skip("SQLite's write transactions are serial")
    first = await add_hook(runtime, seed, "http://127.0.0.1:9/a")
    second = await add_hook(runtime, seed, "http://127.0.0.1:9/b")

    def results(healthy: int, failing: int) -> list[HookResult]:
        ok = HookResult(hook_id=healthy, reset=True, failures=0, last_status_code=200, last_message="OK")
        bad = HookResult(hook_id=failing, reset=False, failures=1, last_status_code=500, last_message="no")
        return [ok, bad]

    async def record(answers: list[HookResult]) -> None:
        async with runtime.db.transaction() as conn:
            await record_hook_results(conn, answers, utcnow())

    # each worker's transaction updates one hook as healthy, then the other as failing: in
    # opposite orders, their statements interleaving at every await, unless both lock in id order
    for _ in range(5):
        await asyncio.gather(record(results(first.id, second.id)), record(results(second.id, first.id)))


async def test_a_claim_on_postgresql_is_planned_for_any_limit_in_its_own_transaction_only(
    runtime: Runtime, seed: Seed
) -> None:
    """The claim reads the due index in order and stops at its limit, whatever the statistics
    say (a custom plan sorted every due row when they counted fewer than the limit); the
    setting that makes it so ends with the claim's transaction."""
    if runtime.db.is_sqlite:
        pytest.skip("PostgreSQL's plan cache")
    await add_hook(runtime, seed, "http://127.0.0.1:9/")
    await publish_pushes(runtime, seed, 3)
    show = text("SHOW plan_cache_mode")
    async with runtime.db.transaction() as conn:
        assert len(await claim_due(conn, limit=100, lease=timedelta(seconds=60), now=utcnow())) == 3
        assert (await conn.execute(show)).scalar_one() == "force_generic_plan"
    async with runtime.db.transaction() as conn:
        assert (await conn.execute(show)).scalar_one() == "auto"
