"""Seed 003 (GitCode v5 Webhook API), sections 1-6: list, create, get, update, delete and test,
field by field, with the document's types, defaults, status codes and time format."""

from __future__ import annotations

import re

import httpx

from forgehooks.core.events import EventKind
from forgehooks.core.hooks import SecretScheme
from forgehooks.services import hooks as hook_service
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed
from tests.dialects.gitcode_v5.conftest import BASE, token_query
from tests.receivers import Receiver, Reply

DOC_FIELDS = [
    "id",
    "url",
    "password",
    "result",
    "project_id",
    "result_code",
    "push_events",
    "tag_push_events",
    "issues_events",
    "note_events",
    "merge_requests_events",
    "created_at",
]
V5_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")

CREATE_BODY = {
    "url": "http://duxwsqdkyx.cu/px",
    "encryption_type": 0,
    "password": "123445",
    "push_events": False,
    "tag_push_events": False,
    "issues_events": True,
    "note_events": False,
    "merge_requests_events": True,
}


async def test_create_answers_201_with_every_document_field(client: httpx.AsyncClient, seed: Seed) -> None:
    r = await client.post(BASE, params=token_query(seed.token), json=CREATE_BODY)
    assert r.status_code == 201, r.text
    hook = r.json()
    assert list(hook) == DOC_FIELDS
    assert isinstance(hook["id"], int)
    assert hook["url"] == "http://duxwsqdkyx.cu/px"
    assert hook["password"] == "123445"
    assert hook["result"] is None and hook["result_code"] == 0
    assert hook["project_id"] == seed.project.id and isinstance(hook["project_id"], int)
    assert (hook["push_events"], hook["tag_push_events"], hook["issues_events"]) == (False, False, True)
    assert (hook["note_events"], hook["merge_requests_events"]) == (False, True)
    assert V5_TIME.match(hook["created_at"]), hook["created_at"]


