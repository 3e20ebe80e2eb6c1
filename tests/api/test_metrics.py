"""/metrics: Prometheus text with delivery, queue and hook figures from the database."""

from __future__ import annotations

import asyncio
import re

import httpx

from forgehooks.core.clock import utcnow
from forgehooks.core.events import EventKind
from forgehooks.core.hooks import HookSpec
from forgehooks.core.samples import sample_body
from forgehooks.services import events, hooks
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed
from tests.receivers import Receiver


async def test_metrics_count_deliveries_and_attempts(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    await hooks.create_hook(runtime, seed.project, HookSpec(url=receiver.url), "forgehooks")
    actor = events.actor_of(seed.user)
    snapshot = seed.project.snapshot("http://x")
    for _ in range(3):
        body = sample_body(EventKind.PUSH, snapshot, actor, utcnow())
        await events.publish(runtime, events.build_event(runtime, seed.project, EventKind.PUSH, body, actor))
    before = (await client.get("/metrics")).text
    sent_before = sample(before, 'forgehooks_worker_attempts_total{face="forgehooks",verdict="success"}')
    claims_before = sample(before, "forgehooks_worker_claim_batch_size_count")
    assert 'forgehooks_deliveries{face="forgehooks",state="queued"} 3.0' in before
    assert "forgehooks_queue_due 3.0" in before
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.new_worker().run(stop))
    await receiver.await_count(3)
    stop.set()
    await task
    after = (await client.get("/metrics")).text
    assert 'forgehooks_deliveries{face="forgehooks",state="succeeded"} 3.0' in after
    assert 'forgehooks_attempts_recent{face="forgehooks",verdict="success"} 3.0' in after
    assert "forgehooks_attempt_duration_ms_recent_count 3.0" in after
    # this process's own worker figures, served beside the database's
    assert (
        sample(after, 'forgehooks_worker_attempts_total{face="forgehooks",verdict="success"}')
        == sent_before + 3
    )
    assert sample(after, "forgehooks_worker_claim_batch_size_count") > claims_before
    assert sample(after, "forgehooks_worker_sends_in_flight") == 0


def sample(text: str, name: str) -> float:
    """The value of one sample in Prometheus text (0 when absent)."""
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0
