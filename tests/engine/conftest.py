"""Engine test helpers: hooks on the seeded project, push events, a worker running in the test's loop."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import func, select

from forgehooks.core.deliveries import Attempt, Delivery
from forgehooks.core.events import EventKind, RefBody
from forgehooks.core.hooks import Hook, HookSpec
from forgehooks.core.projects import Project
from forgehooks.engine.sender import Sender
from forgehooks.engine.worker import Worker
from forgehooks.services import deliveries, events, hooks
from forgehooks.services.runtime import Runtime
from forgehooks.store.deliveries import DeliveryRepository
from forgehooks.store.tables import deliveries as deliveries_table
from tests.conftest import Seed
from tests.receivers import Receiver


async def add_hook(runtime: Runtime, seed: Seed, url: str, **spec: Any) -> Hook:
    """A push hook of the seeded project in forgehooks' own dialect."""
    fields: dict[str, Any] = {"events": frozenset({EventKind.PUSH})} | spec
    return await hooks.create_hook(runtime, seed.project, HookSpec(url=url, **fields), "forgehooks")


async def publish_pushes(runtime: Runtime, seed: Seed, count: int) -> list[str]:
    """`count` push events on main, published one by one; returns their event ids."""
    actor = events.actor_of(seed.user)
    ids: list[str] = []
    for n in range(count):
        body = RefBody(ref="refs/heads/main", after=f"{n:040x}")
        event = events.build_event(runtime, seed.project, EventKind.PUSH, body, actor)
        ids.append((await events.publish(runtime, event)).event_id)
    return ids


@contextlib.asynccontextmanager
async def working(runtime: Runtime, *, sender: Sender | None = None, **options: Any) -> AsyncIterator[Worker]:
    """A worker with `options` overriding the runtime's, delivering until the block ends."""
    worker = Worker(
        runtime.db,
        runtime.box,
        runtime.wires,
        sender or runtime.get_sender(),
        dataclasses.replace(runtime.worker_options(), **options),
    )
    runtime.workers.append(worker)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield worker
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        runtime.workers.remove(worker)


class Marker:
    """A hook of its own on a second receiver, wanting tag pushes only: an event passed through it
    is a later marker. Once it arrives, a worker sending one at a time has sent everything that was
    due before it, so a check that something else did not arrive is a real check, not a sleep."""

    def __init__(self, runtime: Runtime, seed: Seed, receiver: Receiver) -> None:
        self.runtime, self.seed, self.receiver = runtime, seed, receiver
        self.hook: Hook | None = None

    async def passed(self, timeout: float = 20) -> None:
        """Publish one marker event and wait until it has arrived."""
        if self.hook is None:
            spec = HookSpec(url=f"{self.receiver.url}/marker", events=frozenset({EventKind.TAG_PUSH}))
            self.hook = await hooks.create_hook(self.runtime, self.seed.project, spec, "forgehooks")
        body = RefBody(ref="refs/tags/marker", after=f"{len(self.receiver.received) + 1:040x}")
        actor = events.actor_of(self.seed.user)
        event = events.build_event(self.runtime, self.seed.project, EventKind.TAG_PUSH, body, actor)
        await events.publish(self.runtime, event)
        await self.receiver.await_count(len(self.receiver.received) + 1, timeout=timeout)


async def deliveries_of(runtime: Runtime, project: Project, hook: Hook) -> list[Delivery]:
    """Every delivery of a hook, oldest first."""
    found, _ = await deliveries.list_deliveries(runtime, project, hook_id=hook.id, limit=100_000)
    return sorted(found, key=lambda d: d.created_at)


async def attempts_of(runtime: Runtime, delivery_id: str) -> list[Attempt]:
    """The recorded attempts of one delivery."""
    async with runtime.db.reading() as conn:
        return await DeliveryRepository(conn).attempts(delivery_id)


async def wait_until_settled(runtime: Runtime, states: set[str], count: int, timeout: float = 20) -> None:
    """Until `count` deliveries are in one of `states`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with runtime.db.reading() as conn:
            query = select(func.count()).where(deliveries_table.c.state.in_(states))
            done = (await conn.execute(query)).scalar_one()
        if done >= count:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{done} of {count} deliveries in {states}")
        await asyncio.sleep(0.02)
