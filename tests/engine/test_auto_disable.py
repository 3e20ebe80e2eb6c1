"""Auto-disable end to end: a failing hook pauses, then is disabled; nothing is dropped meanwhile,
and everything goes out in order once the hook is re-enabled."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from forgehooks.core.clock import utcnow
from forgehooks.core.deliveries import Delivery, DeliveryState
from forgehooks.core.hooks import PERMANENT_AFTER, TEMPORARY_AFTER, Hook, HookHealth
from forgehooks.core.retry import RetryPolicy
from forgehooks.engine.sender import Sender
from forgehooks.services import hooks
from forgehooks.services.runtime import Runtime
from forgehooks.store.hooks import HookRepository
from tests.conftest import Seed
from tests.engine.conftest import Marker, add_hook, deliveries_of, publish_pushes, working
from tests.receivers import Received, Receiver, Reply

KEEP_RETRYING = RetryPolicy(schedule=(0,) + (0.05,) * 20, jitter=0, throttle_floor=0)


class Switchable:
    """A receiver answer that the test flips between failing and healthy."""

    def __init__(self, status: int) -> None:
        self.status = status

    def __call__(self, _: Received) -> Reply:
        return Reply(status=self.status)


async def _paused(runtime: Runtime, seed: Seed, hook_id: int) -> Hook:
    """The hook once its pause is recorded."""
    for _ in range(200):
        hook = await hooks.get_hook(runtime, seed.project, hook_id)
        if hook.disabled_until is not None:
            return hook
        await asyncio.sleep(0.05)
    raise AssertionError("the hook was not paused")


def first_successes(got: list[Received], statuses: list[int]) -> list[str]:
    seen: list[str] = []
    for request, status in zip(got, statuses, strict=True):
        event = request.header("X-Forgehooks-Event-Id") or ""
        if status == 200 and event not in seen:
            seen.append(event)
    return seen


async def test_a_failing_hook_pauses_then_everything_goes_out_in_order(runtime: Runtime, seed: Seed) -> None:
    answer = Switchable(500)
    with Receiver(answer) as receiver, Receiver() as later:
        hook = await add_hook(runtime, seed, receiver.url)
        marker = Marker(runtime, seed, later)
        event_ids = await publish_pushes(runtime, seed, 8)
        async with working(runtime, concurrency=1, retry=KEEP_RETRYING):
            await receiver.await_count(TEMPORARY_AFTER)
            paused = await _paused(runtime, seed, hook.id)
            # records are flushed in batches, so a few more may go out before the pause lands;
            # one at a time, every send claimed before the marker is over once it arrives
            await marker.passed()
            sent_while_failing = len(receiver.received)
            assert paused.disabled_until is not None and paused.disabled_until > utcnow() + timedelta(
                seconds=30
            )
            assert not paused.disabled
            assert sent_while_failing >= TEMPORARY_AFTER
            await marker.passed()
            assert len(receiver.received) == sent_while_failing, "nothing is sent while paused"
            waiting = await deliveries_of(runtime, seed.project, hook)
            assert all(d.state is DeliveryState.QUEUED for d in waiting), "nothing dropped"
            assert all(d.next_attempt_at >= paused.disabled_until - timedelta(seconds=1) for d in waiting)

            answer.status = 200
            await hooks.reenable_hook(runtime, seed.project, paused)
            await receiver.await_count(sent_while_failing + 8)
        statuses = [500] * sent_while_failing + [200] * (len(receiver.received) - sent_while_failing)
    assert first_successes(receiver.received, statuses) == event_ids
    healthy = await hooks.get_hook(runtime, seed.project, hook.id)
    assert healthy.disabled_until is None and healthy.consecutive_failures == 0
    assert {d.state for d in await deliveries_of(runtime, seed.project, hook)} == {DeliveryState.SUCCEEDED}


async def test_a_permanently_disabled_hook_holds_its_deliveries_until_re_enabled(
    runtime: Runtime, seed: Seed
) -> None:
    answer = Switchable(503)
    with Receiver(answer) as receiver, Receiver() as later:
        hook = await add_hook(runtime, seed, receiver.url)
        marker = Marker(runtime, seed, later)
        async with runtime.db.transaction() as conn:
            almost = HookHealth(consecutive_failures=PERMANENT_AFTER - 1, disabled_until=None, disabled=False)
            await HookRepository(conn, runtime.box).record_health(
                hook.id, status_code=503, message="HTTP 503", at=utcnow(), health=almost
            )
        first = await publish_pushes(runtime, seed, 1)
        async with working(runtime, concurrency=1, retry=KEEP_RETRYING):
            await receiver.await_count(1)
            for _ in range(100):
                disabled = await hooks.get_hook(runtime, seed.project, hook.id)
                if disabled.disabled:
                    break
                await asyncio.sleep(0.05)
            assert disabled.disabled and disabled.last_status_code == 503
            held_ids = await publish_pushes(runtime, seed, 3)
            await marker.passed()
            assert len(receiver.received) == 1
            held = await deliveries_of(runtime, seed.project, hook)
            assert [d.state for d in held] == [DeliveryState.HELD] * 4

            answer.status = 200
            enabled = await hooks.update_hook(runtime, seed.project, disabled, {"name": "fixed"})
            assert not enabled.disabled
            got = await receiver.await_count(5)
    assert [g.header("X-Forgehooks-Event-Id") for g in got[1:]] == first + held_ids
    assert {d.state for d in await deliveries_of(runtime, seed.project, hook)} == {DeliveryState.SUCCEEDED}


class BuggySender(Sender):
    """The real sender with a bug in its own code path (not the network's)."""

    def proxy_for(self, scheme: str, host: str) -> str:
        raise KeyError("a bug in the sender")


async def _attempts_made(runtime: Runtime, seed: Seed, hook: Hook, at_least: int) -> Delivery:
    for _ in range(200):
        (delivery,) = await deliveries_of(runtime, seed.project, hook)
        if delivery.attempt_count >= at_least:
            return delivery
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} attempts were made")


