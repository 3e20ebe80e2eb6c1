"""Native API (/api/forgehooks/v1): projects, tokens, hooks, events and the delivery log."""

from __future__ import annotations

import asyncio

import httpx

from forgehooks.core.projects import Role
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed, member
from tests.receivers import Receiver, Reply

API = "/api/forgehooks/v1"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_project_is_found_by_every_identity(client: httpx.AsyncClient, seed: Seed) -> None:
    p = seed.project
    for identity in (str(p.id), p.hex_id, p.uuid, "acme%2Fwidgets"):
        r = await client.get(f"{API}/projects/{identity}", headers={"PRIVATE-TOKEN": seed.token})
        assert r.status_code == 200, identity
        assert r.json()["path"] == "acme/widgets"
        assert r.json()["hex_id"] == p.hex_id


async def test_duplicate_project_path_is_a_conflict(client: httpx.AsyncClient, seed: Seed) -> None:
    r = await client.post(f"{API}/projects", json={"path": "acme/widgets"}, headers=auth(seed.token))
    assert r.status_code == 409
    assert "already exists" in r.json()["error"]["message"]


async def test_bad_tokens_are_refused(client: httpx.AsyncClient, runtime: Runtime, seed: Seed) -> None:
    assert (await client.get(f"{API}/projects")).status_code == 401
    assert (await client.get(f"{API}/projects", headers=auth("nope"))).status_code == 401
    created = await client.post(f"{API}/tokens", json={"name": "short"}, headers=auth(seed.token))
    value, token_id = created.json()["token"], created.json()["id"]
    assert (await client.get(f"{API}/user", headers=auth(value))).status_code == 200
    assert (await client.delete(f"{API}/tokens/{token_id}", headers=auth(seed.token))).status_code == 204
    r = await client.get(f"{API}/user", headers=auth(value))
    assert r.status_code == 401 and "revoked" in r.json()["error"]["message"]
    expired = await client.post(
        f"{API}/tokens", json={"expires_at": "2020-01-01T00:00:00Z"}, headers=auth(seed.token)
    )
    r = await client.get(f"{API}/user", headers=auth(expired.json()["token"]))
    assert r.status_code == 401 and "expired" in r.json()["error"]["message"]


async def test_malformed_json_is_a_400_not_a_500(client: httpx.AsyncClient, seed: Seed) -> None:
    r = await client.post(
        f"{API}/projects",
        content=b"{not json",
        headers=auth(seed.token) | {"Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "InvalidInput"


async def test_outsiders_do_not_see_the_project_and_reporters_cannot_manage_hooks(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    outsider = await member(runtime, seed, "mallory", None)
    reporter = await member(runtime, seed, "rita", Role.REPORTER)
    assert (
        await client.get(f"{API}/projects/{seed.project.id}/hooks", headers=auth(outsider))
    ).status_code == 404
    assert (
        await client.get(f"{API}/projects/{seed.project.id}/hooks", headers=auth(reporter))
    ).status_code == 403


async def test_hook_crud_never_returns_the_secret(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    base = f"{API}/projects/{seed.project.id}/hooks"
    r = await client.post(
        base,
        json={"url": receiver.url + "/h", "events": ["push", "tag_create"], "secret": "s3cret"},
        headers=auth(seed.token),
    )
    assert r.status_code == 201, r.text
    hook = r.json()
    assert hook["has_secret"] is True and "s3cret" not in r.text
    r = await client.patch(f"{base}/{hook['id']}", json={"active": False}, headers=auth(seed.token))
    assert r.json()["active"] is False and r.json()["events"] == ["push", "tag_create"]
    assert (await client.delete(f"{base}/{hook['id']}", headers=auth(seed.token))).status_code == 204
    assert (await client.get(f"{base}/{hook['id']}", headers=auth(seed.token))).status_code == 404


async def test_publish_delivers_and_logs_every_attempt(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    base = f"{API}/projects/{seed.project.id}"
    hook = (
        await client.post(
            f"{base}/hooks", json={"url": receiver.url + "/in", "secret": "k"}, headers=auth(seed.token)
        )
    ).json()
    body = {"ref": "refs/heads/main", "before": "a" * 40, "after": "b" * 40, "total_commits_count": 0}
    r = await client.post(f"{base}/events", json={"kind": "push", "body": body}, headers=auth(seed.token))
    assert r.status_code == 201, r.text
    assert r.json()["deliveries"] == 1
    stop = asyncio.Event()
    worker = asyncio.create_task(runtime.new_worker().run(stop))
    got = (await receiver.await_count(1))[0]
    stop.set()
    await worker
    assert got.header("X-Forgehooks-Event") == "push"
    assert got.header(
        "X-Forgehooks-Signature",
    ).startswith("sha256=")  # type: ignore[union-attr]
    log = (await client.get(f"{base}/hooks/{hook['id']}/deliveries", headers=auth(seed.token))).json()
    assert log[0]["state"] == "succeeded"
    assert log[0]["id"] == got.header("X-Forgehooks-Delivery")
    assert log[0]["attempts"][0]["response_status"] == 200
    assert log[0]["attempts"][0]["reason"] == "ok"


async def test_each_attempt_carries_its_typed_reason(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    base = f"{API}/projects/{seed.project.id}"
    with Receiver(Reply(status=503)) as failing:
        made = {}
        for name, url in (("failing", failing.url + "/in"), ("closed", "http://127.0.0.1:9/in")):
            r = await client.post(f"{base}/hooks", json={"url": url, "secret": "k"}, headers=auth(seed.token))
            made[name] = r.json()["id"]
        body = {"ref": "refs/heads/main", "before": "a" * 40, "after": "b" * 40}
        r = await client.post(f"{base}/events", json={"kind": "push", "body": body}, headers=auth(seed.token))
        assert r.json()["deliveries"] == 2
        stop = asyncio.Event()
        worker = asyncio.create_task(runtime.new_worker().run(stop))
        reasons: dict[str, str] = {}
        for _ in range(200):  # bounded: both first attempts are on record within seconds
            for name, hook_id in made.items():
                log = (
                    await client.get(f"{base}/hooks/{hook_id}/deliveries", headers=auth(seed.token))
                ).json()
                if log and log[0]["attempts"]:
                    reasons[name] = log[0]["attempts"][0]["reason"]
            if len(reasons) == 2:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await worker
    assert reasons == {"failing": "http_5xx", "closed": "connect"}


async def test_unknown_event_body_field_is_named(client: httpx.AsyncClient, seed: Seed) -> None:
    r = await client.post(
        f"{API}/projects/{seed.project.id}/events",
        json={"kind": "push", "body": {"ref": "refs/heads/main", "bogus": 1}},
        headers=auth(seed.token),
    )
    assert r.status_code == 400
    assert r.json()["error"]["field"] == "body.bogus"
