"""Seed 001_0f664279d6eed962.txt, Result flags (PushEvents, TagPushEvents, MergeRequestsEvents, NoteEvents,
IssuesEvents, BuildEvents) and SecretToken "Webhook合法性验证Token": one store shared with the other faces,
Codeup's delivery headers and payloads end to end, and the test call against a real receiver."""

from __future__ import annotations

import asyncio
import json
import re

import httpx

from forgehooks.core.clock import utcnow
from forgehooks.core.events import EventKind
from forgehooks.core.hooks import HookSpec
from forgehooks.core.projects import User
from forgehooks.core.samples import sample_body
from forgehooks.services import accounts, events, hooks
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed
from tests.dialects.codeup_v3.conftest import Repo
from tests.receivers import Receiver, Reply

NATIVE = "/api/forgehooks/v1"
PUSH_KEYS = {
    "object_kind",
    "before",
    "after",
    "ref",
    "user_id",
    "user_name",
    "user_email",
    "project_id",
    "repository",
    "commits",
    "total_commits_count",
}
REPOSITORY_KEYS = {
    "name",
    "url",
    "description",
    "homepage",
    "git_http_url",
    "git_ssh_url",
    "visibility_level",
}
CODEUP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")
ALL_FLAGS = {
    "push_events": True,
    "tag_push_events": True,
    "merge_requests_events": True,
    "note_events": True,
}


async def _deliver(
    runtime: Runtime, repo: Repo, receiver: Receiver, kinds: list[EventKind], expect: int | None = None
) -> int:
    """Publish one sample event per kind, run a worker until `expect` requests arrived; deliveries made."""
    project = repo.project
    actor = events.actor_of(await _alice(runtime))
    made = 0
    for kind in kinds:
        body = sample_body(kind, project.snapshot(runtime.settings.base_url()), actor, utcnow())
        made += (
            await events.publish(runtime, events.build_event(runtime, project, kind, body, actor))
        ).deliveries
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.new_worker().run(stop))
    try:
        await receiver.await_count(len(kinds) if expect is None else expect, timeout=30)
    finally:
        stop.set()
        await task
    return made


async def _alice(runtime: Runtime) -> User:
    return await accounts.find_user(runtime, "alice")


async def test_native_hook_shows_through_codeup_with_flags_mapped(
    client: httpx.AsyncClient, repo: Repo, seed: Seed
) -> None:
    native = await client.post(
        f"{NATIVE}/projects/{repo.project.id}/hooks",
        json={"url": "http://example.com/n", "events": ["branch_create", "issue_open", "collaborator_add"]},
        headers={"Authorization": f"Bearer {seed.token}"},
    )
    assert native.status_code == 201
    hook_id = native.json()["id"]
    result = (await client.get(f"{repo.hooks}/{hook_id}", params=repo.query())).json()["Result"]
    assert result["PushEvents"] is True and result["IssuesEvents"] is True
    assert not any(result[f] for f in ("TagPushEvents", "MergeRequestsEvents", "NoteEvents", "BuildEvents"))
    await client.put(f"{repo.hooks}/{hook_id}", params=repo.query(), json={"note_events": True})
    after = await client.get(
        f"{NATIVE}/projects/{repo.project.id}/hooks/{hook_id}",
        headers={"Authorization": f"Bearer {seed.token}"},
    )
    kinds = set(after.json()["events"])
    assert "collaborator_add" in kinds and "issue_open" in kinds, "other faces' kinds must stay"
    assert {"note_commit", "note_merge_request", "note_issue", "discussion_create"} <= kinds


async def test_codeup_hook_shows_in_the_native_api(client: httpx.AsyncClient, repo: Repo, seed: Seed) -> None:
    created = await client.post(
        repo.hooks, params=repo.query(), json={"url": "http://example.com/c", "tag_push_events": True}
    )
    hook_id = created.json()["Result"]["Id"]
    native = await client.get(
        f"{NATIVE}/projects/{repo.project.id}/hooks/{hook_id}",
        headers={"Authorization": f"Bearer {seed.token}"},
    )
    body = native.json()
    assert body["dialect"] == "codeup_v3"
    assert set(body["events"]) == {
        "push",
        "branch_create",
        "branch_delete",
        "tag_push",
        "tag_create",
        "tag_delete",
    }


