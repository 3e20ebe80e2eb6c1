"""Claiming for ordered hooks: only the head of each ordered hook, never what is behind it."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from forgehooks.config import Settings
from forgehooks.core.clock import utcnow
from forgehooks.core.deliveries import DeliveryState
from forgehooks.core.hooks import Hook
from forgehooks.services import hooks
from forgehooks.services.runtime import Runtime
from forgehooks.store.database import Database
from forgehooks.store.queue import (
    AttemptRecord,
    Claimed,
    claim_due,
    pause_hook,
    queue_depth,
    record_attempts,
    requeue,
    resume_hook,
)
from forgehooks.store.tables import deliveries
from tests.conftest import Seed
from tests.engine.conftest import add_hook, publish_pushes

LEASE = timedelta(seconds=60)


async def claim(db: Database, limit: int = 50, lease: timedelta = LEASE) -> list[Claimed]:
    async with db.transaction() as conn:
        return await claim_due(conn, limit=limit, lease=lease, now=utcnow())


async def record(db: Database, claimed: Claimed, state: DeliveryState, due: datetime | None = None) -> None:
    now = utcnow()
    attempt = AttemptRecord(
        delivery_id=claimed.id,
        lease_token=claimed.lease_token,
        number=claimed.attempt_count + 1,
        started_at=now,
        duration_ms=1.0,
        request_url="http://x/",
        request_headers={},
        response_status=200 if state is DeliveryState.SUCCEEDED else 500,
        response_headers={},
        response_body="",
        error="",
        verdict="success" if state is DeliveryState.SUCCEEDED else "retry",
        reason="ok" if state is DeliveryState.SUCCEEDED else "http_5xx",
        state=state,
        next_attempt_at=due or now,
    )
    async with db.transaction() as conn:
        assert await record_attempts(conn, [attempt], now) == 1


async def in_order(runtime: Runtime, hook: Hook) -> list[str]:
    """The hook's delivery ids in publish order."""
    async with runtime.db.reading() as conn:
        query = (
            select(deliveries.c.id)
            .where(deliveries.c.hook_id == hook.id)
            .order_by(deliveries.c.created_at, deliveries.c.id)
        )
        return list((await conn.execute(query)).scalars())


def of(hook: Hook, claimed: list[Claimed]) -> list[str]:
    return [c.id for c in claimed if c.hook_id == hook.id]


async def test_only_the_head_of_an_ordered_hook_is_claimed_and_others_are_unaffected(
    runtime: Runtime, seed: Seed
) -> None:
    ordered = await add_hook(runtime, seed, "http://127.0.0.1:9/o", ordered=True)
    free = await add_hook(runtime, seed, "http://127.0.0.1:9/f")
    await publish_pushes(runtime, seed, 5)
    expected = await in_order(runtime, ordered)
    first = await claim(runtime.db)
    assert of(ordered, first) == expected[:1]
    assert len(of(free, first)) == 5, "the unordered hook gets everything at once"
    assert await claim(runtime.db) == [], "leased head: nothing behind it goes"


async def test_the_sequence_moves_on_success_and_on_final_failure_never_while_retrying(
    runtime: Runtime, seed: Seed
) -> None:
    ordered = await add_hook(runtime, seed, "http://127.0.0.1:9/o", ordered=True)
    await publish_pushes(runtime, seed, 4)
    expected = await in_order(runtime, ordered)
    [head] = await claim(runtime.db)
    assert head.id == expected[0]
    await record(runtime.db, head, DeliveryState.QUEUED, utcnow() + timedelta(hours=1))
    assert await claim(runtime.db) == [], "a head waiting for its retry holds the rest"
    async with runtime.db.transaction() as conn:
        await conn.execute(
            deliveries.update().where(deliveries.c.id == head.id).values(next_attempt_at=utcnow())
        )
    [again] = await claim(runtime.db)
    assert again.id == expected[0] and again.attempt_count == 1
    await record(runtime.db, again, DeliveryState.FAILED)
    [second] = await claim(runtime.db)
    assert second.id == expected[1], "a final failure is on record and releases the next one"
    await record(runtime.db, second, DeliveryState.SUCCEEDED)
    [third] = await claim(runtime.db)
    assert third.id == expected[2]