async def test_create_stores_password_mode_and_canonical_kinds(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    r = await client.post(BASE, params=token_query(seed.token), json=CREATE_BODY)
    stored = await hook_service.get_hook(runtime, seed.project, r.json()["id"])
    assert stored.dialect == "gitcode_v5"
    assert stored.secret == "123445" and stored.secret_scheme is SecretScheme.TOKEN
    assert EventKind.ISSUE_CLOSE in stored.events and EventKind.MERGE_REQUEST_MERGE in stored.events
    assert EventKind.PUSH not in stored.events and EventKind.NOTE_ISSUE not in stored.events


async def test_create_with_signature_key_mode(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    body = CREATE_BODY | {"encryption_type": 1, "password": "sign-me"}
    r = await client.post(BASE, params=token_query(seed.token), json=body)
    stored = await hook_service.get_hook(runtime, seed.project, r.json()["id"])
    assert stored.secret_scheme is SecretScheme.SIGNATURE and stored.secret == "sign-me"


async def test_create_defaults_to_push_events_only_and_no_password(
    client: httpx.AsyncClient, seed: Seed
) -> None:
    r = await client.post(BASE, params=token_query(seed.token), json={"url": "http://example.com/h"})
    assert r.status_code == 201
    hook = r.json()
    assert hook["push_events"] is True and hook["password"] == ""
    assert not any(hook[f] for f in ("tag_push_events", "issues_events", "note_events"))


async def test_create_accepts_form_data_with_the_token_as_a_form_field(
    client: httpx.AsyncClient, seed: Seed
) -> None:
    form = {
        "access_token": seed.token,
        "url": "http://example.com/form",
        "encryption_type": "1",
        "password": "p",
        "push_events": "false",
        "note_events": "true",
    }
    r = await client.post(BASE, data=form)
    assert r.status_code == 201, r.text
    assert r.json()["note_events"] is True and r.json()["push_events"] is False


async def test_create_accepts_query_parameters(client: httpx.AsyncClient, seed: Seed) -> None:
    params = token_query(seed.token) | {"url": "http://example.com/q", "tag_push_events": "true"}
    r = await client.post(BASE, params=params)
    assert r.status_code == 201, r.text
    assert r.json()["url"] == "http://example.com/q" and r.json()["tag_push_events"] is True


async def test_get_returns_the_same_object_as_create(client: httpx.AsyncClient, seed: Seed) -> None:
    created = (await client.post(BASE, params=token_query(seed.token), json=CREATE_BODY)).json()
    r = await client.get(f"{BASE}/{created['id']}", params=token_query(seed.token))
    assert r.status_code == 200
    assert r.json() == created


async def test_list_pages_with_default_20_and_at_most_100(client: httpx.AsyncClient, seed: Seed) -> None:
    for n in range(23):
        r = await client.post(BASE, params=token_query(seed.token), json={"url": f"http://example.com/{n}"})
        assert r.status_code == 201
    first = await client.get(BASE, params=token_query(seed.token))
    assert first.status_code == 200
    assert len(first.json()) == 20
    assert first.headers["total_count"] == "23" and first.headers["total_page"] == "2"
    assert list(first.json()[0]) == DOC_FIELDS
    second = await client.get(BASE, params=token_query(seed.token) | {"page": "2"})
    assert [h["url"] for h in second.json()] == [f"http://example.com/{n}" for n in (20, 21, 22)]
    small = await client.get(BASE, params=token_query(seed.token) | {"per_page": "5", "page": "5"})
    assert [h["url"] for h in small.json()] == [f"http://example.com/{n}" for n in (20, 21, 22)]
    assert small.headers["total_page"] == "5"
    capped = await client.get(BASE, params=token_query(seed.token) | {"per_page": "500"})
    assert len(capped.json()) == 23 and capped.headers["total_page"] == "1"
    beyond = await client.get(BASE, params=token_query(seed.token) | {"page": "9"})
    assert beyond.status_code == 200 and beyond.json() == []


async def test_update_changes_only_the_given_fields(client: httpx.AsyncClient, seed: Seed) -> None:
    created = (await client.post(BASE, params=token_query(seed.token), json=CREATE_BODY)).json()
    r = await client.patch(
        f"{BASE}/{created['id']}", params=token_query(seed.token), json={"note_events": True}
    )
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated == created | {"note_events": True}
    assert list(updated) == DOC_FIELDS  # id kept on purpose: see docs/dialects/gitcode_v5.md


async def test_update_with_every_field_as_the_document_shows(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    created = (await client.post(BASE, params=token_query(seed.token), json=CREATE_BODY)).json()
    change = {
        "url": "http://duxwsqdkyx.cu/dengmm",
        "encryption_type": 1,
        "password": "334455",
        "push_events": True,
        "tag_push_events": True,
        "issues_events": False,
        "note_events": True,
        "merge_requests_events": True,
    }
    r = await client.patch(f"{BASE}/{created['id']}", params=token_query(seed.token), json=change)
    body = r.json()
    assert {k: body[k] for k in change if k != "encryption_type"} == {
        k: v for k, v in change.items() if k != "encryption_type"
    }
    assert body["created_at"] == created["created_at"] and body["result_code"] == 0
    stored = await hook_service.get_hook(runtime, seed.project, created["id"])
    assert stored.secret_scheme is SecretScheme.SIGNATURE


async def test_update_accepts_form_data(client: httpx.AsyncClient, seed: Seed) -> None:
    created = (await client.post(BASE, params=token_query(seed.token), json=CREATE_BODY)).json()
    r = await client.patch(
        f"{BASE}/{created['id']}",
        data={"access_token": seed.token, "url": "http://example.com/x", "issues_events": "0"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["url"] == "http://example.com/x" and r.json()["issues_events"] is False


async def test_delete_answers_204_no_content_and_the_hook_is_gone(
    client: httpx.AsyncClient, seed: Seed
) -> None:
    created = (await client.post(BASE, params=token_query(seed.token), json=CREATE_BODY)).json()
    r = await client.delete(f"{BASE}/{created['id']}", params=token_query(seed.token))
    assert r.status_code == 204 and r.content == b""
    gone = await client.get(f"{BASE}/{created['id']}", params=token_query(seed.token))
    assert gone.status_code == 404
    assert (await client.get(BASE, params=token_query(seed.token))).json() == []


async def test_test_endpoint_sends_a_real_event_and_answers_204(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    body = CREATE_BODY | {"url": receiver.url + "/hook", "issues_events": False}
    created = (await client.post(BASE, params=token_query(seed.token), json=body)).json()
    r = await client.post(f"{BASE}/{created['id']}/tests", params=token_query(seed.token))
    assert r.status_code == 204 and r.content == b""
    got = (await receiver.await_count(1))[0]
    assert got.header("X-GitCode-Event") == "Merge Request Hook"  # the first flag the hook has on
    assert got.header("X-GitCode-Token") == "123445"
    after = (await client.get(f"{BASE}/{created['id']}", params=token_query(seed.token))).json()
    assert after["result"] == "ok" and after["result_code"] == 200


async def test_result_reflects_the_latest_failed_delivery(client: httpx.AsyncClient, seed: Seed) -> None:
    with Receiver(Reply(status=503, body=b"down")) as down:
        created = (
            await client.post(BASE, params=token_query(seed.token), json={"url": down.url + "/h"})
        ).json()
        r = await client.post(f"{BASE}/{created['id']}/tests", params=token_query(seed.token))
        assert r.status_code == 204
        assert (await down.await_count(1))[0].header("X-GitCode-Event") == "Push Hook"
    listed = (await client.get(BASE, params=token_query(seed.token))).json()
    assert listed[0]["result"] == "service unavailable" and listed[0]["result_code"] == 503
