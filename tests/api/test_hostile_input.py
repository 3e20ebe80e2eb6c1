"""Requests an attacker would send: none may stall the service, crash a handler or leak a secret."""

from __future__ import annotations

import time

import httpx

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