async def test_an_expired_lease_returns_the_head_not_the_one_behind(runtime: Runtime, seed: Seed) -> None:
    ordered = await add_hook(runtime, seed, "http://127.0.0.1:9/o", ordered=True)
    await publish_pushes(runtime, seed, 3)
    expected = await in_order(runtime, ordered)
    [old] = await claim(runtime.db, lease=timedelta(milliseconds=1))
    await asyncio.sleep(0.01)  # the lease has run out (a claim can take well under 1 ms)
    [new] = await claim(runtime.db)
    assert old.id == new.id == expected[0] and old.lease_token != new.lease_token


@pytest.mark.postgres
async def test_a_head_locked_by_a_concurrent_claim_is_skipped_not_passed_over(
    runtime: Runtime, seed: Seed, settings: Settings
) -> None:
    if runtime.db.is_sqlite:
        pytest.skip("on SQLite one worker process claims; transactions are serial")
    ordered = await add_hook(runtime, seed, "http://127.0.0.1:9/o", ordered=True)
    free = await add_hook(runtime, seed, "http://127.0.0.1:9/f")
    await publish_pushes(runtime, seed, 3)
    expected = await in_order(runtime, ordered)
    other = Database(settings.resolved_database_url, schema=settings.database_schema or None)
    try:
        async with runtime.db.transaction() as conn:
            # the first claim holds the head's row lock, uncommitted
            first = await claim_due(conn, limit=1, lease=LEASE, now=utcnow())
            assert [c.id for c in first] == expected[:1]
            during = await claim(other)
        after = await claim(other)
    finally:
        await other.dispose()
    assert of(ordered, during) == [], "SKIP LOCKED skips the head and nothing behind it is eligible"
    assert len(of(free, during)) == 3
    assert after == [], "committed: the head is leased, the rest still waits"


async def test_a_paused_ordered_hook_resumes_from_its_oldest_delivery(runtime: Runtime, seed: Seed) -> None:
    ordered = await add_hook(runtime, seed, "http://127.0.0.1:9/o", ordered=True)
    await publish_pushes(runtime, seed, 3)
    expected = await in_order(runtime, ordered)
    [head] = await claim(runtime.db)
    await record(runtime.db, head, DeliveryState.QUEUED)
    async with runtime.db.transaction() as conn:
        await pause_hook(conn, ordered.id, until=None, now=utcnow())
    assert await claim(runtime.db) == []
    async with runtime.db.transaction() as conn:
        assert await resume_hook(conn, ordered.id, utcnow()) == 3
    claimed = [await claim(runtime.db) for _ in range(2)]
    assert [c.id for c in claimed[0]] == expected[:1] and claimed[1] == []


async def test_turning_ordering_on_or_off_applies_to_the_pending_deliveries(
    runtime: Runtime, seed: Seed
) -> None:
    hook = await add_hook(runtime, seed, "http://127.0.0.1:9/o")
    await publish_pushes(runtime, seed, 3)
    hook = await hooks.update_hook(runtime, seed.project, hook, {"ordered": True})
    assert len(await claim(runtime.db)) == 1
    await hooks.update_hook(runtime, seed.project, hook, {"ordered": False})
    assert len(await claim(runtime.db)) == 2, "the rest go at once, next to the one in flight"


async def test_a_redelivered_old_delivery_goes_next_in_its_original_place(
    runtime: Runtime, seed: Seed
) -> None:
    ordered = await add_hook(runtime, seed, "http://127.0.0.1:9/o", ordered=True)
    await publish_pushes(runtime, seed, 3)
    expected = await in_order(runtime, ordered)
    [first] = await claim(runtime.db)
    await record(runtime.db, first, DeliveryState.SUCCEEDED)
    [second] = await claim(runtime.db)
    await record(runtime.db, second, DeliveryState.SUCCEEDED)
    async with runtime.db.transaction() as conn:
        assert await requeue(conn, expected[0], utcnow())
    [replayed] = await claim(runtime.db)
    assert replayed.id == expected[0], "the oldest pending delivery is the head again"
    assert await claim(runtime.db) == []
    await record(runtime.db, replayed, DeliveryState.SUCCEEDED)
    assert [c.id for c in await claim(runtime.db)] == expected[2:]


async def test_queue_depth_counts_ordered_deliveries_waiting_behind_their_head(
    runtime: Runtime, seed: Seed
) -> None:
    await add_hook(runtime, seed, "http://127.0.0.1:9/o", ordered=True)
    await add_hook(runtime, seed, "http://127.0.0.1:9/f")
    await publish_pushes(runtime, seed, 3)
    async with runtime.db.reading() as conn:
        count, oldest = await queue_depth(conn, utcnow())
    assert count == 6 and oldest is not None