async def test_hook_made_through_services_with_another_dialect_is_listed(
    client: httpx.AsyncClient, runtime: Runtime, repo: Repo
) -> None:
    spec = HookSpec(url="http://example.com/s", events=frozenset({EventKind.PIPELINE_FAILED}))
    await hooks.create_hook(runtime, repo.project, spec, "forgehooks")
    listed = (await client.get(repo.hooks, params=repo.query())).json()
    assert listed["Total"] == 1
    assert listed["Result"][0]["BuildEvents"] is True and listed["Result"][0]["PushEvents"] is False


async def test_push_is_delivered_as_codeup_documents_it(
    client: httpx.AsyncClient, runtime: Runtime, repo: Repo, receiver: Receiver
) -> None:
    body = {"url": f"{receiver.url}/codeup", "secret_token": "tok-123"}
    assert (await client.post(repo.hooks, params=repo.query(), json=body)).status_code == 200
    await _deliver(runtime, repo, receiver, [EventKind.PUSH])
    got = receiver.received[0]
    assert got.method == "POST" and got.path == "/codeup"
    assert got.header("Codeup-Event") == "Push Hook"
    assert got.header("X-Codeup-Event") == "Push Hook"
    assert got.header("X-Codeup-Token") == "tok-123"
    assert got.header("Content-Type") == "application/json"
    assert got.header("X-Forgehooks-Delivery")
    payload = json.loads(got.body)
    assert set(payload) == PUSH_KEYS, "no project, no checkout_sha"
    assert payload["object_kind"] == "push" and payload["ref"] == "refs/heads/main"
    assert payload["project_id"] == repo.project.id and payload["user_name"] == "Alice Liddell"
    assert set(payload["repository"]) == REPOSITORY_KEYS
    assert payload["repository"]["git_http_url"].endswith("/acme/gadgets.git")
    commit = payload["commits"][0]
    assert set(commit) == {"id", "message", "timestamp", "url", "author"}
    assert CODEUP_TIME.match(commit["timestamp"]), commit["timestamp"]
    assert payload["total_commits_count"] == 1


async def test_each_codeup_kind_gets_its_header_and_object_kind(
    client: httpx.AsyncClient, runtime: Runtime, repo: Repo, receiver: Receiver
) -> None:
    await client.post(repo.hooks, params=repo.query(), json={"url": receiver.url} | ALL_FLAGS)
    kinds = [EventKind.TAG_CREATE, EventKind.MERGE_REQUEST_MERGE, EventKind.NOTE_MERGE_REQUEST]
    await _deliver(runtime, repo, receiver, kinds)
    by_kind = {json.loads(r.body)["object_kind"]: r for r in receiver.received}
    assert set(by_kind) == {"tag_push", "merge_request", "note"}
    assert by_kind["tag_push"].header("Codeup-Event") == "Tag Push Hook"
    assert by_kind["merge_request"].header("X-Codeup-Event") == "Merge Request Hook"
    assert by_kind["note"].header("Codeup-Event") == "Note Hook"
    assert by_kind["tag_push"].header("X-Codeup-Token") is None, "no secret, no token header"
    tag = json.loads(by_kind["tag_push"].body)
    assert tag["ref"] == "refs/tags/v1.0.0" and tag["before"] == "0" * 40 and "user_email" not in tag
    mr = json.loads(by_kind["merge_request"].body)["object_attributes"]
    assert mr["action"] == "merge" and mr["state"] == "merged" and mr["local_id"] == mr["iid"]
    assert mr["source_branch"] == "feature/webhook-test" and mr["target_branch"] == "main"
    note = json.loads(by_kind["note"].body)
    assert note["object_attributes"]["noteable_type"] == "MergeRequest" and "merge_request" in note


