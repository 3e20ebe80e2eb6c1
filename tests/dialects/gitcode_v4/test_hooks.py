"""Seed 000 (GitCode v4) sections 1-5: list, create, get, delete and update a repository's WebHooks."""

from __future__ import annotations

import re

import httpx

from tests.conftest import Seed
from tests.receivers import Receiver

SEED_HOOK_FIELDS = {
    "id",
    "url",
    "created_at",
    "push_events",
    "tag_push_events",
    "merge_requests_events",
    "project_id",
    "note_events",
    "token",
    "active",
    "content_type",
    "latest_log_status_code",
}
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00$")


def hooks_url(seed: Seed, identity: str | None = None) -> str:
    return f"/api/v4/projects/{identity or seed.project.id}/hooks"


def token(seed: Seed) -> dict[str, str]:
    return {"PRIVATE-TOKEN": seed.token}


async def test_create_answers_201_with_the_documented_fields(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    body = {
        "url": receiver.url + "/hook",
        "token": "s3cret",
        "push_events": True,
        "tag_push_events": True,
        "merge_requests_events": True,
        "note_events": True,
        "content_type": "application/json",
        "active": True,
    }
    r = await client.post(hooks_url(seed), json=body, headers=token(seed))
    assert r.status_code == 201
    hook = r.json()
    assert set(hook) >= SEED_HOOK_FIELDS
    assert isinstance(hook["id"], int) and hook["id"] > 0
    assert hook["url"] == receiver.url + "/hook"
    assert hook["project_id"] == seed.project.id
    assert TIME.match(hook["created_at"]), hook["created_at"]
    assert hook["push_events"] and hook["tag_push_events"] and hook["merge_requests_events"]
    assert hook["note_events"] is True and hook["active"] is True
    assert hook["token"] == ""  # the token is write-only
    assert hook["content_type"] == "application/json"
    assert hook["latest_log_status_code"] is None


async def test_absent_flags_take_gitlab_defaults(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    r = await client.post(hooks_url(seed), json={"url": receiver.url}, headers=token(seed))
    hook = r.json()
    assert hook["push_events"] is True
    assert not any(hook[f] for f in ("tag_push_events", "merge_requests_events", "note_events"))
    assert hook["active"] is True and hook["content_type"] == "application/json"


async def test_form_encoded_and_query_parameters_are_accepted(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    r = await client.post(
        hooks_url(seed), data={"url": receiver.url, "note_events": "true"}, headers=token(seed)
    )
    assert r.status_code == 201 and r.json()["note_events"] is True
    r = await client.post(
        hooks_url(seed), params={"url": receiver.url + "/q", "push_events": "false"}, headers=token(seed)
    )
    assert r.status_code == 201
    assert r.json()["url"] == receiver.url + "/q" and r.json()["push_events"] is False


async def test_get_shows_one_hook_and_the_project_path_works_as_id(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    created = (await client.post(hooks_url(seed), json={"url": receiver.url}, headers=token(seed))).json()
    r = await client.get(f"{hooks_url(seed, 'acme%2Fwidgets')}/{created['id']}", headers=token(seed))
    assert r.status_code == 200
    assert r.json() == created


async def test_update_changes_only_the_fields_sent(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    body = {"url": receiver.url, "tag_push_events": True, "note_events": True, "token": "keep-me"}
    created = (await client.post(hooks_url(seed), json=body, headers=token(seed))).json()
    r = await client.put(
        f"{hooks_url(seed)}/{created['id']}", json={"note_events": False}, headers=token(seed)
    )
    assert r.status_code == 200
    updated = r.json()
    assert updated["note_events"] is False
    assert updated["tag_push_events"] is True and updated["push_events"] is True
    assert updated["url"] == receiver.url and updated["created_at"] == created["created_at"]
    r = await client.put(
        f"{hooks_url(seed)}/{created['id']}",
        json={"url": receiver.url + "/new", "active": False, "id": 999},
        headers=token(seed),
    )
    assert r.json()["url"] == receiver.url + "/new" and r.json()["active"] is False
    assert r.json()["id"] == created["id"]


async def test_delete_answers_204_and_the_hook_is_gone(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    created = (await client.post(hooks_url(seed), json={"url": receiver.url}, headers=token(seed))).json()
    r = await client.delete(f"{hooks_url(seed)}/{created['id']}", headers=token(seed))
    assert r.status_code == 204 and r.content == b""
    r = await client.get(f"{hooks_url(seed)}/{created['id']}", headers=token(seed))
    assert r.status_code == 404 and r.json() == {"message": "404 Not found"}
    r = await client.delete(f"{hooks_url(seed)}/{created['id']}", headers=token(seed))
    assert r.status_code == 404


async def test_list_pages_with_gitlab_headers_and_link(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    for n in range(5):
        await client.post(hooks_url(seed), json={"url": f"{receiver.url}/{n}"}, headers=token(seed))
    r = await client.get(hooks_url(seed), params={"page": 2, "per_page": 2}, headers=token(seed))
    assert r.status_code == 200
    assert [h["url"] for h in r.json()] == [f"{receiver.url}/2", f"{receiver.url}/3"]
    assert set(r.json()[0]) >= SEED_HOOK_FIELDS
    h = r.headers
    assert (h["X-Total"], h["X-Total-Pages"], h["X-Page"], h["X-Per-Page"]) == ("5", "3", "2", "2")
    assert (h["X-Next-Page"], h["X-Prev-Page"]) == ("3", "1")
    links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', h["Link"]))
    assert set(links) == {"prev", "next", "first", "last"}
    assert links["next"].startswith(f"http://testserver/api/v4/projects/{seed.project.id}/hooks?")
    assert "page=3" in links["next"] and "per_page=2" in links["next"] and "page=3" in links["last"]
    last = await client.get(links["last"], headers=token(seed))
    assert [x["url"] for x in last.json()] == [f"{receiver.url}/4"]
    assert last.headers["X-Next-Page"] == "" and 'rel="next"' not in last.headers["Link"]


async def test_list_defaults_to_20_per_page_and_caps_at_100(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    r = await client.get(hooks_url(seed), headers=token(seed))
    assert r.json() == [] and r.headers["X-Per-Page"] == "20" and r.headers["X-Total"] == "0"
    assert r.headers["X-Total-Pages"] == "1" and r.headers["X-Page"] == "1"
    r = await client.get(hooks_url(seed), params={"per_page": 500}, headers=token(seed))
    assert r.headers["X-Per-Page"] == "100"
