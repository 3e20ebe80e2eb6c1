"""Seed 004 (CodeArts Repo v4): what a hook made through this face receives — the X-Codehub-Event
header, the token in the header named by token_type, GitLab-shaped bodies, the branch regex filter —
and the hook logs (ListProjectWebhookLogs / ShowProjectWebhookLog) that record it."""

from __future__ import annotations

import json

import httpx

from forgehooks.core.events import EventKind, RefBody
from forgehooks.core.samples import sample_body
from forgehooks.services import events
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed, drain
from tests.dialects.codearts_v4.api import TIME, add, auth, base
from tests.receivers import Receiver


async def publish_and_deliver(
    runtime: Runtime, seed: Seed, receiver: Receiver, items: list, expect: int
) -> None:
    actor = events.actor_of(seed.user)
    for kind, body in items:
        await events.publish(runtime, events.build_event(runtime, seed.project, kind, body, actor))
    await drain(runtime, seed.project, timeout=30)  # anything filtered out would have arrived by now
    assert len(receiver.received) == expect, [r.path for r in receiver.received]


def push_to(branch: str) -> RefBody:
    return RefBody(ref=f"refs/heads/{branch}", before="1" * 40, after="2" * 40, total_commits_count=0)


async def test_push_is_delivered_with_codearts_headers_and_body(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    await add(client, seed, url=f"{receiver.url}/hook", token="s3cr3t", tag_push_events=True)
    snapshot = seed.project.snapshot(runtime.settings.base_url())
    body = sample_body(EventKind.PUSH, snapshot, events.actor_of(seed.user), seed.project.created_at)
    await publish_and_deliver(runtime, seed, receiver, [(EventKind.PUSH, body)], 1)
    got = receiver.received[0]
    assert got.method == "POST" and got.path == "/hook"
    assert got.header("X-Codehub-Event") == "Push Hook"
    assert got.header("X-Repo-Token") == "s3cr3t"
    assert got.header("X-Gitlab-Event") is None
    assert got.header("Content-Type") == "application/json"
    assert got.header("X-Forgehooks-Delivery")
    payload = json.loads(got.body)
    assert payload["object_kind"] == "push" and payload["event_name"] == "push"
    assert payload["ref"] == "refs/heads/main"
    assert payload["before"] == body.before and payload["after"] == body.after
    assert payload["checkout_sha"] == body.after
    assert payload["user_username"] == "alice" and payload["user_email"] == "alice@example.com"
    assert payload["project_id"] == seed.project.id
    assert payload["project"]["path_with_namespace"] == "acme/widgets"
    assert payload["project"]["visibility_level"] == 0
    assert payload["repository"]["name"] == "widgets"
    commit = payload["commits"][0]
    assert set(commit) >= {"id", "message", "timestamp", "url", "author", "added", "modified", "removed"}
    assert TIME.match(commit["timestamp"])
    assert payload["total_commits_count"] == 1
    assert payload["uuid"]


async def test_token_goes_in_the_header_named_by_token_type(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    await add(client, seed, url=f"{receiver.url}/gitlab", token="gl", token_type="X-Gitlab-Token")
    await add(client, seed, url=f"{receiver.url}/auth", token="au", token_type="X-Auth-Token")
    await add(client, seed, url=f"{receiver.url}/none")
    await publish_and_deliver(runtime, seed, receiver, [(EventKind.PUSH, push_to("main"))], 3)
    by_path = {r.path: r for r in receiver.received}
    assert by_path["/gitlab"].header("X-Gitlab-Token") == "gl"
    assert by_path["/gitlab"].header("X-Gitlab-Event") == "Push Hook"
    assert by_path["/gitlab"].header("X-Repo-Token") is None
    assert by_path["/auth"].header("X-Auth-Token") == "au"
    none = by_path["/none"]
    assert none.header("X-Repo-Token") is None and none.header("X-Codehub-Event") == "Push Hook"


async def test_branch_regex_filter_decides_which_pushes_go_out(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    await add(client, seed, url=f"{receiver.url}/release", push_events_branch_regex_filter="^release/")
    items = [(EventKind.PUSH, push_to(b)) for b in ("main", "release/1.0", "feature/release", "release/2.0")]
    await publish_and_deliver(runtime, seed, receiver, items, 2)
    refs = sorted(json.loads(r.body)["ref"] for r in receiver.received)
    assert refs == ["refs/heads/release/1.0", "refs/heads/release/2.0"]


async def test_each_flag_maps_to_its_event_header(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    await add(
        client,
        seed,
        url=receiver.url,
        push_events=False,
        tag_push_events=True,
        merge_requests_events=True,
        note_events=True,
    )
    snapshot = seed.project.snapshot(runtime.settings.base_url())
    actor = events.actor_of(seed.user)
    kinds = [
        EventKind.PUSH,  # not subscribed
        EventKind.ISSUE_OPEN,  # not a CodeArts flag
        EventKind.TAG_CREATE,
        EventKind.MERGE_REQUEST_MERGE,
        EventKind.NOTE_MERGE_REQUEST,
        EventKind.DISCUSSION_CREATE,
    ]
    items = [(k, sample_body(k, snapshot, actor, seed.project.created_at)) for k in kinds]
    await publish_and_deliver(runtime, seed, receiver, items, 4)
    seen = {(r.header("X-Codehub-Event"), json.loads(r.body)["object_kind"]) for r in receiver.received}
    assert seen == {
        ("Tag Push Hook", "tag_push"),
        ("Merge Request Hook", "merge_request"),
        ("Note Hook", "note"),
    }
    assert len(receiver.received) == 4
    payloads = {json.loads(r.body)["object_kind"]: json.loads(r.body) for r in receiver.received}
    mr = payloads["merge_request"]["object_attributes"]
    assert mr["action"] == "merge" and mr["state"] == "merged" and mr["iid"] == 1
    assert TIME.match(mr["created_at"])
    assert payloads["tag_push"]["ref"] == "refs/tags/v1.0.0"


async def test_hook_logs_list_and_show_what_was_sent(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    hook = await add(client, seed, url=f"{receiver.url}/logged", token="hidden")
    await publish_and_deliver(
        runtime, seed, receiver, [(EventKind.PUSH, push_to("main")), (EventKind.PUSH, push_to("dev"))], 2
    )
    logs_url = f"{base(seed)}/{hook['id']}/logs"
    r = await client.get(logs_url, headers=auth(seed.token))
    assert r.status_code == 200 and r.headers["X-Total"] == "2"
    logs = r.json()
    assert len(logs) == 2
    entry = logs[0]
    assert set(entry) == {
        "id",
        "web_hook_id",
        "trigger",
        "url",
        "response_status",
        "execution_duration",
        "uuid",
        "created_at",
        "updated_at",
        "repository",
    }
    assert entry["web_hook_id"] == hook["id"] and entry["trigger"] == "push_hooks"
    assert entry["response_status"] == "200" and entry["url"] == f"{receiver.url}/logged"
    assert isinstance(entry["execution_duration"], float) and TIME.match(entry["created_at"])
    assert entry["repository"] == {"id": seed.project.id, "namespace": "acme"}
    uuids = {json.loads(r.body)["uuid"] for r in receiver.received}
    assert {e["uuid"] for e in logs} == uuids

    page = await client.get(logs_url, params={"offset": 1, "limit": 1}, headers=auth(seed.token))
    assert [e["id"] for e in page.json()] == [logs[1]["id"]] and page.headers["X-Total"] == "2"
    one = await client.get(logs_url, params={"uuid": entry["uuid"]}, headers=auth(seed.token))
    assert [e["id"] for e in one.json()] == [entry["id"]]
    late = await client.get(
        logs_url, params={"created_after": "2999-01-01T00:00:00Z"}, headers=auth(seed.token)
    )
    assert late.json() == [] and late.headers["X-Total"] == "0"
    assert (await client.get(logs_url, params={"limit": 101}, headers=auth(seed.token))).status_code == 400

    r = await client.get(f"{logs_url}/{entry['id']}", headers=auth(seed.token))
    assert r.status_code == 200
    detail = r.json()
    assert detail["uuid"] == entry["uuid"] and detail["request_data"]["uuid"] == entry["uuid"]
    assert detail["request_data"]["user_email"] == "******"
    assert detail["request_headers"]["X-Codehub-Event"] == "Push Hook"
    assert "hidden" not in json.dumps(detail["request_headers"])
    assert detail["response_body"] == "ok"
    assert (await client.get(f"{logs_url}/999999", headers=auth(seed.token))).status_code == 404
    other = await add(client, seed, url=f"{receiver.url}/other")
    r = await client.get(f"{base(seed)}/{other['id']}/logs/{entry['id']}", headers=auth(seed.token))
    assert r.status_code == 404 and r.json()["error_code"] == "CH.000404"
