"""Seed 000 (GitCode v4) outgoing deliveries: GitCode's headers (X-GitCode-Event, X-GitCode-Token,
X-GitCode-Delivery, User-Agent git-gitcode-hook) and GitLab-shaped payloads for every event kind."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import httpx
import pytest
from gidgetlab.sansio import Event as GitLabEvent

from forgehooks.core.events import Actor, Commit, Event, EventKind, ProjectSnapshot, RefBody
from forgehooks.core.hooks import Hook, SecretScheme
from forgehooks.core.samples import sample_event
from forgehooks.core.signing import hmac_sha256_hex
from forgehooks.core.wire import Envelope
from forgehooks.dialects.gitcode_v4.wire import GitCodeV4Wire, event_header
from forgehooks.services import events
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed, drain
from tests.receivers import Receiver

PROJECT = ProjectSnapshot(
    id=7,
    hex_id="0" * 32,
    uuid="00000000-0000-0000-0000-000000000007",
    path="acme/widgets",
    name="widgets",
    web_url="http://forge.test/acme/widgets",
    git_http_url="http://forge.test/acme/widgets.git",
    git_ssh_url="git@forge.test:acme/widgets.git",
)
ACTOR = Actor(id=3, username="alice", name="Alice", email="alice@example.com")
NOW = datetime(2024, 9, 18, 9, 51, 44, tzinfo=UTC)

EXPECTED_KIND = {
    "ref": "push",
    "merge_request": "merge_request",
    "note": "note",
    "issue": "issue",
    "pipeline": "pipeline",
    "collaborator": "project_member",
    "system": "system",
}


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_kind_renders_a_gitlab_shaped_payload(kind: EventKind) -> None:
    payload = json.loads(GitCodeV4Wire().render(sample_event(kind, PROJECT, ACTOR, NOW)))
    expected = "tag_push" if kind.is_tag else EXPECTED_KIND[kind.family.value]
    assert payload["object_kind"] == expected
    assert payload["project"]["id"] == 7 and payload["project"]["path_with_namespace"] == "acme/widgets"
    assert payload["repository"]["git_http_url"] == "http://forge.test/acme/widgets.git"
    assert isinstance(event_header(kind), str) and event_header(kind).endswith("Hook")


def test_push_payload_fields_and_times() -> None:
    commit = Commit(
        id="a" * 40,
        message="Fix it\n\nbody",
        timestamp=NOW,
        url="http://forge.test/c",
        author_name="Bob",
        author_email="bob@example.com",
        added=("new.txt",),
    )
    body = RefBody(
        ref="refs/heads/main", before="b" * 40, after="a" * 40, commits=(commit,), total_commits_count=1
    )
    event = Event(id="e1", kind=EventKind.PUSH, project=PROJECT, actor=ACTOR, occurred_at=NOW, body=body)
    payload = json.loads(GitCodeV4Wire().render(event))
    assert payload["event_name"] == "push" and payload["checkout_sha"] == "a" * 40
    assert (payload["user_id"], payload["user_username"], payload["user_email"]) == (
        3,
        "alice",
        "alice@example.com",
    )
    assert payload["total_commits_count"] == 1 and payload["project_id"] == 7
    (c,) = payload["commits"]
    assert c["timestamp"] == "2024-09-18T17:51:44+08:00" and c["title"] == "Fix it"
    assert c["author"] == {"name": "Bob", "email": "bob@example.com"} and c["added"] == ["new.txt"]


def test_signature_scheme_hooks_get_gitcodes_signature_header() -> None:
    hook = Hook(  # a hook made through the v5 face with a signing key
        url="http://r.test/",
        secret="s3cr3t",
        secret_scheme=SecretScheme.SIGNATURE,
        id=1,
        uuid="u",
        project_id=7,
        dialect="gitcode_v4",
        created_at=NOW,
        updated_at=NOW,
    )
    body = b'{"object_kind":"push","ref":"refs/heads/main"}'
    envelope = Envelope(delivery_id="d1", event_id="e1", event_kind="push", timestamp=0)
    headers = GitCodeV4Wire().request(hook, envelope, body).headers
    expected = "sha256=45f638f5c2f50937ca31287e0689df9cb9289b0eb87f1feed0797a03500a0994"
    assert headers["X-GitCode-Signature-256"] == expected == "sha256=" + hmac_sha256_hex("s3cr3t", body)
    assert "X-GitCode-Token" not in headers


async def test_a_published_push_reaches_the_receiver_with_gitcode_headers(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    r = await client.post(
        f"/api/v4/projects/{seed.project.id}/hooks",
        json={"url": receiver.url + "/in", "token": "tok-9", "tag_push_events": True},
        headers={"PRIVATE-TOKEN": seed.token},
    )
    assert r.status_code == 201
    actor = events.actor_of(seed.user)
    for kind in (EventKind.PUSH, EventKind.TAG_CREATE, EventKind.ISSUE_OPEN):
        sample = sample_event(kind, seed.project.snapshot(runtime.settings.base_url()), actor, NOW)
        await events.publish(runtime, events.build_event(runtime, seed.project, kind, sample.body, actor))
    await drain(runtime, seed.project)  # the issue event must not arrive: no issues_events flag
    got = receiver.received
    assert len(got) == 2
    by_event = {g.header("X-GitCode-Event"): g for g in got}
    assert set(by_event) == {"Push Hook", "Tag Push Hook"}
    push = by_event["Push Hook"]
    assert push.method == "POST" and push.path == "/in"
    assert push.header("X-GitCode-Token") == "tok-9"
    assert push.header("User-Agent") == "git-gitcode-hook"
    assert push.header("Content-Type") == "application/json"
    assert push.header("X-GitCode-Delivery") == push.header("X-Forgehooks-Delivery")
    payload = json.loads(push.body)
    assert payload["object_kind"] == "push" and payload["ref"] == "refs/heads/main"
    assert payload["project"]["path_with_namespace"] == "acme/widgets" and payload["user_username"] == "alice"
    tag = json.loads(by_event["Tag Push Hook"].body)
    assert tag["object_kind"] == "tag_push" and tag["before"] == "0" * 40 and tag["ref"] == "refs/tags/v1.0.0"


async def test_a_hook_in_gitlab_header_mode_reaches_a_stock_gitlab_receiver(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    base = f"/api/v4/projects/{seed.project.id}/hooks"
    auth = {"PRIVATE-TOKEN": seed.token}
    r = await client.post(base, json={"url": receiver.url, "token": "tok-9"}, headers=auth)
    assert r.status_code == 201 and r.json()["header_mode"] == "gitcode"  # GitCode's own headers by default
    hook_id = r.json()["id"]
    r = await client.put(f"{base}/{hook_id}", json={"header_mode": "gitlab"}, headers=auth)
    assert r.status_code == 200 and r.json()["header_mode"] == "gitlab"
    assert (
        await client.put(f"{base}/{hook_id}", json={"header_mode": "gitee"}, headers=auth)
    ).status_code == 400
    actor = events.actor_of(seed.user)
    sample = sample_event(EventKind.PUSH, seed.project.snapshot(runtime.settings.base_url()), actor, NOW)
    await events.publish(
        runtime, events.build_event(runtime, seed.project, EventKind.PUSH, sample.body, actor)
    )
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.new_worker().run(stop))
    try:
        (got,) = await receiver.await_count(1)
    finally:
        stop.set()
        await task
    headers = {name.lower(): value for name, value in got.headers.items()}
    event = GitLabEvent.from_http(
        headers, got.body, secret="tok-9"
    )  # gidgetlab, as a GitLab receiver runs it
    assert event.event == "Push Hook" and event.data["object_kind"] == "push"
    assert got.header("X-GitCode-Event") is None and got.header("X-GitCode-Token") is None
    assert got.header("X-Gitlab-Event-UUID") == got.header("X-Forgehooks-Delivery")
