"""The worker end to end on both databases: send, record, retry, sign, pause, resume, cancel."""

from __future__ import annotations

import base64
import itertools
import time
from typing import Any

from standardwebhooks.webhooks import Webhook

from forgehooks.core.deliveries import DeliveryState, Verdict
from forgehooks.core.hooks import SecretScheme
from forgehooks.core.retry import RetryPolicy
from forgehooks.engine.sender import Sender
from forgehooks.services import hooks
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed
from tests.engine import hostile
from tests.engine.conftest import (
    add_hook,
    attempts_of,
    deliveries_of,
    publish_pushes,
    wait_until_settled,
    working,
)
from tests.receivers import Received, Receiver, Reply

FAST_RETRY = RetryPolicy(schedule=(0, 0.2, 0.2, 0.2), jitter=0, throttle_floor=0)


async def test_a_delivery_is_sent_signed_and_recorded(
    runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    hook = await add_hook(
        runtime, seed, receiver.url + "/in", secret="s3cret", secret_scheme=SecretScheme.SIGNATURE
    )
    [event_id] = await publish_pushes(runtime, seed, 1)
    async with working(runtime):
        [got] = await receiver.await_count(1)
        await wait_until_settled(runtime, {"succeeded"}, 1)
    [delivery] = await deliveries_of(runtime, seed.project, hook)
    assert got.path == "/in"
    assert got.header("X-Forgehooks-Delivery") == delivery.id
    assert got.header("X-Forgehooks-Event-Id") == event_id
    assert got.header("X-Forgehooks-Event") == "push"
    assert got.header("X-Forgehooks-Signature") is not None
    assert delivery.state is DeliveryState.SUCCEEDED and delivery.attempt_count == 1
    [attempt] = await attempts_of(runtime, delivery.id)
    assert attempt.response_status == 200 and attempt.response_body == "ok"
    assert attempt.request_headers["X-Forgehooks-Delivery"] == delivery.id
    assert attempt.verdict is Verdict.SUCCESS
    stored = await hooks.get_hook(runtime, seed.project, hook.id)
    assert stored.last_status_code == 200 and stored.last_message == "HTTP 200"


async def test_retries_keep_the_delivery_id_and_honour_retry_after(runtime: Runtime, seed: Seed) -> None:
    answers = itertools.chain(
        [Reply(status=503), Reply(status=429, headers={"Retry-After": "1"})], itertools.repeat(Reply())
    )
    with Receiver(lambda _: next(answers)) as receiver:
        hook = await add_hook(runtime, seed, receiver.url)
        await publish_pushes(runtime, seed, 1)
        async with working(runtime, retry=FAST_RETRY):
            got = await receiver.await_count(3)
            await wait_until_settled(runtime, {"succeeded"}, 1)
    ids = {g.header("X-Forgehooks-Delivery") for g in got}
    assert len(ids) == 1
    assert got[2].at - got[1].at >= 1.0, "Retry-After: 1 was honoured"
    assert got[1].at - got[0].at < 1.0
    [delivery] = await deliveries_of(runtime, seed.project, hook)
    assert [a.response_status for a in await attempts_of(runtime, delivery.id)] == [503, 429, 200]


async def test_other_four_xx_are_final(runtime: Runtime, seed: Seed) -> None:
    with Receiver(Reply(status=410, body=b"gone")) as receiver:
        hook = await add_hook(runtime, seed, receiver.url)
        await publish_pushes(runtime, seed, 1)
        async with working(runtime, retry=FAST_RETRY):
            await wait_until_settled(runtime, {"failed"}, 1)
            await receiver.await_count(1)
    [delivery] = await deliveries_of(runtime, seed.project, hook)
    assert delivery.attempt_count == 1 and delivery.last_status_code == 410


async def test_standard_webhooks_signature_verifies_with_the_reference_library(
    runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    secret = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    signed = {"secret": secret, "secret_scheme": SecretScheme.SIGNATURE, "standard_webhooks": True}
    await add_hook(runtime, seed, receiver.url, **signed)
    await publish_pushes(runtime, seed, 1)
    async with working(runtime):
        [got] = await receiver.await_count(1)
    verified = Webhook(secret).verify(got.body, got.headers)
    assert verified["kind"] == "push"
    assert got.header("webhook-id") == got.header("X-Forgehooks-Delivery")


async def test_a_garbage_receiver_fails_cleanly_and_the_worker_carries_on(
    runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    async with hostile.serving(hostile.garbage) as bad_url:
        bad = await add_hook(runtime, seed, bad_url)
        await add_hook(runtime, seed, receiver.url)
        await publish_pushes(runtime, seed, 3)
        async with working(runtime, retry=RetryPolicy(schedule=(0,))):
            await receiver.await_count(3)
            await wait_until_settled(runtime, {"succeeded", "failed"}, 6)
    for delivery in await deliveries_of(runtime, seed.project, bad):
        assert delivery.state is DeliveryState.FAILED
        [attempt] = await attempts_of(runtime, delivery.id)
        assert attempt.response_status is None and attempt.error, attempt


async def test_a_deleted_hooks_queued_deliveries_are_cancelled_not_sent(
    runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    hook = await add_hook(runtime, seed, receiver.url + "/deleted")
    await add_hook(runtime, seed, receiver.url + "/live")
    await publish_pushes(runtime, seed, 5)
    assert await hooks.delete_hook(runtime, seed.project, hook) == 5
    async with working(runtime):
        await wait_until_settled(runtime, {"succeeded"}, 5)
    assert {r.path for r in receiver.received} == {"/live"}
    assert {d.state for d in await deliveries_of(runtime, seed.project, hook)} == {DeliveryState.CANCELLED}


async def test_a_hanging_receiver_does_not_starve_a_fast_one(
    runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    sender = Sender(allow_local=True, total_timeout=30, per_host_limit=4)
    async with hostile.serving(hostile.silence) as hanging_url:
        await add_hook(runtime, seed, hanging_url)
        await add_hook(runtime, seed, receiver.url)
        await publish_pushes(runtime, seed, 60)
        started = time.monotonic()
        try:
            async with working(runtime, sender=sender, concurrency=16, claim_batch=16, drain_seconds=0.5):
                await receiver.await_count(60, timeout=15)
                elapsed = time.monotonic() - started
        finally:
            await sender.close()
    assert elapsed < 10, f"the fast receiver waited {elapsed:.1f} s behind the hanging one"


def by_delivery(got: list[Received]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for g in got:
        key = g.header("X-Forgehooks-Delivery") or ""
        counts[key] = counts.get(key, 0) + 1
    return counts


async def test_a_burst_for_one_receiver_is_claimed_once(
    runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    # a claim fits the receiver's local line (4 in flight, 16 waiting): nothing claimed
    # goes back to the queue unsent, to be claimed again later
    sender = Sender(allow_local=True, per_host_limit=4)
    await add_hook(runtime, seed, receiver.url)
    await publish_pushes(runtime, seed, 200)
    try:
        async with working(runtime, sender=sender, concurrency=64, claim_batch=64) as worker:
            await receiver.await_count(200, timeout=30)
    finally:
        await sender.close()
    assert worker.given_back == 0
    assert len(by_delivery(receiver.received)) == 200


async def test_a_publish_committed_during_a_claim_is_claimed_without_waiting_for_the_poll(
    runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    await add_hook(runtime, seed, receiver.url)
    async with working(runtime, poll_interval=30.0) as worker:
        claim = worker._claim
        published: list[str] = []

        async def claim_then_publish(limit: int) -> tuple[Any, ...]:
            found = await claim(limit)
            if not published:  # committed after this claim read the queue: its wake-up must hold
                published.extend(await publish_pushes(runtime, seed, 1))
            return found

        worker._claim = claim_then_publish  # type: ignore[method-assign]
        await wait_until_settled(runtime, {DeliveryState.SUCCEEDED.value}, 1, timeout=5)
    assert len(receiver.received) == 1
