"""Replay from the console: every finished delivery of a hook (or a project) since a time is
sent again with its own id; only maintainers see the form; a reporter is refused."""

from __future__ import annotations

from datetime import timedelta

import httpx

from forgehooks.core.clock import utcnow
from forgehooks.core.hooks import Hook
from forgehooks.core.projects import Role
from forgehooks.services import deliveries
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed, member
from tests.console.conftest import csrf_of, deliver, publish, sign_in
from tests.receivers import Receiver


def since(minutes_ago: int) -> str:
    """The value a datetime-local field sends (UTC, no zone)."""
    return (utcnow() - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S")


async def test_replaying_a_hook_sends_every_delivery_again_with_the_same_ids(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook, receiver: Receiver
) -> None:
    for _ in range(3):
        await publish(runtime, seed.project, seed.user)
    await deliver(runtime, seed.project)
    first = sorted(r.header("X-Forgehooks-Delivery") or "" for r in receiver.received)
    url = f"/-/projects/{seed.project.id}/hooks/{hook.id}"
    page = await console.get(url)
    assert ">Replay</button>" in page.text and 'type="datetime-local"' in page.text
    r = await console.post(f"{url}/replay", data={"csrf_token": csrf_of(page.text), "since": since(10)})
    assert r.status_code == 303 and r.headers["location"] == f"{url}?replayed=3"
    assert "3 deliveries queued again." in (await console.get(r.headers["location"])).text
    await deliver(runtime, seed.project)
    again = sorted(r.header("X-Forgehooks-Delivery") or "" for r in receiver.received[3:])
    assert again == first
    found, _ = await deliveries.list_deliveries(runtime, seed.project)
    assert {d.attempt_count for d in found} == {2}


async def test_replaying_the_project_since_later_than_everything_sends_nothing(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook, receiver: Receiver
) -> None:
    await publish(runtime, seed.project, seed.user)
    await deliver(runtime, seed.project)
    url = f"/-/projects/{seed.project.id}"
    page = await console.get(url)
    future = (utcnow() + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    form = {"csrf_token": csrf_of(page.text), "since": future, "failed_only": "true"}
    r = await console.post(f"{url}/replay", data=form)
    assert r.status_code == 303 and r.headers["location"] == f"{url}?replayed=0"
    form["since"] = "yesterday"
    assert (await console.post(f"{url}/replay", data=form)).status_code == 400
    assert len(receiver.received) == 1


async def test_a_reporter_cannot_replay(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    token = await member(runtime, seed, "rita", Role.REPORTER)
    await sign_in(client, token)
    url = f"/-/projects/{seed.project.id}/hooks/{hook.id}"
    page = await client.get(url)
    assert page.status_code == 200 and ">Replay</button>" not in page.text
    r = await client.post(f"{url}/replay", data={"csrf_token": csrf_of(page.text), "since": since(5)})
    assert r.status_code == 403
