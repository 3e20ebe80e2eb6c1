"""Seed 000 (GitCode v4) sections 1-5 over one store: hooks made through other faces show here with
their kinds mapped to this face's flags, and flags written here leave other kinds untouched."""

from __future__ import annotations

import httpx

from forgehooks.core.events import EventKind
from forgehooks.core.hooks import HookSpec
from forgehooks.services import hooks
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed
from tests.receivers import Receiver

NATIVE = "/api/forgehooks/v1"


async def test_native_hook_is_visible_with_flags_mapped(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    auth = {"PRIVATE-TOKEN": seed.token}
    native = await client.post(
        f"{NATIVE}/projects/{seed.project.id}/hooks",
        json={"url": receiver.url, "events": ["tag_create", "note_issue", "collaborator_add"]},
        headers=auth,
    )
    assert native.status_code == 201
    hook_id = native.json()["id"]
    shown = (await client.get(f"/api/v4/projects/{seed.project.id}/hooks/{hook_id}", headers=auth)).json()
    flags = {k: shown[k] for k in ("push_events", "tag_push_events", "merge_requests_events", "note_events")}
    assert flags == {
        "push_events": False,
        "tag_push_events": True,
        "merge_requests_events": False,
        "note_events": True,
    }
    r = await client.put(
        f"/api/v4/projects/{seed.project.id}/hooks/{hook_id}",
        json={"push_events": True, "tag_push_events": False},
        headers=auth,
    )
    assert r.status_code == 200
    after = (await client.get(f"{NATIVE}/projects/{seed.project.id}/hooks/{hook_id}", headers=auth)).json()
    assert set(after["events"]) == {
        "push",
        "branch_create",
        "branch_delete",
        "note_issue",
        "collaborator_add",  # not a v4 flag: untouched
    }
    assert after["dialect"] == "forgehooks"


async def test_v4_hook_is_visible_in_the_native_api(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    auth = {"PRIVATE-TOKEN": seed.token}
    created = await client.post(
        f"/api/v4/projects/{seed.project.id}/hooks",
        json={"url": receiver.url, "merge_requests_events": True, "token": "t0k"},
        headers=auth,
    )
    native = (await client.get(f"{NATIVE}/projects/{seed.project.id}/hooks", headers=auth)).json()
    (hook,) = [h for h in native if h["id"] == created.json()["id"]]
    assert hook["dialect"] == "gitcode_v4" and hook["has_secret"] is True
    assert hook["secret_scheme"] == "token"
    assert {"push", "merge_request_open", "merge_request_merge"} <= set(hook["events"])


async def test_hook_of_another_dialect_is_listed_here(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    spec = HookSpec(url=receiver.url, events=frozenset({EventKind.PIPELINE_FAILED, EventKind.ISSUE_OPEN}))
    made = await hooks.create_hook(runtime, seed.project, spec, "gitcode_v5")
    listed = (
        await client.get(f"/api/v4/projects/{seed.project.id}/hooks", headers={"PRIVATE-TOKEN": seed.token})
    ).json()
    (shown,) = [h for h in listed if h["id"] == made.id]
    assert shown["pipeline_events"] is True and shown["issues_events"] is True
    assert shown["push_events"] is False and shown["token"] == ""
