"""Seed 000 (GitCode v4) section 6: test whether a WebHook is sent, with `trigger`."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import Seed
from tests.receivers import Receiver, Reply


async def make_hook(client: httpx.AsyncClient, seed: Seed, url: str, **fields: object) -> int:
    r = await client.post(
        f"/api/v4/projects/{seed.project.id}/hooks",
        json={"url": url, "token": "tok-123", **fields},
        headers={"PRIVATE-TOKEN": seed.token},
    )
    assert r.status_code == 201
    return int(r.json()["id"])


async def test_document_form_sends_the_trigger_and_reports_the_real_status(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    hook_id = await make_hook(client, seed, receiver.url + "/t")
    r = await client.post(
        f"/api/v4/projects/{seed.project.id}/hooks/{hook_id}/test",
        json={"trigger": "tag_push_events"},
        headers={"PRIVATE-TOKEN": seed.token},
    )
    assert r.status_code == 201
    assert r.json() == {"message": "Hook executed successfully: HTTP 200"}
    got = receiver.received[-1]
    assert got.path == "/t" and got.header("X-GitCode-Event") == "Tag Push Hook"
    assert got.header("X-GitCode-Token") == "tok-123"
    payload = json.loads(got.body)
    assert payload["object_kind"] == "tag_push" and payload["project_id"] == seed.project.id
    assert payload["user_username"] == "alice"
    hook = await client.get(
        f"/api/v4/projects/{seed.project.id}/hooks/{hook_id}", headers={"PRIVATE-TOKEN": seed.token}
    )
    assert hook.json()["latest_log_status_code"] == 200


async def test_trigger_defaults_to_push_events(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    hook_id = await make_hook(client, seed, receiver.url)
    r = await client.post(
        f"/api/v4/projects/{seed.project.id}/hooks/{hook_id}/test", headers={"PRIVATE-TOKEN": seed.token}
    )
    assert r.status_code == 201
    assert receiver.received[-1].header("X-GitCode-Event") == "Push Hook"


@pytest.mark.parametrize(
    ("trigger", "header", "kind"),
    [
        ("push_events", "Push Hook", "push"),
        ("merge_requests_events", "Merge Request Hook", "merge_request"),
        ("note_events", "Note Hook", "note"),
        ("issues_events", "Issue Hook", "issue"),
        ("pipeline_events", "Pipeline Hook", "pipeline"),
    ],
)
async def test_gitlab_path_form_sends_each_trigger(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver, trigger: str, header: str, kind: str
) -> None:
    hook_id = await make_hook(client, seed, receiver.url)
    r = await client.post(
        f"/api/v4/projects/{seed.project.id}/hooks/{hook_id}/test/{trigger}",
        headers={"PRIVATE-TOKEN": seed.token},
    )
    assert r.status_code == 201 and r.json()["message"] == "Hook executed successfully: HTTP 200"
    got = receiver.received[-1]
    assert got.header("X-GitCode-Event") == header
    assert json.loads(got.body)["object_kind"] == kind


async def test_a_failing_receiver_gives_the_failure_message(client: httpx.AsyncClient, seed: Seed) -> None:
    with Receiver(Reply(status=503, body=b"down")) as failing:
        hook_id = await make_hook(client, seed, failing.url)
        r = await client.post(
            f"/api/v4/projects/{seed.project.id}/hooks/{hook_id}/test/push_events",
            headers={"PRIVATE-TOKEN": seed.token},
        )
    assert r.status_code == 422
    assert r.json() == {"message": "Hook executed successfully but returned HTTP 503"}


async def test_an_unreachable_receiver_gives_execution_failed(client: httpx.AsyncClient, seed: Seed) -> None:
    with Receiver() as gone:
        url = gone.url + "/x"
    hook_id = await make_hook(client, seed, url)
    r = await client.post(
        f"/api/v4/projects/{seed.project.id}/hooks/{hook_id}/test/push_events",
        headers={"PRIVATE-TOKEN": seed.token},
    )
    assert r.status_code == 422
    assert r.json()["message"].startswith("Hook execution failed: ")


async def test_unknown_trigger_is_400(client: httpx.AsyncClient, seed: Seed, receiver: Receiver) -> None:
    hook_id = await make_hook(client, seed, receiver.url)
    r = await client.post(
        f"/api/v4/projects/{seed.project.id}/hooks/{hook_id}/test",
        json={"trigger": "wiki_page_events"},
        headers={"PRIVATE-TOKEN": seed.token},
    )
    assert r.status_code == 400 and r.json() == {"error": "trigger does not have a valid value"}
    assert receiver.received == []


async def test_too_many_test_calls_are_429_with_retry_after(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    hook_id = await make_hook(client, seed, receiver.url)
    url = f"/api/v4/projects/{seed.project.id}/hooks/{hook_id}/test/push_events"
    codes = [(await client.post(url, headers={"PRIVATE-TOKEN": seed.token})).status_code for _ in range(6)]
    assert codes[:5] == [201] * 5 and codes[5] == 429
    r = await client.post(url, headers={"PRIVATE-TOKEN": seed.token})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert r.json() == {"message": "This endpoint has been requested too many times. Try again later."}
