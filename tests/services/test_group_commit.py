"""Group commit: publishes arriving together share one transaction, each keeps its own answer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from forgehooks.services.group_commit import GroupCommit
from forgehooks.services.runtime import Runtime
from tests.api.test_publish import API, auth, counts, hooks_on_two_faces
from tests.conftest import Seed


class Recorder:
    """A commit that takes a while and keeps the groups it was given; "bad" items fail it."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []

    async def commit(self, items: Sequence[str]) -> list[str]:
        self.groups.append(list(items))
        await asyncio.sleep(0.01)
        if "bad" in items:
            raise ValueError("a bad item")
        return [item.upper() for item in items]


async def test_requests_arriving_during_a_commit_share_the_next() -> None:
    recorder = Recorder()
    group: GroupCommit[str, str] = GroupCommit(recorder.commit, weight=lambda _: 1, limit=100)
    first = asyncio.ensure_future(group.submit("e0"))
    await asyncio.sleep(0)  # its commit has begun
    answers = await asyncio.gather(first, *(group.submit(f"e{n}") for n in range(1, 20)))
    assert answers == [f"E{n}" for n in range(20)]
    # the first commits alone, at once; the 19 that came meanwhile go together
    assert [len(g) for g in recorder.groups] == [1, 19]


async def test_a_group_is_bounded_by_its_weight() -> None:
    recorder = Recorder()
    group: GroupCommit[str, str] = GroupCommit(recorder.commit, weight=len, limit=6)
    await asyncio.gather(*(group.submit(item) for item in ["aaa", "bbb", "ccc", "dd", "eeeeeeeeee"]))
    # a single item over the limit still goes, alone
    assert recorder.groups == [["aaa", "bbb"], ["ccc", "dd"], ["eeeeeeeeee"]]


async def test_a_failing_group_answers_each_request_alone() -> None:
    recorder = Recorder()
    group: GroupCommit[str, str] = GroupCommit(recorder.commit, weight=lambda _: 1, limit=100)
    first = asyncio.ensure_future(group.submit("first"))
    await asyncio.sleep(0)
    rest = [asyncio.ensure_future(group.submit(item)) for item in ("a", "bad", "b")]
    assert await first == "FIRST"
    results = await asyncio.gather(*rest, return_exceptions=True)
    assert results[0] == "A" and results[2] == "B"
    assert isinstance(results[1], ValueError)
    assert recorder.groups == [["first"], ["a", "bad", "b"], ["a"], ["bad"], ["b"]]


async def test_a_cancelled_caller_does_not_cancel_its_group() -> None:
    recorder = Recorder()
    group: GroupCommit[str, str] = GroupCommit(recorder.commit, weight=lambda _: 1, limit=100)
    gone = asyncio.ensure_future(group.submit("gone"))
    kept = asyncio.ensure_future(group.submit("kept"))
    await asyncio.sleep(0.001)
    gone.cancel()
    assert await kept == "KEPT"
    assert recorder.groups == [["gone", "kept"]]  # "gone" was committed all the same


def _push(n: int, message: str = "") -> dict[str, Any]:
    commits = [{"id": f"{n:040x}", "message": message}] if message else []
    return {"kind": "push", "body": {"ref": "refs/heads/main", "after": f"{n:040x}", "commits": commits}}


async def _publish_all(
    client: httpx.AsyncClient, seed: Seed, bodies: list[dict[str, Any]], **headers: str
) -> list[httpx.Response]:
    url = f"{API}/projects/{seed.project.id}/events"
    return await asyncio.gather(
        *(client.post(url, json=b, headers=auth(seed.token) | headers) for b in bodies)
    )


async def test_concurrent_publishes_are_each_stored_with_their_deliveries(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    await hooks_on_two_faces(client, seed)
    answers = await _publish_all(client, seed, [_push(n) for n in range(30)])
    assert [a.status_code for a in answers] == [201] * 30
    assert len({a.json()["event_id"] for a in answers}) == 30
    assert all(a.json()["deliveries"] == 2 for a in answers)
    assert await counts(runtime) == (30, 60, 60)


async def test_a_refused_publish_in_a_group_leaves_the_others_stored(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    await hooks_on_two_faces(client, seed)
    runtime.settings.max_payload_bytes = 20_000
    bodies = [_push(n, "x" * (40_000 if n == 3 else 10)) for n in range(8)]
    answers = await _publish_all(client, seed, bodies)
    assert [a.status_code for a in answers] == [201, 201, 201, 413, 201, 201, 201, 201]
    assert await counts(runtime) == (7, 14, 14)


@pytest.mark.parametrize("same_body", [True, False])
async def test_one_key_used_by_requests_of_one_group(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, same_body: bool
) -> None:
    await hooks_on_two_faces(client, seed)
    bodies = [_push(0 if same_body else n) for n in range(4)]
    answers = await _publish_all(client, seed, bodies, **{"Idempotency-Key": "k-1"})
    created = [a for a in answers if a.status_code == 201]
    assert await counts(runtime) == (1, 2, 2)
    if same_body:  # every request answers as the first did
        assert len(created) == 4 and len({a.json()["event_id"] for a in created}) == 1
    else:  # one is published, the others are conflicts
        assert len(created) == 1 and sorted(a.status_code for a in answers) == [201, 409, 409, 409]


async def test_an_outage_answers_the_whole_group_at_once() -> None:
    class Outage(Exception):
        pass

    groups: list[list[str]] = []

    async def commit(items: Sequence[str]) -> list[str]:
        groups.append(list(items))
        await asyncio.sleep(0.01)
        raise Outage("the database is down")

    group: GroupCommit[str, str] = GroupCommit(commit, weight=lambda _: 1, limit=100, shared=(Outage,))
    first = asyncio.ensure_future(group.submit("first"))
    await asyncio.sleep(0)
    results = await asyncio.gather(first, *(group.submit(i) for i in "abc"), return_exceptions=True)
    assert all(isinstance(r, Outage) for r in results)
    assert groups == [["first"], ["a", "b", "c"]]  # not tried again one by one
