"""Publishing through the native API: batches in one transaction, and Idempotency-Key."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import func, select

from forgehooks.core.projects import Role
from forgehooks.services.runtime import Runtime
from forgehooks.store.tables import bodies, deliveries, events
from tests.conftest import Seed, member

API = "/api/forgehooks/v1"


def auth(token: str, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


def push(n: int) -> dict[str, Any]:
    return {"kind": "push", "body": {"ref": "refs/heads/main", "after": f"{n:040x}"}}


async def counts(runtime: Runtime) -> tuple[int, int, int]:
    async with runtime.db.reading() as conn:
        found = []
        for table in (events, bodies, deliveries):
            found.append(int((await conn.execute(select(func.count()).select_from(table))).scalar_one()))
    return found[0], found[1], found[2]


async def hooks_on_two_faces(client: httpx.AsyncClient, seed: Seed) -> None:
    native = {"url": "https://ci.example/n", "events": ["push"]}
    r = await client.post(f"{API}/projects/{seed.project.id}/hooks", json=native, headers=auth(seed.token))
    assert r.status_code == 201, r.text
    v4 = {"url": "https://ci.example/v4", "push_events": True}
    r = await client.post(f"/api/v4/projects/{seed.project.id}/hooks", json=v4, headers=auth(seed.token))
    assert r.status_code == 201, r.text


async def test_a_batch_is_published_in_order_with_every_delivery(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    await hooks_on_two_faces(client, seed)
    batch = {"events": [push(n) for n in range(120)]}  # more bodies than one INSERT takes
    r = await client.post(
        f"{API}/projects/{seed.project.id}/events:batch", json=batch, headers=auth(seed.token)
    )
    assert r.status_code == 201, r.text
    answered = r.json()["events"]
    assert len(answered) == 120 and all(e["deliveries"] == 2 for e in answered)
    assert len({e["event_id"] for e in answered}) == 120
    assert await counts(runtime) == (120, 240, 240)
    async with runtime.db.reading() as conn:
        # each delivery points at its own event's body in its own face's format
        rows = await conn.execute(
            select(deliveries.c.event_id, bodies.c.event_id, deliveries.c.dialect, bodies.c.dialect).join(
                bodies, bodies.c.id == deliveries.c.body_id
            )
        )
        assert all(de == be and dd == bd for de, be, dd, bd in rows)


async def test_a_batch_with_bad_items_is_refused_whole_naming_each(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    await hooks_on_two_faces(client, seed)
    items = [push(0), {"kind": "nonsense", "body": {}}, push(2), {"kind": "push", "body": {"bogus": 1}}]
    r = await client.post(
        f"{API}/projects/{seed.project.id}/events:batch", json={"events": items}, headers=auth(seed.token)
    )
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["field"] == "events"
    assert sorted({item["index"] for item in error["items"]}) == [1, 3]
    assert await counts(runtime) == (0, 0, 0)


async def test_a_batch_over_the_limit_is_refused(client: httpx.AsyncClient, seed: Seed) -> None:
    batch = {"events": [push(n) for n in range(1001)]}
    r = await client.post(
        f"{API}/projects/{seed.project.id}/events:batch", json=batch, headers=auth(seed.token)
    )
    assert r.status_code == 400 and r.json()["error"]["field"] == "events"


async def test_a_retried_publish_with_its_key_creates_nothing_new(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    await hooks_on_two_faces(client, seed)
    url = f"{API}/projects/{seed.project.id}/events"
    first = await client.post(url, json=push(1), headers=auth(seed.token, "order-42"))
    again = await client.post(url, json=push(1), headers=auth(seed.token, "order-42"))
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert await counts(runtime) == (1, 2, 2)
    other = await client.post(url, json=push(1), headers=auth(seed.token, "order-43"))
    assert other.json()["event_id"] != first.json()["event_id"]
    assert await counts(runtime) == (2, 4, 4)


async def test_a_key_reused_for_another_request_is_a_conflict(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    url = f"{API}/projects/{seed.project.id}/events"
    assert (await client.post(url, json=push(1), headers=auth(seed.token, "k"))).status_code == 201
    r = await client.post(url, json=push(2), headers=auth(seed.token, "k"))
    assert r.status_code == 409, r.text
    batch = await client.post(url + ":batch", json={"events": [push(1)]}, headers=auth(seed.token, "k"))
    assert batch.status_code == 409, "another path is another request"
    assert (await counts(runtime))[0] == 1


async def test_racing_requests_with_one_key_create_one_event(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    await hooks_on_two_faces(client, seed)
    url = f"{API}/projects/{seed.project.id}/events:batch"
    batch = {"events": [push(n) for n in range(20)]}
    answers = await asyncio.gather(
        *(client.post(url, json=batch, headers=auth(seed.token, "same")) for _ in range(6))
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.text for a in answers}) == 1
    assert await counts(runtime) == (20, 40, 40)


async def test_a_key_is_its_users_own(client: httpx.AsyncClient, runtime: Runtime, seed: Seed) -> None:
    other = await member(runtime, seed, "bob", Role.DEVELOPER)
    url = f"{API}/projects/{seed.project.id}/events"
    mine = await client.post(url, json=push(1), headers=auth(seed.token, "k"))
    theirs = await client.post(url, json=push(1), headers=auth(other, "k"))
    assert theirs.status_code == 201 and theirs.json()["event_id"] != mine.json()["event_id"]


async def test_a_bad_key_is_refused(client: httpx.AsyncClient, seed: Seed) -> None:
    url = f"{API}/projects/{seed.project.id}/events"
    r = await client.post(url, json=push(1), headers=auth(seed.token, "x" * 256))
    assert r.status_code == 400 and r.json()["error"]["field"] == "Idempotency-Key"
