"""Request guards: 413 for oversized bodies and 429 with Retry-After per token, in the face's shape."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from forgehooks.api.app import create_app
from forgehooks.config import Settings
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed

API = "/api/forgehooks/v1"


async def test_oversized_body_is_a_413(client: httpx.AsyncClient, runtime: Runtime, seed: Seed) -> None:
    big = b"{" + b" " * (runtime.settings.max_request_bytes + 1) + b"}"
    r = await client.post(
        f"{API}/projects",
        content=big,
        headers={"PRIVATE-TOKEN": seed.token, "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "PayloadTooLarge"


async def test_token_over_its_rate_is_told_when_to_come_back(
    settings: Settings, seed: Seed, runtime: Runtime
) -> None:
    limited = settings.model_copy(update={"api_rate_limit": 3})
    app = create_app(limited, runtime=runtime, workers=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        codes = [
            (await http.get(f"{API}/user", headers={"PRIVATE-TOKEN": seed.token})).status_code
            for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
        r = await http.get(f"{API}/user", headers={"PRIVATE-TOKEN": seed.token})
        assert int(r.headers["Retry-After"]) >= 1
        assert "at most 3 per minute" in r.json()["error"]["message"]
        # another caller is not affected
        assert (await http.get(f"{API}/user", headers={"PRIVATE-TOKEN": "other"})).status_code == 401


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_a_chunked_body_over_the_limit_is_a_413_without_a_length(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    half = b" " * (runtime.settings.max_request_bytes // 2 + 1)
    r = await client.post(
        f"/api/v4/projects/{seed.project.id}/hooks",
        content=_chunks(b"{", half, half, b"}"),
        headers={"PRIVATE-TOKEN": seed.token, "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert "content-length" not in r.request.headers
    assert r.json() == {"message": f"request body over {runtime.settings.max_request_bytes} bytes"}


async def test_a_body_read_by_the_guards_reaches_the_route_whole(
    client: httpx.AsyncClient, seed: Seed
) -> None:
    body = b'{"url": "https://ci.example/h\\u00e9", "tag_push_events": true, "push_events": false}'
    r = await client.post(
        f"/api/v4/projects/{seed.project.id}/hooks",
        content=_chunks(body[:10], body[10:]),
        headers={"PRIVATE-TOKEN": seed.token, "Content-Type": "application/json"},
    )
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["url"], got["tag_push_events"], got["push_events"]) == ("https://ci.example/hé", True, False)


async def test_a_nul_in_a_chunked_body_names_its_field(client: httpx.AsyncClient, seed: Seed) -> None:
    r = await client.post(
        f"/api/forgehooks/v1/projects/{seed.project.id}/hooks",
        content=_chunks(b'{"url": "https://ci.example/h", ', b'"name": "a\\u0000b"}'),
        headers={"Authorization": f"Bearer {seed.token}", "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error"]["field"] == "name"


async def test_a_token_in_a_gitcode_v5_body_counts_towards_its_rate(
    settings: Settings, seed: Seed, runtime: Runtime
) -> None:
    limited = settings.model_copy(update={"api_rate_limit": 3})
    app = create_app(limited, runtime=runtime, workers=0)
    hooks = f"/api/v5/repos/{seed.project.owner}/{seed.project.slug}/hooks"
    bodies = [
        {"data": {"access_token": seed.token, "url": "http://127.0.0.1:9/a"}},
        {"json": {"access_token": seed.token, "url": "http://127.0.0.1:9/b"}},
        {"files": {"access_token": (None, seed.token), "url": (None, "http://127.0.0.1:9/c")}},
    ]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        codes = [(await http.post(hooks, **body)).status_code for body in bodies]  # type: ignore[arg-type]
        assert codes == [201, 201, 201]
        r = await http.post(hooks, data={"access_token": seed.token, "url": "http://127.0.0.1:9/d"})
        assert r.status_code == 429
        r = await http.get(hooks, params={"access_token": seed.token})
        assert r.status_code == 429  # the same token's bucket, wherever it travels


async def test_405_is_decided_by_the_error_type_not_its_text(client: httpx.AsyncClient, seed: Seed) -> None:
    """A hook id of "405" used to be answered 405 by GitFlic (its message held "405")."""
    p = seed.project
    r = await client.get(
        f"/project/{p.owner}/{p.slug}/setting/webhook/405", headers={"Authorization": f"token {seed.token}"}
    )
    assert r.status_code == 404
    r = await client.get(f"/api/v4/projects/{p.id}/hooks/405", headers={"PRIVATE-TOKEN": seed.token})
    assert r.status_code == 404
    r = await client.patch(
        f"/project/{p.owner}/{p.slug}/setting/webhook", headers={"Authorization": "token x"}
    )
    assert r.status_code == 405
