"""Seed 003 (GitCode v5 Webhook API), sections 1, 3 and 4 over one store: hooks made through
other faces show through this one with their kinds mapped to the five flags, an update here
keeps the kinds it does not own, and hooks made here show in the native API."""

from __future__ import annotations

import httpx

from forgehooks.core.events import EventKind
from forgehooks.core.hooks import HookSpec, SecretScheme
from forgehooks.dialects.gitcode_v5.mapping import EVENT_FLAGS, events_with, flags_of
from forgehooks.services import hooks as hook_service
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed
from tests.dialects.gitcode_v5.conftest import BASE, token_query

NATIVE = "/api/forgehooks/v1"


def test_reading_a_flag_is_true_when_any_of_its_kinds_is_wanted() -> None:
    flags = flags_of(frozenset({EventKind.BRANCH_DELETE, EventKind.DISCUSSION_CREATE}))
    assert flags == {
        "push_events": True,
        "tag_push_events": False,
        "issues_events": False,
        "note_events": True,
        "merge_requests_events": False,
    }


def test_writing_a_flag_touches_only_its_own_kinds() -> None:
    current = frozenset({EventKind.PIPELINE_FAILED, EventKind.PUSH, EventKind.COLLABORATOR_ADD})
    changed = events_with(current, {"push_events": False, "merge_requests_events": True})
    assert EventKind.PUSH not in changed
    assert {EventKind.PIPELINE_FAILED, EventKind.COLLABORATOR_ADD} <= changed
    assert EVENT_FLAGS["merge_requests_events"] <= changed
    assert EventKind.MERGE_REQUEST_CANCEL in changed


async def test_a_native_hook_shows_here_with_flags_mapped_and_keeps_other_kinds(
    client: httpx.AsyncClient, seed: Seed
) -> None:
    native = await client.post(
        f"{NATIVE}/projects/{seed.project.id}/hooks",
        json={
            "url": "http://example.com/native",
            "events": ["tag_create", "note_issue", "pipeline_success"],
            "secret": "shh",
        },
        headers={"PRIVATE-TOKEN": seed.token},
    )
    assert native.status_code == 201, native.text
    hook_id = native.json()["id"]
    shown = (await client.get(f"{BASE}/{hook_id}", params=token_query(seed.token))).json()
    assert (
        shown["url"] == "http://example.com/native" and shown["password"] == "****"
    )  # set through the native API: never shown again
    assert shown["tag_push_events"] and shown["note_events"]
    assert not (shown["push_events"] or shown["issues_events"] or shown["merge_requests_events"])

    r = await client.patch(
        f"{BASE}/{hook_id}",
        params=token_query(seed.token),
        json={"issues_events": True, "tag_push_events": False},
    )
    assert r.status_code == 200
    after = (
        await client.get(
            f"{NATIVE}/projects/{seed.project.id}/hooks/{hook_id}", headers={"PRIVATE-TOKEN": seed.token}
        )
    ).json()
    assert after["dialect"] == "forgehooks"  # the face that made it still renders its deliveries
    assert set(after["events"]) == {
        "note_issue",
        "pipeline_success",
        "issue_open",
        "issue_update",
        "issue_close",
        "issue_reopen",
    }


async def test_a_hook_of_another_face_is_listed_here(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    spec = HookSpec(
        url="http://example.com/codearts",
        events=frozenset({EventKind.MERGE_REQUEST_APPROVE}),
        secret="tok",
        secret_scheme=SecretScheme.SIGNATURE,
    )
    await hook_service.create_hook(runtime, seed.project, spec, "codearts_v4")
    listed = (await client.get(BASE, params=token_query(seed.token))).json()
    assert len(listed) == 1
    assert listed[0]["merge_requests_events"] is True and listed[0]["push_events"] is False
    assert listed[0]["project_id"] == seed.project.id


async def test_a_hook_made_here_shows_in_the_native_api(client: httpx.AsyncClient, seed: Seed) -> None:
    created = (
        await client.post(
            BASE,
            params=token_query(seed.token),
            json={"url": "http://example.com/v5", "encryption_type": 1, "password": "k", "note_events": True},
        )
    ).json()
    native = await client.get(
        f"{NATIVE}/projects/{seed.project.id}/hooks/{created['id']}", headers={"PRIVATE-TOKEN": seed.token}
    )
    body = native.json()
    assert body["dialect"] == "gitcode_v5" and body["secret_scheme"] == "signature"
    assert body["has_secret"] is True
    assert set(body["events"]) == {
        "push",
        "branch_create",
        "branch_delete",
        "note_commit",
        "note_merge_request",
        "note_issue",
        "discussion_create",
    }
