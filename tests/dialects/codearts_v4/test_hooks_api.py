"""Seed 004 (CodeArts Repo v4, "Obtaining the Webhook List Under a Project"): the list endpoint to
the letter, and the add/show/update/remove life cycle, auth, rights and errors in its style."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from forgehooks.core.hooks import HookSpec
from forgehooks.core.projects import Role
from forgehooks.services import accounts, hooks, projects
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed, member
from tests.dialects.codearts_v4.api import FIELDS, TIME, add, auth, base
from tests.receivers import Receiver


async def test_list_shows_every_field_of_the_document(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    await add(client, seed, url=f"{receiver.url}/a", name="Code check", description="Code check")
    await add(client, seed, url=f"{receiver.url}/b", token="s3cr3t", tag_push_events=True)
    r = await client.get(base(seed), headers=auth(seed.token))
    assert r.status_code == 200
    assert r.headers["X-Total"] == "2"
    first, second = r.json()
    assert set(first) == FIELDS and set(second) == FIELDS
    assert first["url"] == f"{receiver.url}/a"
    assert isinstance(first["id"], int) and first["id"] >= 1
    assert first["push_events"] is True
    assert first["push_events_branch_regex_filter"] == ".*"
    assert first["tag_push_events"] is False
    assert first["merge_requests_events"] is False and first["note_events"] is False
    assert first["token"] == ""
    assert first["token_type"] == "X-Repo-Token"
    assert first["name"] == "Code check" and first["description"] == "Code check"
    assert TIME.match(first["created_at"]) and TIME.match(first["updated_at"])
    assert second["token"] == "************"
    assert second["tag_push_events"] is True


async def test_paging_with_offset_and_limit(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    ids = [(await add(client, seed, url=f"{receiver.url}/{n}"))["id"] for n in range(5)]
    r = await client.get(base(seed), params={"offset": 1, "limit": 2}, headers=auth(seed.token))
    assert r.status_code == 200 and r.headers["X-Total"] == "5"
    assert [h["id"] for h in r.json()] == ids[1:3]
    r = await client.get(base(seed), params={"offset": 4}, headers=auth(seed.token))
    assert [h["id"] for h in r.json()] == ids[4:]
    r = await client.get(base(seed), params={"offset": 2147483647}, headers=auth(seed.token))
    assert r.status_code == 200 and r.json() == [] and r.headers["X-Total"] == "5"


@pytest.mark.parametrize(
    "params",
    [
        {"offset": -1},
        {"offset": 2147483648},
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"offset": "1.5"},
    ],
)
async def test_out_of_range_paging_is_a_400(client: httpx.AsyncClient, seed: Seed, params: dict) -> None:
    r = await client.get(base(seed), params=params, headers=auth(seed.token))
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"error_code", "error_msg"}
    assert body["error_code"] == "CH.010001"
    assert next(iter(params)) in body["error_msg"]


async def test_default_limit_is_20(client: httpx.AsyncClient, runtime: Runtime, seed: Seed) -> None:
    for n in range(22):
        await hooks.create_hook(runtime, seed.project, HookSpec(url=f"http://127.0.0.1:9/{n}"), "codearts_v4")
    r = await client.get(base(seed), headers=auth(seed.token))
    assert len(r.json()) == 20 and r.headers["X-Total"] == "22"


async def test_add_show_update_remove(client: httpx.AsyncClient, seed: Seed, receiver: Receiver) -> None:
    created = await add(
        client,
        seed,
        url=f"{receiver.url}/hook",
        push_events=False,
        push_events_branch_regex_filter="^release/.*$",
        merge_requests_events=True,
        note_events=True,
        token="t0ken",
        token_type="X-Gitlab-Token",
        name="ci",
        description="CI trigger",
    )
    assert set(created) == FIELDS
    assert created["push_events"] is False and created["merge_requests_events"] is True
    assert created["note_events"] is True and created["tag_push_events"] is False
    assert created["push_events_branch_regex_filter"] == "^release/.*$"
    assert created["token"] == "************" and created["token_type"] == "X-Gitlab-Token"
    url = f"{base(seed)}/{created['id']}"

    shown = await client.get(url, headers=auth(seed.token))
    assert shown.status_code == 200 and shown.json() == created

    r = await client.put(url, json={"name": "renamed", "push_events": True}, headers=auth(seed.token))
    assert r.status_code == 200
    updated = r.json()
    assert updated["name"] == "renamed" and updated["push_events"] is True
    for kept in ("url", "description", "merge_requests_events", "note_events", "token", "token_type"):
        assert updated[kept] == created[kept], kept
    assert updated["push_events_branch_regex_filter"] == "^release/.*$"
    assert updated["created_at"] == created["created_at"]

    r = await client.put(
        url, json={"token": "", "push_events_branch_regex_filter": ""}, headers=auth(seed.token)
    )
    assert r.json()["token"] == "" and r.json()["push_events_branch_regex_filter"] == ".*"

    r = await client.delete(url, headers=auth(seed.token))
    assert r.status_code == 204 and r.content == b""
    r = await client.get(url, headers=auth(seed.token))
    assert r.status_code == 404 and r.json()["error_code"] == "CH.000404"
    assert (await client.delete(url, headers=auth(seed.token))).status_code == 404


async def test_missing_or_wrong_token_is_a_401(client: httpx.AsyncClient, seed: Seed) -> None:
    for headers in ({}, auth("wrong"), auth(""), {"Authorization": f"Bearer {seed.token}"}):
        r = await client.get(base(seed), headers=headers)
        assert r.status_code == 401, headers
        assert r.json() == {"error_code": "DEV.00000003", "error_msg": "Authentication information expired."}


async def test_expired_token_is_a_401(client: httpx.AsyncClient, runtime: Runtime, seed: Seed) -> None:
    expired = await accounts.issue_token(runtime, seed.user, expires_at=datetime(2020, 1, 1, tzinfo=UTC))
    r = await client.get(base(seed), headers=auth(expired.value))
    assert r.status_code == 401 and r.json()["error_code"] == "DEV.00000003"


async def test_rights_outsiders_reporters_and_developers_get_a_403(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    hook = await add(client, seed, url=receiver.url)
    maintainer = await member(runtime, seed, "mia", Role.MAINTAINER)
    for username, role in (("olly", None), ("rita", Role.REPORTER), ("dev", Role.DEVELOPER)):
        token = await member(runtime, seed, username, role)
        for method, url in (("GET", base(seed)), ("GET", f"{base(seed)}/{hook['id']}")):
            r = await client.request(method, url, headers=auth(token))
            assert r.status_code == 403, (username, url)
            assert r.json()["error_code"] == "CH.004403"
        r = await client.post(base(seed), json={"url": receiver.url}, headers=auth(token))
        assert r.status_code == 403
        r = await client.delete(f"{base(seed)}/{hook['id']}", headers=auth(token))
        assert r.status_code == 403
    assert (await client.get(base(seed), headers=auth(maintainer))).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "url"),
        ({"url": ""}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "http://example.com/" + "x" * 500}, "url"),
        ({"url": 42}, "url"),
        ({"url": "http://127.0.0.1:9/x", "push_events": "yes"}, "push_events"),
        (
            {"url": "http://127.0.0.1:9/x", "push_events_branch_regex_filter": "(["},
            "push_events_branch_regex_filter",
        ),
        ({"url": "http://127.0.0.1:9/x", "token_type": "Bad Header\r\n"}, "token_type"),
        ({"url": "http://127.0.0.1:9/x", "token_type": "X-Forgehooks-Delivery"}, "token_type"),
        ({"url": "http://127.0.0.1:9/x", "name": "n" * 201}, "name"),
    ],
)
async def test_bad_input_is_a_400_naming_the_field(
    client: httpx.AsyncClient, seed: Seed, body: dict, field: str
) -> None:
    r = await client.post(base(seed), json=body, headers=auth(seed.token))
    assert r.status_code == 400, r.text
    assert r.json()["error_code"] == "CH.010001"
    assert field in r.json()["error_msg"]


async def test_invalid_regex_on_update_is_a_400(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    hook = await add(client, seed, url=receiver.url)
    r = await client.put(
        f"{base(seed)}/{hook['id']}",
        json={"push_events_branch_regex_filter": "*oops"},
        headers=auth(seed.token),
    )
    assert r.status_code == 400 and "push_events_branch_regex_filter" in r.json()["error_msg"]


async def test_malformed_json_and_unknown_ids_never_500(client: httpx.AsyncClient, seed: Seed) -> None:
    headers = auth(seed.token) | {"Content-Type": "application/json"}
    r = await client.post(base(seed), content=b"{nope", headers=headers)
    assert r.status_code == 400 and r.json()["error_code"] == "CH.010001"
    r = await client.post(base(seed), content=b"[1, 2]", headers=headers)
    assert r.status_code == 400
    for path, status in (
        (f"{base(seed)}/abc", 400),
        (f"{base(seed)}/0", 400),
        (f"{base(seed)}/99999", 404),
        (f"{base(seed)}/99999/logs", 404),
        ("/v4/projects/not-a-hex-id/hooks", 400),
        (f"/v4/projects/{'0' * 32}/hooks", 404),
        (f"/v4/projects/{seed.project.hex_id}/nothing", 404),
    ):
        r = await client.get(path, headers=auth(seed.token))
        assert r.status_code == status, path
        assert set(r.json()) == {"error_code", "error_msg"}, path
    r = await client.patch(f"{base(seed)}/1", json={}, headers=auth(seed.token))
    assert r.status_code == 405 and "error_code" in r.json()


async def test_hook_of_another_project_is_not_found(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    other = await projects.create_project(runtime, seed.user, "acme/gadgets")
    hook = await add(client, seed, url=receiver.url)
    r = await client.get(f"/v4/projects/{other.hex_id}/hooks/{hook['id']}", headers=auth(seed.token))
    assert r.status_code == 404


async def test_openapi_documents_the_face(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    listing = spec["paths"]["/v4/projects/{project_id}/hooks"]["get"]
    params = {p["name"]: p for p in listing["parameters"]}
    assert params["offset"]["schema"]["minimum"] == 0
    assert params["limit"]["schema"]["maximum"] == 100 and params["limit"]["schema"]["default"] == 20
    assert params["X-Auth-Token"]["in"] == "header"
    assert "401" in listing["responses"] and "403" in listing["responses"]
