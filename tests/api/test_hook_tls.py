"""Native API: a hook's own CA bundle and client certificate (mutual TLS), end to end."""

from __future__ import annotations

import asyncio

import httpx
import trustme

from forgehooks.services.runtime import Runtime
from forgehooks.store.hooks import HookRepository
from tests.conftest import Seed
from tests.engine.test_network import mutual_tls

API = "/api/forgehooks/v1"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_hook_delivers_with_its_own_ca_and_client_certificate_whose_key_is_never_shown(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    base = f"{API}/projects/{seed.project.id}"
    async with mutual_tls(require_client=True) as server:
        hook = (await client.post(f"{base}/hooks", json={"url": server.url}, headers=auth(seed.token))).json()
        identity = server.client_ca.issue_cert("hooks@forgehooks.example")
        key = identity.private_key_pem.bytes().decode()
        tls = {
            "ca_bundle": server.server_ca.cert_pem.bytes().decode(),
            "client_cert": identity.cert_chain_pems[0].bytes().decode(),
            "client_key": key,
        }
        r = await client.put(f"{base}/hooks/{hook['id']}/tls", json=tls, headers=auth(seed.token))
        assert r.status_code == 200, r.text
        assert r.json()["has_client_key"] is True and "PRIVATE KEY" not in r.text
        shown = await client.get(f"{base}/hooks/{hook['id']}/tls", headers=auth(seed.token))
        assert shown.json() == {
            "ca_bundle": tls["ca_bundle"],
            "client_cert": tls["client_cert"],
            "has_client_key": True,
        }
        async with runtime.db.reading() as conn:
            stored = await HookRepository(conn, runtime.box).get(hook["id"])
        assert stored is not None and "PRIVATE KEY" not in str(stored.extras), "the key is stored encrypted"

        body = {"ref": "refs/heads/main", "before": "a" * 40, "after": "b" * 40, "total_commits_count": 0}
        r = await client.post(f"{base}/events", json={"kind": "push", "body": body}, headers=auth(seed.token))
        assert r.status_code == 201, r.text
        stop = asyncio.Event()
        worker = asyncio.create_task(runtime.new_worker().run(stop))
        for _ in range(200):
            log = (await client.get(f"{base}/hooks/{hook['id']}/deliveries", headers=auth(seed.token))).json()
            if log and log[0]["state"] != "queued":
                break
            await asyncio.sleep(0.05)
        stop.set()
        await worker
    assert log[0]["state"] == "succeeded", log
    assert any("hooks@forgehooks.example" in peer for peer in server.peers)


async def test_unusable_tls_material_is_refused_with_the_field_named(
    client: httpx.AsyncClient, seed: Seed
) -> None:
    base = f"{API}/projects/{seed.project.id}"
    hook = (
        await client.post(f"{base}/hooks", json={"url": "https://127.0.0.1:1/h"}, headers=auth(seed.token))
    ).json()
    ca = trustme.CA()
    mine, other = ca.issue_cert("a.example"), ca.issue_cert("b.example")
    cert = mine.cert_chain_pems[0].bytes().decode()
    cases = {
        "ca_bundle": {"ca_bundle": "not a certificate"},
        "client_key": {"client_cert": cert},
        "client_cert": {"client_key": mine.private_key_pem.bytes().decode()},
    }
    cases_mismatch = {"client_cert": cert, "client_key": other.private_key_pem.bytes().decode()}
    for field, body in [*cases.items(), ("client_key", cases_mismatch)]:
        r = await client.put(f"{base}/hooks/{hook['id']}/tls", json=body, headers=auth(seed.token))
        assert 400 <= r.status_code < 500, r.text
        assert r.json()["error"]["field"] == field, r.text
    cleared = await client.put(f"{base}/hooks/{hook['id']}/tls", json={}, headers=auth(seed.token))
    assert cleared.json() == {"ca_bundle": "", "client_cert": "", "has_client_key": False}