async def test_unsubscribed_kinds_are_not_delivered(
    client: httpx.AsyncClient, runtime: Runtime, repo: Repo, receiver: Receiver
) -> None:
    await client.post(repo.hooks, params=repo.query(), json={"url": receiver.url})
    made = await _deliver(runtime, repo, receiver, [EventKind.NOTE_COMMIT, EventKind.BRANCH_DELETE], expect=1)
    assert made == 1
    assert len(receiver.received) == 1
    assert json.loads(receiver.received[0].body)["after"] == "0" * 40


async def test_test_call_hits_the_receiver_and_sets_last_test_result(
    client: httpx.AsyncClient, repo: Repo, receiver: Receiver
) -> None:
    created = await client.post(
        repo.hooks, params=repo.query(), json={"url": receiver.url, "secret_token": "t"}
    )
    hook_id = created.json()["Result"]["Id"]
    r = await client.post(f"{repo.hooks}/{hook_id}/test", params=repo.query())
    assert r.status_code == 200 and r.json()["Success"] is True
    result = r.json()["Result"]
    assert (
        result["StatusCode"] == 200
        and result["LastTestResult"] == "ok"
        and result["Trigger"] == "push_events"
    )
    got = receiver.received[-1]
    assert got.header("Codeup-Event") == "Push Hook" and got.header("X-Codeup-Token") == "t"
    hook = (await client.get(f"{repo.hooks}/{hook_id}", params=repo.query())).json()["Result"]
    assert hook["LastTestResult"] == "ok"
    r = await client.post(
        f"{repo.hooks}/{hook_id}/test", params=repo.query() | {"trigger": "merge_requests_events"}
    )
    assert receiver.received[-1].header("Codeup-Event") == "Merge Request Hook"
    r = await client.post(f"{repo.hooks}/{hook_id}/test", params=repo.query(), json={"trigger": "note"})
    assert r.json()["Result"]["Trigger"] == "note_events"
    assert receiver.received[-1].header("Codeup-Event") == "Note Hook"


async def test_failed_test_reads_error(client: httpx.AsyncClient, repo: Repo) -> None:
    with Receiver(Reply(status=500, body=b"boom")) as failing:
        created = await client.post(repo.hooks, params=repo.query(), json={"url": failing.url})
        hook_id = created.json()["Result"]["Id"]
        r = await client.post(
            f"{repo.hooks}/{hook_id}/test", params=repo.query() | {"Trigger": "tag_push_events"}
        )
    result = r.json()["Result"]
    assert result["StatusCode"] == 500 and result["LastTestResult"] == "error"
    assert (await client.get(f"{repo.hooks}/{hook_id}", params=repo.query())).json()["Result"][
        "LastTestResult"
    ] == "error"


async def test_unknown_trigger_is_invalid_parameter(client: httpx.AsyncClient, repo: Repo) -> None:
    created = await client.post(repo.hooks, params=repo.query(), json={"url": "http://example.com"})
    hook_id = created.json()["Result"]["Id"]
    r = await client.post(
        f"{repo.hooks}/{hook_id}/test", params=repo.query() | {"trigger": "wiki_page_events"}
    )
    assert r.status_code == 400 and r.json()["ErrorCode"] == "InvalidParameter"


async def test_too_many_test_calls_are_throttled_in_the_envelope(
    client: httpx.AsyncClient, runtime: Runtime, repo: Repo, receiver: Receiver
) -> None:
    created = await client.post(repo.hooks, params=repo.query(), json={"url": receiver.url})
    path = f"{repo.hooks}/{created.json()['Result']['Id']}/test"
    statuses = [
        (await client.post(path, params=repo.query())).status_code
        for _ in range(runtime.settings.test_calls_per_minute)
    ]
    assert statuses == [200] * runtime.settings.test_calls_per_minute
    r = await client.post(path, params=repo.query())
    assert (
        r.status_code == 429 and r.json()["ErrorCode"] == "Throttling" and int(r.headers["Retry-After"]) >= 1
    )
