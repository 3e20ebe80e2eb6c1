"""Seed 000 (GitCode v4) sections 1-5: credentials, rights and bad input in GitLab's error shapes."""

from __future__ import annotations

import httpx
import pytest

from forgehooks.core.projects import Role
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed, member
from tests.receivers import Receiver


def hooks_url(seed: Seed) -> str:
    return f"/api/v4/projects/{seed.project.id}/hooks"


async def test_each_credential_place_is_accepted(client: httpx.AsyncClient, seed: Seed) -> None:
    for kwargs in (
        {"headers": {"PRIVATE-TOKEN": seed.token}},
        {"headers": {"Authorization": f"Bearer {seed.token}"}},
        {"params": {"access_token": seed.token}},
    ):
        r = await client.get(hooks_url(seed), **kwargs)  # type: ignore[arg-type]
        assert r.status_code == 200, kwargs


async def test_missing_or_wrong_token_is_401(client: httpx.AsyncClient, seed: Seed) -> None:
    for headers in ({}, {"PRIVATE-TOKEN": "wrong"}, {"Authorization": "Bearer wrong"}):
        r = await client.get(hooks_url(seed), headers=headers)
        assert r.status_code == 401
        assert r.json() == {"message": "401 Unauthorized"}


async def test_outsiders_get_404_and_developers_403(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    outsider = await member(runtime, seed, "mallory", None)
    developer = await member(runtime, seed, "dave", Role.DEVELOPER)
    maintainer = await member(runtime, seed, "maya", Role.MAINTAINER)
    r = await client.get(hooks_url(seed), headers={"PRIVATE-TOKEN": outsider})
    assert r.status_code == 404 and r.json() == {"message": "404 Project Not Found"}
    r = await client.get(hooks_url(seed), headers={"PRIVATE-TOKEN": developer})
    assert r.status_code == 403 and r.json() == {"message": "403 Forbidden"}
    r = await client.post(
        hooks_url(seed), json={"url": "http://127.0.0.1:9/x"}, headers={"PRIVATE-TOKEN": developer}
    )
    assert r.status_code == 403
    assert (await client.get(hooks_url(seed), headers={"PRIVATE-TOKEN": maintainer})).status_code == 200


async def test_unknown_project_and_hook_are_404(client: httpx.AsyncClient, seed: Seed) -> None:
    auth = {"PRIVATE-TOKEN": seed.token}
    for project in ("999999", "acme%2Fnope", "99999999999999999999999", "%C2%B2"):
        r = await client.get(f"/api/v4/projects/{project}/hooks", headers=auth)
        assert r.status_code == 404 and r.json() == {"message": "404 Project Not Found"}, project
    for hook_id in ("424242", "0", "-1", "99999999999999999999999"):
        r = await client.get(f"{hooks_url(seed)}/{hook_id}", headers=auth)
        assert r.status_code == 404 and r.json() == {"message": "404 Not found"}, hook_id


async def test_non_numeric_hook_id_is_400(client: httpx.AsyncClient, seed: Seed) -> None:
    r = await client.get(f"{hooks_url(seed)}/abc", headers={"PRIVATE-TOKEN": seed.token})
    assert r.status_code == 400 and r.json() == {"error": "hook_id is invalid"}


async def test_missing_url_is_400_url_is_missing(client: httpx.AsyncClient, seed: Seed) -> None:
    r = await client.post(hooks_url(seed), json={"push_events": True}, headers={"PRIVATE-TOKEN": seed.token})
    assert r.status_code == 400 and r.json() == {"error": "url is missing"}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"url": 12}, "url is invalid"),
        ({"url": "http://127.0.0.1:9/", "push_events": "maybe"}, "push_events is invalid"),
        ({"url": "http://127.0.0.1:9/", "active": [1]}, "active is invalid"),
        (
            {"url": "http://127.0.0.1:9/", "content_type": "text/xml"},
            "content_type does not have a valid value",
        ),
        ({"url": "http://127.0.0.1:9/\x00"}, "url is invalid"),
    ],
)
async def test_wrong_types_are_400_naming_the_field(
    client: httpx.AsyncClient, seed: Seed, body: dict[str, object], error: str
) -> None:
    r = await client.post(hooks_url(seed), json=body, headers={"PRIVATE-TOKEN": seed.token})
    assert r.status_code == 400 and r.json() == {"error": error}


@pytest.mark.parametrize("url", ["not a url", "ftp://example.com/x", "", "http://"])
async def test_malformed_url_is_422_invalid_url_given(
    client: httpx.AsyncClient, seed: Seed, url: str
) -> None:
    r = await client.post(hooks_url(seed), json={"url": url}, headers={"PRIVATE-TOKEN": seed.token})
    assert r.status_code == 422 and r.json() == {"message": "Invalid url given"}


async def test_bad_branch_filter_and_bad_update_url_are_422(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    auth = {"PRIVATE-TOKEN": seed.token}
    created = (await client.post(hooks_url(seed), json={"url": receiver.url}, headers=auth)).json()
    r = await client.put(f"{hooks_url(seed)}/{created['id']}", json={"url": "nope"}, headers=auth)
    assert r.status_code == 422 and r.json() == {"message": "Invalid url given"}
    r = await client.put(f"{hooks_url(seed)}/{created['id']}", json={"push_events": "x"}, headers=auth)
    assert r.status_code == 400 and r.json() == {"error": "push_events is invalid"}


async def test_malformed_json_and_unknown_routes_never_500(client: httpx.AsyncClient, seed: Seed) -> None:
    auth = {"PRIVATE-TOKEN": seed.token, "Content-Type": "application/json"}
    r = await client.post(hooks_url(seed), content=b"{nope", headers=auth)
    assert r.status_code == 400 and "error" in r.json()
    r = await client.post(hooks_url(seed), content=b"[1, 2]", headers=auth)
    assert r.status_code == 400 and "error" in r.json()
    r = await client.get(f"/api/v4/projects/{seed.project.id}/nothing-here", headers=auth)
    assert r.status_code == 404 and r.json() == {"error": "404 Not Found"}
    r = await client.patch(f"{hooks_url(seed)}/1", headers=auth)
    assert r.status_code == 405 and r.json() == {"error": "405 Method Not Allowed"}
