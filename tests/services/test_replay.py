"""Replay since a time: finished deliveries go out again with their original ids."""

from __future__ import annotations

from datetime import timedelta

import httpx

from forgehooks.core.clock import utcnow
from forgehooks.core.events import EventKind
from forgehooks.core.hooks import HookSpec
from forgehooks.core.samples import sample_body
from forgehooks.services import events, hooks
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed, drain
from tests.receivers import Receiver, Reply


async def _deliver(runtime: Runtime, seed: Seed, receiver: Receiver, expected: int) -> None:
    await drain(runtime, seed.project)  # every attempt sent and recorded
    assert len(receiver.received) == expected


async def test_replay_resends_failed_only_with_the_same_ids(
    runtime: Runtime, seed: Seed, client: httpx.AsyncClient
) -> None:
    statuses = iter([200, 404, 200, 404])
    with Receiver(lambda _got: Reply(status=next(statuses, 200))) as receiver:
        hook = await hooks.create_hook(runtime, seed.project, HookSpec(url=receiver.url), "forgehooks")
        start = utcnow() - timedelta(seconds=1)
        actor = events.actor_of(seed.user)
        for _ in range(4):
            body = sample_body(EventKind.PUSH, seed.project.snapshot("http://x"), actor, utcnow())
            await events.publish(
                runtime, events.build_event(runtime, seed.project, EventKind.PUSH, body, actor)
            )
        await _deliver(runtime, seed, receiver, 4)
        first_ids = [r.header("X-Forgehooks-Delivery") for r in receiver.received]
        failed = {first_ids[1], first_ids[3]}
        r = await client.post(
            f"/api/forgehooks/v1/projects/{seed.project.id}/replay",
            json={"since": start.isoformat(), "hook_id": hook.id, "failed_only": True},
            headers={"PRIVATE-TOKEN": seed.token},
        )
        assert r.status_code == 200, r.text
        assert r.json() == {"requeued": 2}
        await _deliver(runtime, seed, receiver, 6)
        again = {r.header("X-Forgehooks-Delivery") for r in receiver.received[4:]}
        assert again == failed
        r = await client.post(
            f"/api/forgehooks/v1/projects/{seed.project.id}/replay",
            json={"since": (utcnow() + timedelta(hours=1)).isoformat()},
            headers={"PRIVATE-TOKEN": seed.token},
        )
        assert r.json() == {"requeued": 0}
