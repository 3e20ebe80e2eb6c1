"""Crash safety with real `forgehooks worker` processes: SIGKILL mid-way loses nothing,
SIGTERM drains in-flight sends and exits 0, a receiver that was down gets everything."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import defaultdict
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from forgehooks.config import Settings
from forgehooks.core import hooks as hooks_module
from forgehooks.core.deliveries import DeliveryState
from forgehooks.core.retry import RetryPolicy
from forgehooks.services.runtime import Runtime
from forgehooks.store.tables import deliveries
from tests.conftest import Seed
from tests.engine.conftest import add_hook, deliveries_of, publish_pushes, wait_until_settled, working
from tests.engine.processes import WorkerProcess
from tests.receivers import Receiver, Reply
from tests.servers import free_port


async def state_counts(runtime: Runtime) -> dict[str, int]:
    async with runtime.db.reading() as conn:
        rows = await conn.execute(select(deliveries.c.state, func.count()).group_by(deliveries.c.state))
        return {state: count for state, count in rows}


async def crash_and_recover(runtime: Runtime, seed: Seed, settings: Settings, total: int) -> None:
    with Receiver(Reply(status=200, delay=0.02)) as receiver:
        hook = await add_hook(runtime, seed, receiver.url)
        await publish_pushes(runtime, seed, total)
        tuning = {"lease_seconds": "2", "worker_concurrency": "16"}
        with WorkerProcess(settings, **tuning) as first:
            await receiver.await_count(total // 3, timeout=60)
            first.signal(signal.SIGKILL)
            assert first.wait(10) == -signal.SIGKILL
        at_kill = len(receiver.received)
        assert at_kill < total, "killed mid-way"
        with WorkerProcess(settings, **tuning) as second:
            await wait_until_settled(runtime, {"succeeded"}, total, timeout=120)
            second.signal(signal.SIGTERM)
            assert second.wait(30) == 0, second.output()
        got = list(receiver.received)
    expected = {d.id: d.event_id for d in await deliveries_of(runtime, seed.project, hook)}
    bodies: dict[str, set[bytes]] = defaultdict(set)
    for request in got:
        delivery_id = request.header("X-Forgehooks-Delivery") or ""
        assert expected[delivery_id] == request.header("X-Forgehooks-Event-Id")
        bodies[delivery_id].add(request.body)
    assert set(bodies) == set(expected), "every delivery reached the receiver at least once"
    assert all(len(b) == 1 for b in bodies.values()), "a duplicate carries the same id and bytes"
    assert await state_counts(runtime) == {"succeeded": total}, "none stuck"


async def test_sigkill_mid_way_loses_nothing(runtime: Runtime, seed: Seed, settings: Settings) -> None:
    await crash_and_recover(runtime, seed, settings, 400)


@pytest.mark.long
async def test_sigkill_mid_way_loses_nothing_of_5000(
    runtime: Runtime, seed: Seed, settings: Settings
) -> None:
    await crash_and_recover(runtime, seed, settings, 5000)


async def test_sigterm_drains_in_flight_sends_and_exits_0(
    runtime: Runtime, seed: Seed, settings: Settings
) -> None:
    with Receiver(Reply(status=200, delay=1.0)) as receiver:
        await add_hook(runtime, seed, receiver.url)
        await publish_pushes(runtime, seed, 30)
        with WorkerProcess(settings, worker_concurrency="8") as worker:
            await receiver.await_count(8, timeout=30)
            started = time.monotonic()
            worker.signal(signal.SIGTERM)
            assert worker.wait(20) == 0, worker.output()
            drained_in = time.monotonic() - started
        sent = {r.header("X-Forgehooks-Delivery") for r in receiver.received}
    assert drained_in < 15, "drained within the bound"
    counts = await state_counts(runtime)
    assert counts.get("succeeded", 0) == len(sent), "every in-flight send was recorded"
    assert counts.get("queued", 0) == 30 - len(sent)
    async with runtime.db.reading() as conn:
        leased = select(func.count()).where(deliveries.c.lease_token.is_not(None))
        assert (await conn.execute(leased)).scalar_one() == 0, "nothing left leased"


async def test_a_receiver_down_for_a_while_gets_everything_in_retry_order(
    runtime: Runtime, seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the hook is paused after a few failures, as in production; only shorter here
    monkeypatch.setattr(hooks_module, "FIRST_PAUSE", timedelta(milliseconds=200))
    port = free_port()
    hook = await add_hook(runtime, seed, f"http://127.0.0.1:{port}/")
    event_ids = await publish_pushes(runtime, seed, 6)
    arrived: list[str] = []

    async def record(request: web.Request) -> web.Response:
        arrived.append(request.headers["X-Forgehooks-Event-Id"])
        return web.Response(status=204)

    retry = RetryPolicy(schedule=(0, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2), jitter=0, throttle_floor=0)
    async with working(runtime, concurrency=1, retry=retry):
        await wait_until_settled(runtime, {"queued"}, 6)
        # until the hook has been paused: while it is, the oldest deliveries probe the
        # receiver and the rest may wait untried, so only the pause is certain to happen
        for _ in range(400):
            failed_once = [d for d in await deliveries_of(runtime, seed.project, hook) if d.attempt_count]
            if len(failed_once) >= hooks_module.TEMPORARY_AFTER:
                break
            await asyncio.sleep(0.05)
        assert len(failed_once) >= hooks_module.TEMPORARY_AFTER
        app = web.Application()
        app.router.add_post("/", record)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            await wait_until_settled(runtime, {"succeeded"}, 6, timeout=30)
        finally:
            await runner.cleanup()
    assert arrived == event_ids
    assert {d.state for d in await deliveries_of(runtime, seed.project, hook)} == {DeliveryState.SUCCEEDED}


async def test_a_worker_process_serves_its_own_metrics(
    runtime: Runtime, seed: Seed, settings: Settings
) -> None:
    port = free_port()
    with Receiver(Reply(status=200)) as receiver:
        await add_hook(runtime, seed, receiver.url)
        await publish_pushes(runtime, seed, 5)
        with WorkerProcess(settings, "--metrics-port", str(port)):
            await receiver.await_count(5, timeout=30)
            await wait_until_settled(runtime, {"succeeded"}, 5)
            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{port}/metrics") as answer,
            ):
                text = await answer.text()
    assert 'forgehooks_worker_attempts_total{face="forgehooks",verdict="success"} 5.0' in text
    assert "forgehooks_worker_claim_batch_size_count" in text
