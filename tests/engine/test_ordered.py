"""Ordered hooks with real workers: strictly publish order, one request at a time, others unaffected."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from datetime import timedelta

import pytest
from aiohttp import web

from forgehooks.api.app import build_runtime
from forgehooks.config import Settings
from forgehooks.core import hooks as hooks_module
from forgehooks.core.deliveries import DeliveryState
from forgehooks.core.retry import RetryPolicy
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed
from tests.engine.conftest import add_hook, deliveries_of, publish_pushes, wait_until_settled, working
from tests.engine.processes import WorkerProcess
from tests.receivers import Receiver


class Counting(Receiver):
    """Answers 200 after `delay`; 500 to the first `fail_first` requests, then at random (seeded;
    never more than `longest_failure` in a row).

    Records (event id, status) in answering order and the most requests it ever had in flight.
    """

    def __init__(
        self,
        *,
        delay: float,
        failure_rate: float = 0.0,
        seed: int = 13,
        longest_failure: int = 3,
        fail_first: int = 0,
    ) -> None:
        super().__init__()
        self.fail_first = fail_first
        self.delay = delay
        self.failure_rate = failure_rate
        self.rng = random.Random(seed)
        self.longest_failure = longest_failure
        self.failing_in_a_row = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.answers: list[tuple[str, int]] = []

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await request.read()
            fail = self.failing_in_a_row < self.longest_failure and self.rng.random() < self.failure_rate
            fail = fail or len(self.answers) < self.fail_first
            self.failing_in_a_row = self.failing_in_a_row + 1 if fail else 0
            await asyncio.sleep(self.delay)
            status = 500 if fail else 200
            self.answers.append((request.headers["X-Forgehooks-Event-Id"], status))
            return web.Response(status=status)
        finally:
            self.in_flight -= 1

    def successes(self) -> list[str]:
        return [event_id for event_id, status in self.answers if status == 200]


def assert_strict_sequence(answers: list[tuple[str, int]], published: list[str]) -> None:
    """Every request is the current event again (after a failure) or the next one: no gap, no step back."""
    position = {event_id: n for n, event_id in enumerate(published)}
    expected = 0
    for event_id, status in answers:
        assert position[event_id] == expected, f"got event #{position[event_id]} while #{expected} was due"
        if status == 200:
            expected += 1
    assert expected == len(published)


async def test_an_ordered_hook_gets_its_events_strictly_in_order_from_worker_processes(
    runtime: Runtime, seed: Seed, settings: Settings
) -> None:
    total = 200
    # two worker processes on PostgreSQL; on SQLite one process claims (see DESIGN.md)
    processes = 1 if runtime.db.is_sqlite else 2
    tuning = {"retry_schedule": "0,0.02,0.02,0.02,0.02,0.02,0.02,0.02", "worker_concurrency": "32"}
    # at most 3 failures in a row: the 4th would pause the hook for a minute (auto-disable)
    with (
        Counting(delay=0.003, failure_rate=0.3, seed=20240613) as ordered_receiver,
        Counting(delay=0.05) as free_receiver,
    ):
        await add_hook(runtime, seed, ordered_receiver.url + "/ordered", ordered=True)
        await add_hook(runtime, seed, free_receiver.url + "/free")
        published = await publish_pushes(runtime, seed, total)
        with contextlib.ExitStack() as stack:
            for _ in range(processes):
                stack.enter_context(WorkerProcess(settings, **tuning))
            await wait_until_settled(runtime, {"succeeded"}, 2 * total, timeout=90)
        ordered_answers = list(ordered_receiver.answers)
        free_answers = list(free_receiver.answers)
    assert ordered_receiver.successes() == published, "first successful receipts are the publish order"
    assert_strict_sequence(ordered_answers, published)
    assert ordered_receiver.most_in_flight == 1, "one request at a time for the ordered hook"
    assert sum(status == 500 for _, status in ordered_answers) > total // 5, "the receiver did fail often"
    assert sorted(e for e, _ in free_answers) == sorted(published), "the unordered hook got everything"
    assert free_receiver.most_in_flight > 1, "the unordered hook gets its events concurrently"


async def test_an_ordered_hook_paused_by_failures_resumes_where_it_stopped(
    runtime: Runtime, seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    # four failures in a row pause the hook (auto-disable); only shorter here than in production
    monkeypatch.setattr(hooks_module, "FIRST_PAUSE", timedelta(milliseconds=300))
    with Counting(delay=0.0, fail_first=hooks_module.TEMPORARY_AFTER) as receiver:
        hook = await add_hook(runtime, seed, receiver.url + "/ordered", ordered=True)
        published = await publish_pushes(runtime, seed, 20)
        retry = RetryPolicy(schedule=(0, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01), jitter=0, throttle_floor=0)
        async with working(runtime, retry=retry):
            await wait_until_settled(runtime, {"succeeded"}, 20, timeout=30)
        answers = list(receiver.answers)
    assert receiver.successes() == published
    assert_strict_sequence(answers, published)
    assert [status for _, status in answers[:5]] == [500, 500, 500, 500, 200], "paused, then resumed"
    assert receiver.most_in_flight == 1
    assert {d.state for d in await deliveries_of(runtime, seed.project, hook)} == {DeliveryState.SUCCEEDED}


async def test_two_in_process_workers_never_overlap_an_ordered_hook(
    runtime: Runtime, seed: Seed, settings: Settings
) -> None:
    if runtime.db.is_sqlite:
        pytest.skip("on SQLite one worker process claims")
    other = build_runtime(settings)
    try:
        with Counting(delay=0.002, failure_rate=0.3, seed=7) as receiver:
            await add_hook(runtime, seed, receiver.url + "/ordered", ordered=True)
            published = await publish_pushes(runtime, seed, 60)
            retry = RetryPolicy(schedule=(0,) + (0.01,) * 8, jitter=0, throttle_floor=0)
            async with (
                working(runtime, retry=retry, claim_batch=4),
                working(other, retry=retry, claim_batch=4),
            ):
                await wait_until_settled(runtime, {"succeeded"}, 60, timeout=60)
            answers = list(receiver.answers)
    finally:
        await other.close()
    assert_strict_sequence(answers, published)
    assert receiver.most_in_flight == 1
    assert Counter(status for _, status in answers)[200] == 60
