"""Requests an attacker would send: none may stall the service, crash a handler or leak a secret."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import func, select

from forgehooks.api.app import build_runtime, create_app
from forgehooks.config import Settings
from forgehooks.store.tables import events
from tests.api.faces import FACES, face_paths
from tests.conftest import Seed
from tests.receivers import Receiver

API = "/api/forgehooks/v1"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_catastrophic_branch_regex_cannot_stall_a_publish(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    base = f"{API}/projects/{seed.project.id}"
    hook = {"url": receiver.url + "/h", "branch_filter": {"strategy": "regex", "pattern": "^(a+)+$"}}
    assert (await client.post(f"{base}/hooks", json=hook, headers=auth(seed.token))).status_code == 201
    body = {"ref": "refs/heads/" + "a" * 40 + "!", "before": "a" * 40, "after": "b" * 40}
    started = time.perf_counter()
    r = await client.post(f"{base}/events", json={"kind": "push", "body": body}, headers=auth(seed.token))
    assert r.status_code == 201, r.text
    assert r.json()["deliveries"] == 0
    assert time.perf_counter() - started < 2


async def test_a_branch_regex_re2_cannot_run_is_a_400_naming_why(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    hook = {"url": receiver.url + "/h", "branch_filter": {"strategy": "regex", "pattern": "(a)\\1"}}
    r = await client.post(f"{API}/projects/{seed.project.id}/hooks", json=hook, headers=auth(seed.token))
    assert r.status_code == 400
    assert r.json()["error"]["field"] == "branch_filter"
    assert "RE2" in r.json()["error"]["message"]


UNSTORABLE = {
    "deep nesting": b'{"url": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "lone surrogate": b'{"url": "http://example.com/", "name": "\\ud800x", "title": "\\udc00"}',
    "integer over 64 bits": b'{"url": "http://example.com/", "push_events": 123456789012345678901234567890}',
}


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("label", sorted(UNSTORABLE))
async def test_unstorable_json_is_the_faces_4xx(
    client: httpx.AsyncClient, seed: Seed, face: str, label: str
) -> None:
    url, headers = face_paths(seed)[face]
    r = await client.post(
        url, content=UNSTORABLE[label], headers=headers | {"Content-Type": "application/json"}
    )
    assert 400 <= r.status_code < 500, r.text


@pytest.mark.parametrize("face", FACES)
async def test_a_nul_in_a_path_parameter_is_the_faces_4xx(
    client: httpx.AsyncClient, seed: Seed, face: str
) -> None:
    url, headers = face_paths(seed)[face]
    path, _, query = url.partition("?")
    r = await client.get(f"{path}/ab%00c" + (f"?{query}" if query else ""), headers=headers)
    assert 400 <= r.status_code < 500, r.text


async def test_a_surrogate_in_an_event_body_is_named(client: httpx.AsyncClient, seed: Seed) -> None:
    r = await client.post(
        f"{API}/projects/{seed.project.id}/events",
        content=b'{"kind":"push","body":{"ref":"refs/heads/\\udc00"}}',
        headers=auth(seed.token) | {"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["error"]["field"] == "body.ref"


async def test_a_huge_page_on_gitcode_v4_is_an_empty_page(client: httpx.AsyncClient, seed: Seed) -> None:
    url, headers = face_paths(seed)["gitcode_v4"]
    for page in ("99999999999999999999", "922337203685477580"):
        r = await client.get(f"{url}?page={page}&per_page=100", headers=headers)
        assert r.status_code == 200 and r.json() == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/events",
            {"kind": "push", "body": {"ref": "refs/heads/main"}, "occurred_at": "9999-12-31T23:59:59-23:00"},
        ),
        (
            "/events",
            {"kind": "push", "body": {"ref": "refs/heads/main"}, "occurred_at": "0001-01-01T00:00:00+14:00"},
        ),
        ("/replay", {"since": "0001-01-01T00:00:00+10:00"}),
        ("/replay", {"since": "9999-12-31T23:59:59-10:00"}),
        ("tokens", {"name": "x", "expires_at": "0001-01-01T00:00:00+10:00"}),
    ],
)
async def test_a_date_with_no_utc_form_is_a_400(
    client: httpx.AsyncClient, seed: Seed, path: str, body: dict[str, object]
) -> None:
    url = f"{API}/tokens" if path == "tokens" else f"{API}/projects/{seed.project.id}{path}"
    r = await client.post(url, json=body, headers=auth(seed.token))
    assert r.status_code == 400, r.text
    assert "out of the range" in r.json()["error"]["message"]


async def test_names_over_their_column_are_refused_on_both_databases(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    r = await client.post(f"{API}/tokens", json={"name": "x" * 256}, headers=auth(seed.token))
    assert r.status_code == 400 and r.json()["error"]["field"] == "name"
    hooks = f"{API}/projects/{seed.project.id}/hooks"
    r = await client.post(hooks, json={"url": receiver.url, "name": "n" * 256}, headers=auth(seed.token))
    assert r.status_code == 400 and r.json()["error"]["field"] == "name"
    r = await client.post(
        hooks, json={"url": receiver.url, "description": "d" * 100_000}, headers=auth(seed.token)
    )
    assert r.status_code == 400 and r.json()["error"]["field"] == "description"
    r = await client.post(hooks, json={"url": receiver.url, "name": "n" * 255}, headers=auth(seed.token))
    assert r.status_code == 201


async def test_an_event_over_the_payload_limit_is_refused_whole(
    settings: Settings, seed: Seed, receiver: Receiver
) -> None:
    """FORGEHOOKS_MAX_PAYLOAD_BYTES: a publish whose rendered body is larger is a 413 and writes nothing."""
    runtime = build_runtime(settings.model_copy(update={"max_payload_bytes": 2000}))
    app = create_app(runtime=runtime, workers=0)
    base = f"{API}/projects/{seed.project.id}"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        assert (
            await http.post(f"{base}/hooks", json={"url": receiver.url}, headers=auth(seed.token))
        ).status_code == 201
        small = {"ref": "refs/heads/main", "before": "a" * 40, "after": "b" * 40}
        r = await http.post(f"{base}/events", json={"kind": "push", "body": small}, headers=auth(seed.token))
        assert r.status_code == 201
        big = small | {"commits": [{"id": "c" * 40, "message": "m" * 3000}]}
        r = await http.post(f"{base}/events", json={"kind": "push", "body": big}, headers=auth(seed.token))
        assert r.status_code == 413, r.text
        assert r.json()["error"]["code"] == "PayloadTooLarge"
    async with runtime.db.reading() as conn:
        assert (await conn.execute(select(func.count()).select_from(events))).scalar() == 1
    await runtime.close()
