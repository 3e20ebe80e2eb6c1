"""Seed 002 (GitFlic «Вебхуки», the hook's `url`, `secret` and `events`) end to end: a hook made
through this face receives GitFlic's JSON with `Gitflic-Webhook-Secret` from a real worker."""

from __future__ import annotations

import asyncio
import json

import httpx

from forgehooks.core.clock import utcnow
from forgehooks.core.events import Actor, EventKind, IssueBody, RefBody
from forgehooks.core.samples import sample_body
from forgehooks.services import events
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed
from tests.dialects.gitflic.seed_examples import BASE, SEED_BODY, owner
from tests.receivers import Received, Receiver

AFTER = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"


async def deliver(runtime: Runtime, receiver: Receiver, count: int) -> list[Received]:
    """Run one worker until the receiver has `count` requests."""
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.new_worker().run(stop))
    try:
        return await receiver.await_count(count)
    finally:
        stop.set()
        await task


async def test_a_push_arrives_as_branch_update_with_the_secret_header(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    body = SEED_BODY | {"url": f"{receiver.url}/gitflic"}
    made = (await client.post(BASE, json=body, headers=owner(seed))).json()
    actor = Actor(id=seed.user.id, username="alice", name="Alice Liddell")
    push = RefBody(ref="refs/heads/main", before="0" * 39 + "1", after=AFTER, total_commits_count=0)
    published = await events.publish(
        runtime, events.build_event(runtime, seed.project, EventKind.PUSH, push, actor)
    )
    assert published.deliveries == 1
    [got] = await deliver(runtime, receiver, 1)
    assert got.method == "POST" and got.path == "/gitflic"
    assert got.header("Gitflic-Webhook-Secret") == "SOME SECRET CODE"
    assert got.header("Content-Type") == "application/json"
    assert got.header("X-Forgehooks-Delivery")
    assert got.header("X-Gitlab-Event") is None and got.header("X-Gitlab-Token") is None
    payload = json.loads(got.body)
    assert payload["action"] == "BRANCH_UPDATE"
    assert payload["project_id"] == seed.project.uuid
    assert payload["project"]["alias"] == "widgets" and payload["project"]["owner_alias"] == "acme"
    assert payload["push"]["ref"] == "refs/heads/main" and payload["push"]["after"] == AFTER
    assert made["id"]


async def test_only_subscribed_flags_are_delivered_and_without_secret_no_header(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    body = {"url": receiver.url, "events": {"ISSUE_CREATE": True}}
    assert (await client.post(BASE, json=body, headers=owner(seed))).status_code == 200
    actor = Actor(id=seed.user.id, username="alice")
    snapshot = seed.project.snapshot(runtime.settings.base_url())
    skipped = await events.publish(
        runtime,
        events.build_event(
            runtime,
            seed.project,
            EventKind.PUSH,
            sample_body(EventKind.PUSH, snapshot, actor, utcnow()),
            actor,
        ),
    )
    assert skipped.deliveries == 0
    issue = sample_body(EventKind.ISSUE_OPEN, snapshot, actor, utcnow())
    assert isinstance(issue, IssueBody)
    await events.publish(
        runtime, events.build_event(runtime, seed.project, EventKind.ISSUE_OPEN, issue, actor)
    )
    [got] = await deliver(runtime, receiver, 1)
    assert got.header("Gitflic-Webhook-Secret") is None
    payload = json.loads(got.body)
    assert payload["action"] == "ISSUE_CREATE"
    assert payload["issue"]["title"] == issue.issue.title
    assert payload["issue"]["user_alias"] == "alice"
