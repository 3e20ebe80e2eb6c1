"""Seed 003 (GitCode v5 Webhook API), the `access_token` parameter of every section, the
repository path parameters and the parameter types: credentials, rights and bad input,
each answered in GitCode's error shape with a 4xx, never a 500."""

from __future__ import annotations

import httpx
import pytest

from forgehooks.core.projects import Role
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed, member
from tests.dialects.gitcode_v5.conftest import BASE, token_query

ERROR_KEYS = {"error_code", "error_code_name", "error_message", "trace_id"}


def assert_error(r: httpx.Response, status: int, name: str) -> dict[str, object]:
    assert r.status_code == status, r.text
    body: dict[str, object] = r.json()
    assert set(body) == ERROR_KEYS
    assert body["error_code"] == status and body["error_code_name"] == name
    assert isinstance(body["trace_id"], str) and len(body["trace_id"]) == 32
    return body


async def test_every_credential_place_is_accepted(client: httpx.AsyncClient, seed: Seed) -> None:
    places = [
        {"params": token_query(seed.token)},
        {"headers": {"Authorization": f"Bearer {seed.token}"}},
        {"headers": {"PRIVATE-TOKEN": seed.token}},
    ]
    for place in places:
        r = await client.get(BASE, **place)  # type: ignore[arg-type]
        assert r.status_code == 200, place
    form = await client.post(BASE, data={"access_token": seed.token, "url": "http://example.com/f"})
    assert form.status_code == 201
    in_json = await client.post(BASE, json={"access_token": seed.token, "url": "http://example.com/j"})
    assert in_json.status_code == 201


@pytest.mark.parametrize("token", [None, "", "not-a-token"])
async def test_missing_or_wrong_token_is_401_with_the_documented_body(
    client: httpx.AsyncClient, seed: Seed, token: str | None
) -> None:
    params = {} if token is None else {"access_token": token}
    r = await client.get(BASE, params=params)
    assert r.status_code == 401
    assert r.json() == {"message": "401 Unauthorized"}
    r = await client.post(BASE, params=params, json={"url": "http://example.com/h"})
    assert r.status_code == 401


