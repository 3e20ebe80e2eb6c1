"""Seed 002 (GitFlic «Вебхуки», Просмотр вебхуков проекта / Обновление вебхука по id) over the one
store: hooks made through other APIs show here with flags mapped, and GitFlic hooks show there."""

from __future__ import annotations

import httpx

from forgehooks.core.events import EventKind
from forgehooks.core.hooks import HookSpec
from forgehooks.services import hooks
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed
from tests.dialects.gitflic.seed_examples import BASE, SEED_BODY, UTC_MICROS, on_flags, owner

NATIVE = "/api/forgehooks/v1/projects"


async def test_a_native_hook_shows_here_with_its_flags_mapped(client: httpx.AsyncClient, seed: Seed) -> None:
    r = await client.post(
        f"{NATIVE}/{seed.project.id}/hooks",
        json={
            "url": "https://example.com/native",
            "events": ["push", "tag_push", "issue_close", "note_commit"],
        },
        headers=owner(seed),
    )
    assert r.status_code == 201
    native = r.json()
    seen = (await client.get(f"{BASE}/{native['uuid']}", headers=owner(seed))).json()
    assert seen["url"] == "https://example.com/native"
    assert seen["projectId"] == seed.project.uuid
    assert on_flags(seen) == ["BRANCH_UPDATE", "ISSUE_UPDATE", "PUSH"]
    assert UTC_MICROS.match(seen["createdAt"])
    listed = (await client.get(BASE, headers=owner(seed))).json()["_embedded"]["webhookList"]
    assert [h["id"] for h in listed] == [native["uuid"]]


async def test_updating_flags_here_keeps_kinds_gitflic_cannot_name(
    client: httpx.AsyncClient, seed: Seed
) -> None:
    native = (
        await client.post(
            f"{NATIVE}/{seed.project.id}/hooks",
            json={"url": "https://example.com/native", "events": ["note_commit", "push"]},
            headers=owner(seed),
        )
    ).json()
    r = await client.post(
        f"{BASE}/{native['uuid']}", json={"events": {"BRANCH_UPDATE": False}}, headers=owner(seed)
    )
    assert r.status_code == 200
    after = (await client.get(f"{NATIVE}/{seed.project.id}/hooks/{native['id']}", headers=owner(seed))).json()
    assert after["events"] == ["note_commit"]
    assert after["dialect"] == "forgehooks"


async def test_a_gitflic_hook_shows_in_the_native_api(client: httpx.AsyncClient, seed: Seed) -> None:
    made = (await client.post(BASE, json=SEED_BODY, headers=owner(seed))).json()
    listed = (await client.get(f"{NATIVE}/{seed.project.id}/hooks", headers=owner(seed))).json()
    assert len(listed) == 1
    native = listed[0]
    assert native["uuid"] == made["id"]
    assert native["dialect"] == "gitflic"
    assert native["has_secret"] is True and native["secret_scheme"] == "token"
    assert EventKind.PUSH.value in native["events"]  # BRANCH_UPDATE
    assert EventKind.TAG_PUSH.value not in native["events"]  # PUSH is false in the seed body
    assert EventKind.WEBHOOK_SEND.value not in native["events"]


async def test_webhook_send_and_every_flag_survive_a_round_trip(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    made = (
        await client.post(BASE, json={"url": "https://example.com", "events": {}}, headers=owner(seed))
    ).json()
    url = f"{BASE}/{made['id']}"
    for flag in SEED_BODY["events"]:
        r = await client.post(url, json={"events": {flag: True}}, headers=owner(seed))
        assert on_flags(r.json()) == [flag], flag
        assert on_flags((await client.get(url, headers=owner(seed))).json()) == [flag]
        await client.post(url, json={"events": {flag: False}}, headers=owner(seed))
    stored = await hooks.get_hook(runtime, seed.project, made["id"])
    assert stored.events == frozenset()


async def test_a_hook_made_by_services_with_another_dialect_is_listed(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    spec = HookSpec(url="https://example.com/v4", events=frozenset({EventKind.MERGE_REQUEST_MERGE}))
    other = await hooks.create_hook(runtime, seed.project, spec, "gitcode_v4")
    seen = (await client.get(f"{BASE}/{other.uuid}", headers=owner(seed))).json()
    assert on_flags(seen) == ["MERGE"]