async def test_a_bug_in_the_sender_is_retried_but_never_counts_against_the_hook(
    runtime: Runtime, seed: Seed
) -> None:
    with Receiver() as receiver:
        hook = await add_hook(runtime, seed, receiver.url)
        await publish_pushes(runtime, seed, 1)
        sender = BuggySender(allow_local=True)
        async with working(runtime, sender=sender, concurrency=1, retry=KEEP_RETRYING):
            delivery = await _attempts_made(runtime, seed, hook, TEMPORARY_AFTER + 2)
        await sender.close()
    assert delivery.state is DeliveryState.QUEUED, "retried: a bug must not lose the delivery"
    assert delivery.last_error.startswith("internal client error")
    after = await hooks.get_hook(runtime, seed.project, hook.id)
    assert after.consecutive_failures == 0 and after.disabled_until is None and not after.disabled


async def test_a_delivery_the_guard_refuses_at_send_time_fails_at_once(runtime: Runtime, seed: Seed) -> None:
    with Receiver() as receiver:
        hook = await add_hook(runtime, seed, receiver.url)  # created while local targets were allowed
        await publish_pushes(runtime, seed, 1)
        sender = Sender(allow_local=False)
        async with working(runtime, sender=sender, concurrency=1, retry=KEEP_RETRYING):
            delivery = await _attempts_made(runtime, seed, hook, 1)
            for _ in range(100):
                (delivery,) = await deliveries_of(runtime, seed.project, hook)
                if delivery.state is not DeliveryState.QUEUED:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # no second attempt follows on the schedule
            (delivery,) = await deliveries_of(runtime, seed.project, hook)
        await sender.close()
        assert receiver.received == []
    assert delivery.state is DeliveryState.FAILED and delivery.attempt_count == 1, delivery
    assert delivery.last_error.startswith("blocked")
