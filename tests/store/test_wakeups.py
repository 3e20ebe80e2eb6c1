"""On PostgreSQL a publish wakes listening workers of other processes at commit (LISTEN/NOTIFY),
and only those of its own schema."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from forgehooks.core.clock import utcnow
from forgehooks.core.events import EventKind
from forgehooks.core.hooks import HookSpec
from forgehooks.core.samples import sample_body
from forgehooks.services import events, hooks
from forgehooks.services.runtime import Runtime
from forgehooks.store.database import Database
from forgehooks.store.wakeups import listen_due, notify_due, nudge
from tests.conftest import Seed


async def _listening(runtime: Runtime, woken: asyncio.Event, stop: asyncio.Event) -> asyncio.Task[None]:
    task = asyncio.create_task(listen_due(runtime.db, woken.set, stop))
    await asyncio.wait_for(woken.wait(), 10)  # one wake when it starts listening
    woken.clear()
    return task


async def _publish(runtime: Runtime, seed: Seed) -> int:
    actor = events.actor_of(seed.user)
    body = sample_body(EventKind.PUSH, seed.project.snapshot("http://x"), actor, utcnow())
    event = events.build_event(runtime, seed.project, EventKind.PUSH, body, actor)
    return (await events.publish(runtime, event)).deliveries


async def test_a_publish_wakes_a_worker_listening_elsewhere(runtime: Runtime, seed: Seed) -> None:
    await hooks.create_hook(runtime, seed.project, HookSpec(url="https://ci.example/h"), "gitcode_v4")
    woken, stop = asyncio.Event(), asyncio.Event()
    task = await _listening(runtime, woken, stop)
    try:
        assert runtime.workers == []  # no worker in this process to wake directly
        assert await _publish(runtime, seed) == 1
        await asyncio.wait_for(woken.wait(), 5)
    finally:
        stop.set()
        await task


async def test_another_schemas_publish_does_not_wake(runtime: Runtime) -> None:
    if runtime.db.is_sqlite:
        pytest.skip("PostgreSQL only")
    woken, stop = asyncio.Event(), asyncio.Event()
    task = await _listening(runtime, woken, stop)
    other = Database(runtime.db.url, schema=f"{runtime.db.schema}_other")
    try:
        async with other.transaction() as conn:
            await notify_due(other, conn)
        async with runtime.db.transaction() as conn:
            await notify_due(runtime.db, conn)
        await asyncio.wait_for(woken.wait(), 5)  # its own came through
        woken.clear()
        async with other.transaction() as conn:
            await notify_due(other, conn)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(woken.wait(), 0.5)
        assert not woken.is_set()
    finally:
        stop.set()
        await task
        await other.dispose()


async def test_on_sqlite_a_second_listener_polls(runtime: Runtime) -> None:
    if not runtime.db.is_sqlite:
        pytest.skip("SQLite's socket has one listener; PostgreSQL's LISTEN any number")
    woken, stop = asyncio.Event(), asyncio.Event()
    task = await _listening(runtime, woken, stop)
    try:
        second = asyncio.Event()
        # the socket is taken: it returns at once, and its worker polls as before
        await asyncio.wait_for(listen_due(runtime.db, second.set, asyncio.Event()), 5)
        assert not second.is_set()
        nudge(runtime.db)
        await asyncio.wait_for(woken.wait(), 5)  # the first still hears
    finally:
        stop.set()
        await task
