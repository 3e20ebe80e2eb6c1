"""Seed 003 (GitCode v5 Webhook API), section 2's `encryption_type`/`password` and the five event
flags, end to end: published events reach a real receiver with GitCode's headers, password or
HMAC-SHA256 signature (verified here independently) and GitLab-shaped payloads."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import httpx

from forgehooks.core.events import EventKind
from forgehooks.core.samples import sample_body
from forgehooks.dialects.gitcode_v5.wire import signature
from forgehooks.services import events
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed
from tests.dialects.gitcode_v5.conftest import BASE, deliver, token_query
from tests.receivers import Receiver

ALL_FLAGS = {
    "push_events": True,
    "tag_push_events": True,
    "issues_events": True,
    "note_events": True,
    "merge_requests_events": True,
}


async def publish(runtime: Runtime, seed: Seed, kind: EventKind) -> int:
    """Publish a realistic `kind` event in the seeded project; returns how many deliveries it made."""
    project = seed.project.snapshot(runtime.settings.base_url())
    actor = events.actor_of(seed.user)
    body = sample_body(kind, project, actor, datetime.now(UTC))
    published = await events.publish(runtime, events.build_event(runtime, seed.project, kind, body, actor))
    return published.deliveries


async def make_hook(client: httpx.AsyncClient, seed: Seed, **fields: object) -> dict[str, object]:
    r = await client.post(BASE, params=token_query(seed.token), json=fields)
    assert r.status_code == 201, r.text
    created: dict[str, object] = r.json()
    return created


def test_signature_matches_the_published_gitcode_vector() -> None:
    # opensourceways/robot-universal-hook-delivery:delivery_test.go accepts this header for this body
    expected = "sha256=e723b56a8b51b13d11bbdc02775cd180af20a89ff128f052cc09cf66ab6ca6cf"
    assert signature("fgiuagyds", b"fihoagdshajbolkhasdb") == expected


async def test_password_mode_sends_the_password_in_x_gitcode_token(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    hook = await make_hook(client, seed, url=receiver.url + "/in", encryption_type=0, password="123445")
    assert await publish(runtime, seed, EventKind.PUSH) == 1
    await deliver(runtime, receiver)
    got = receiver.received[0]
    assert got.method == "POST" and got.path == "/in" and got.query == ""
    assert got.header("X-GitCode-Token") == "123445"
    assert got.header("X-GitCode-Signature-256") is None
    assert got.header("X-GitCode-Event") == "Push Hook"
    assert got.header("User-Agent") == "git-gitcode-hook"
    assert got.header("Content-Type") == "application/json"
    assert got.header("X-GitCode-Delivery") == got.header("X-Forgehooks-Delivery")
    payload = json.loads(got.body)
    assert payload["object_kind"] == "push" and payload["ref"] == "refs/heads/main"
    after = (await client.get(f"{BASE}/{hook['id']}", params=token_query(seed.token))).json()
    assert after["result"] == "ok" and after["result_code"] == 200


async def test_signature_mode_signs_the_exact_body_and_sends_no_password(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    await make_hook(client, seed, url=receiver.url, encryption_type=1, password="s3cr3t-key")
    await publish(runtime, seed, EventKind.PUSH)
    await deliver(runtime, receiver)
    got = receiver.received[0]
    expected = "sha256=" + hmac.new(b"s3cr3t-key", got.body, hashlib.sha256).hexdigest()
    header = got.header("X-GitCode-Signature-256")
    assert header is not None and hmac.compare_digest(header, expected)
    assert got.header("X-GitCode-Token") is None
    wrong = "sha256=" + hmac.new(b"other-key", got.body, hashlib.sha256).hexdigest()
    assert header != wrong


async def test_no_password_sends_neither_token_nor_signature(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    await make_hook(client, seed, url=receiver.url, encryption_type=1)
    await publish(runtime, seed, EventKind.PUSH)
    await deliver(runtime, receiver)
    got = receiver.received[0]
    assert got.header("X-GitCode-Token") is None and got.header("X-GitCode-Signature-256") is None


async def test_flags_decide_which_events_are_delivered(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    await make_hook(client, seed, url=receiver.url, push_events=False, issues_events=True)
    assert await publish(runtime, seed, EventKind.PUSH) == 0
    assert await publish(runtime, seed, EventKind.TAG_CREATE) == 0
    assert await publish(runtime, seed, EventKind.ISSUE_CLOSE) == 1
    await deliver(runtime, receiver)
    assert receiver.received[0].header("X-GitCode-Event") == "Issue Hook"


async def test_each_event_family_has_its_header_and_payload_shape(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    await make_hook(client, seed, url=receiver.url, **ALL_FLAGS)
    kinds = [
        EventKind.BRANCH_CREATE,
        EventKind.TAG_CREATE,
        EventKind.ISSUE_OPEN,
        EventKind.NOTE_MERGE_REQUEST,
        EventKind.MERGE_REQUEST_MERGE,
    ]
    for kind in kinds:
        assert await publish(runtime, seed, kind) == 1
    await deliver(runtime, receiver, len(kinds))
    by_event = {r.header("X-GitCode-Event"): json.loads(r.body) for r in receiver.received}
    assert set(by_event) == {"Push Hook", "Tag Push Hook", "Issue Hook", "Note Hook", "Merge Request Hook"}

    push = by_event["Push Hook"]
    assert push["object_kind"] == "push" and push["before"] == "0" * 40
    assert push["project"]["path_with_namespace"] == "acme/widgets"
    assert push["user_username"] == "alice" and push["git_branch"] == "feature/webhook-test"
    assert push["commits"][0]["author"]["email"] == "alice@example.com"
    assert push["repository"]["name"] == "widgets" and push["total_commits_count"] == 1

    tag = by_event["Tag Push Hook"]
    assert tag["object_kind"] == "tag_push" and tag["ref"] == "refs/tags/v1.0.0"

    issue = by_event["Issue Hook"]
    assert issue["object_kind"] == "issue" and issue["event_type"] == "issue"
    assert issue["object_attributes"]["action"] == "open" and issue["object_attributes"]["state"] == "opened"
    assert issue["object_attributes"]["created_at"].endswith("+08:00")

    note = by_event["Note Hook"]
    assert note["object_kind"] == "note" and note["object_attributes"]["noteable_type"] == "MergeRequest"
    assert note["merge_request"]["iid"] == 1 and note["object_attributes"]["note"] == "Looks good to me."

    mr = by_event["Merge Request Hook"]
    assert mr["object_kind"] == "merge_request" and mr["event_type"] == "merge_request"
    assert mr["object_attributes"]["action"] == "merge" and mr["object_attributes"]["state"] == "merged"
    assert mr["object_attributes"]["source_branch"] == "feature/webhook-test"
    assert mr["user"]["username"] == "alice" and mr["uuid"] == mr["produce_random_id"]