async def test_outsiders_get_404_and_members_below_maintainer_403(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    outsider = await member(runtime, seed, "mallory", None)
    assert_error(await client.get(BASE, params=token_query(outsider)), 404, "NOT_FOUND")
    for name, role in (("rita", Role.REPORTER), ("dave", Role.DEVELOPER)):
        token = await member(runtime, seed, name, role)
        body = assert_error(await client.get(BASE, params=token_query(token)), 403, "FORBIDDEN")
        assert "maintainer" in str(body["error_message"])
        r = await client.post(BASE, params=token_query(token), json={"url": "http://example.com/h"})
        assert_error(r, 403, "FORBIDDEN")
    maintainer = await member(runtime, seed, "maya", Role.MAINTAINER)
    r = await client.post(BASE, params=token_query(maintainer), json={"url": "http://example.com/h"})
    assert r.status_code == 201


async def test_unknown_repository_and_unknown_hook_are_404(client: httpx.AsyncClient, seed: Seed) -> None:
    r = await client.get("/api/v5/repos/acme/nothing/hooks", params=token_query(seed.token))
    assert_error(r, 404, "NOT_FOUND")
    for method in ("GET", "PATCH", "DELETE"):
        r = await client.request(method, f"{BASE}/999999", params=token_query(seed.token))
        assert_error(r, 404, "NOT_FOUND")
    r = await client.post(f"{BASE}/999999/tests", params=token_query(seed.token))
    assert_error(r, 404, "NOT_FOUND")


async def test_a_hook_of_another_repository_is_404(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    from forgehooks.services import projects

    await projects.create_project(runtime, seed.user, "acme/gadgets")
    other = await client.post(
        "/api/v5/repos/acme/gadgets/hooks", params=token_query(seed.token), json={"url": "http://e.com/h"}
    )
    r = await client.get(f"{BASE}/{other.json()['id']}", params=token_query(seed.token))
    assert_error(r, 404, "NOT_FOUND")


@pytest.mark.parametrize("hook_id", ["abc", "1.5", "-1", "99999999999999999999999"])
async def test_non_numeric_or_out_of_range_ids_are_400(
    client: httpx.AsyncClient, seed: Seed, hook_id: str
) -> None:
    r = await client.get(f"{BASE}/{hook_id}", params=token_query(seed.token))
    body = assert_error(r, 400, "BAD_REQUEST")
    assert "id" in str(body["error_message"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "url"),
        ({"url": ""}, "url"),
        ({"url": 123}, "url"),
        ({"url": "http://e.com/h", "push_events": "maybe"}, "push_events"),
        ({"url": "http://e.com/h", "encryption_type": "abc"}, "encryption_type"),
        ({"url": "http://e.com/h", "encryption_type": 1.5}, "encryption_type"),
        ({"url": "http://e.com/h", "password": ["x"]}, "password"),
    ],
)
async def test_missing_or_mistyped_parameters_are_400(
    client: httpx.AsyncClient, seed: Seed, body: dict[str, object], field: str
) -> None:
    r = await client.post(BASE, params=token_query(seed.token), json=body)
    assert field in str(assert_error(r, 400, "BAD_REQUEST")["error_message"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://e.com/h"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "http://e.com:99999/h"}, "url"),
        ({"url": "http://e.com/h", "encryption_type": 2}, "encryption_type"),
    ],
)
async def test_well_typed_but_unusable_values_are_422(
    client: httpx.AsyncClient, seed: Seed, body: dict[str, object], field: str
) -> None:
    r = await client.post(BASE, params=token_query(seed.token), json=body)
    assert field in str(assert_error(r, 422, "UNPROCESSABLE_ENTITY")["error_message"])


async def test_update_rejects_bad_values_with_the_same_statuses(
    client: httpx.AsyncClient, seed: Seed
) -> None:
    created = (await client.post(BASE, params=token_query(seed.token), json={"url": "http://e.com/h"})).json()
    path = f"{BASE}/{created['id']}"
    assert_error(
        await client.patch(path, params=token_query(seed.token), json={"url": ""}), 400, "BAD_REQUEST"
    )
    r = await client.patch(path, params=token_query(seed.token), json={"url": "gopher://e.com"})
    assert_error(r, 422, "UNPROCESSABLE_ENTITY")
    r = await client.patch(path, params=token_query(seed.token), json={"encryption_type": 7})
    assert_error(r, 422, "UNPROCESSABLE_ENTITY")
    unchanged = await client.get(path, params=token_query(seed.token))
    assert unchanged.json()["url"] == "http://e.com/h"


@pytest.mark.parametrize(
    ("content", "media"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"url=http://e.com/h", "text/plain"),
    ],
)
async def test_malformed_bodies_are_400(
    client: httpx.AsyncClient, seed: Seed, content: bytes, media: str
) -> None:
    r = await client.post(
        BASE, params=token_query(seed.token), content=content, headers={"Content-Type": media}
    )
    assert_error(r, 400, "BAD_REQUEST")


@pytest.mark.parametrize("query", [{"page": "0"}, {"page": "x"}, {"per_page": "0"}, {"per_page": "-3"}])
async def test_bad_paging_parameters_are_400(
    client: httpx.AsyncClient, seed: Seed, query: dict[str, str]
) -> None:
    r = await client.get(BASE, params=token_query(seed.token) | query)
    assert_error(r, 400, "BAD_REQUEST")


async def test_unknown_route_and_wrong_method_keep_the_shape(client: httpx.AsyncClient, seed: Seed) -> None:
    r = await client.get(f"{BASE}/1/nothing", params=token_query(seed.token))
    assert_error(r, 404, "NOT_FOUND")
    r = await client.put(BASE, params=token_query(seed.token), json={})
    assert_error(r, 405, "METHOD_NOT_ALLOWED")


async def test_the_hook_quota_is_422(client: httpx.AsyncClient, runtime: Runtime, seed: Seed) -> None:
    runtime.settings = runtime.settings.model_copy(update={"max_hooks_per_project": 2})
    for n in range(2):
        r = await client.post(BASE, params=token_query(seed.token), json={"url": f"http://e.com/{n}"})
        assert r.status_code == 201
    r = await client.post(BASE, params=token_query(seed.token), json={"url": "http://e.com/3"})
    assert_error(r, 422, "UNPROCESSABLE_ENTITY")


async def test_test_calls_are_rate_limited_with_429(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    from tests.receivers import Receiver

    with Receiver() as receiver:
        created = (await client.post(BASE, params=token_query(seed.token), json={"url": receiver.url})).json()
        statuses = []
        for _ in range(runtime.settings.test_calls_per_minute + 1):
            r = await client.post(f"{BASE}/{created['id']}/tests", params=token_query(seed.token))
            statuses.append(r.status_code)
    assert statuses[:-1] == [204] * runtime.settings.test_calls_per_minute
    assert_error(r, 429, "TOO_MANY_REQUESTS")
    assert int(r.headers["Retry-After"]) > 0
