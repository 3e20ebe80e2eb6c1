"""Fan-out: one transaction creates the event, one body per dialect and one delivery per matching
hook; a failure part-way leaves nothing behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forgehooks.core.clock import utcnow
from forgehooks.core.deliveries import DeliveryState
from forgehooks.core.events import Event, EventKind, RefBody
from forgehooks.core.hooks import BranchFilter, BranchFilterStrategy, HookHealth, HookSpec
from forgehooks.core.wire import CanonicalWire
from forgehooks.services import events, hooks
from forgehooks.services.runtime import Runtime
from forgehooks.store.hooks import HookRepository
from forgehooks.store.tables import bodies, deliveries
from forgehooks.store.tables import events as events_table
from tests.conftest import Seed
from tests.engine.conftest import add_hook, deliveries_of

URL = "http://127.0.0.1:9/"


class RenderFails(CanonicalWire):
    """A dialect whose renderer breaks (a face bug): fails before anything is inserted for it."""

    dialect = "render-fails"

    def render(self, event: Event) -> bytes:
        raise RuntimeError("renderer bug")


class StoreFails(CanonicalWire):
    """A dialect whose body the database refuses (NOT NULL): fails after the event row is written."""

    dialect = "store-fails"

    def render(self, event: Event) -> bytes:
        return None  # type: ignore[return-value]


async def counts(runtime: Runtime) -> tuple[int, int, int]:
    async with runtime.db.reading() as conn:
        found = [
            (await conn.execute(select(func.count()).select_from(t))).scalar_one()
            for t in (events_table, bodies, deliveries)
        ]
    return found[0], found[1], found[2]


def push(runtime: Runtime, seed: Seed, branch: str = "main") -> Event:
    body = RefBody(ref=f"refs/heads/{branch}", after="1" * 40)
    return events.build_event(runtime, seed.project, EventKind.PUSH, body, events.actor_of(seed.user))


async def test_publish_creates_event_bodies_and_deliveries_together(runtime: Runtime, seed: Seed) -> None:
    spec = {"events": frozenset({EventKind.PUSH})}
    await add_hook(runtime, seed, URL)
    await add_hook(runtime, seed, URL + "b")
    await hooks.create_hook(runtime, seed.project, HookSpec(url=URL, **spec), "gitcode_v4")
    await add_hook(runtime, seed, URL, active=False)
    await add_hook(runtime, seed, URL, events=frozenset({EventKind.ISSUE_OPEN}))
    release_only = BranchFilter(strategy=BranchFilterStrategy.WILDCARD, pattern="release/*")
    await add_hook(runtime, seed, URL, branch_filter=release_only)
    published = await events.publish(runtime, push(runtime, seed))
    assert published.deliveries == 3
    assert await counts(runtime) == (1, 2, 3)  # two dialects, one body each


async def test_paused_and_disabled_hooks_get_postponed_and_held_deliveries(
    runtime: Runtime, seed: Seed
) -> None:
    paused = await add_hook(runtime, seed, URL)
    disabled = await add_hook(runtime, seed, URL + "x")
    until = utcnow() + timedelta(minutes=5)
    async with runtime.db.transaction() as conn:
        repo = HookRepository(conn, runtime.box)
        pause = HookHealth(consecutive_failures=5, disabled_until=until, disabled=False)
        await repo.record_health(paused.id, status_code=500, message="", at=utcnow(), health=pause)
        off = HookHealth(consecutive_failures=40, disabled_until=None, disabled=True)
        await repo.record_health(disabled.id, status_code=500, message="", at=utcnow(), health=off)
    await events.publish(runtime, push(runtime, seed))
    [postponed] = await deliveries_of(runtime, seed.project, paused)
    [held] = await deliveries_of(runtime, seed.project, disabled)
    assert postponed.state is DeliveryState.QUEUED and postponed.next_attempt_at >= until
    assert held.state is DeliveryState.HELD


@pytest.mark.parametrize("broken", [RenderFails, StoreFails])
async def test_a_failure_part_way_leaves_nothing(
    runtime: Runtime, seed: Seed, broken: type[CanonicalWire]
) -> None:
    runtime.register(broken())
    await add_hook(runtime, seed, URL)
    await hooks.create_hook(runtime, seed.project, HookSpec(url=URL), broken.dialect)
    with pytest.raises(Exception):  # noqa: B017 - whatever the failure, the transaction is undone
        await events.publish(runtime, push(runtime, seed))
    assert await counts(runtime) == (0, 0, 0)


async def test_no_matching_hook_still_records_the_event(runtime: Runtime, seed: Seed) -> None:
    published = await events.publish(runtime, push(runtime, seed))
    assert published.deliveries == 0
    assert await counts(runtime) == (1, 0, 0)
