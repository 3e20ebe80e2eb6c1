"""Seed 004 (CodeArts Repo v4): one store — hooks made through the native API or another face are
listed here with their flags mapped, and hooks made here show in the native API; a CodeArts update
changes only its own event kinds."""

from __future__ import annotations

import httpx

from forgehooks.core.events import EventKind
from forgehooks.core.hooks import BranchFilter, BranchFilterStrategy, HookSpec, SecretScheme
from forgehooks.services import hooks
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed
from tests.dialects.codearts_v4.api import add, auth, base
from tests.receivers import Receiver

NATIVE = "/api/forgehooks/v1"


async def test_native_hook_is_visible_with_flags_mapped(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    r = await client.post(
        f"{NATIVE}/projects/{seed.project.id}/hooks",
        json={
            "url": f"{receiver.url}/native",
            "events": ["tag_create", "note_issue", "issue_open"],
            "secret": "abc",
            "name": "native",
            "branch_filter": {"strategy": "wildcard", "pattern": "release/*"},
        },
        headers={"Authorization": f"Bearer {seed.token}"},
    )
    assert r.status_code == 201, r.text
    native_id = r.json()["id"]
    listed = (await client.get(base(seed), headers=auth(seed.token))).json()
    (hook,) = [h for h in listed if h["id"] == native_id]
    assert hook["url"] == f"{receiver.url}/native" and hook["name"] == "native"
    assert hook["push_events"] is False and hook["tag_push_events"] is True
    assert hook["merge_requests_events"] is False and hook["note_events"] is True
    assert hook["token"] == "************" and hook["token_type"] == "X-Repo-Token"
    assert hook["push_events_branch_regex_filter"].startswith("^")


async def test_codearts_hook_is_visible_in_the_native_api(
    client: httpx.AsyncClient, seed: Seed, receiver: Receiver
) -> None:
    created = await add(client, seed, url=f"{receiver.url}/ca", merge_requests_events=True, token="t")
    r = await client.get(
        f"{NATIVE}/projects/{seed.project.hex_id}/hooks/{created['id']}",
        headers={"Authorization": f"Bearer {seed.token}"},
    )
    assert r.status_code == 200
    native = r.json()
    assert native["url"] == f"{receiver.url}/ca" and native["dialect"] == "codearts_v4"
    assert {"push", "branch_create", "branch_delete", "merge_request_open", "merge_request_merge"} <= set(
        native["events"]
    )
    assert "tag_push" not in native["events"]


async def test_update_leaves_other_faces_kinds_and_extras_alone(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    other = await hooks.create_hook(
        runtime,
        seed.project,
        HookSpec(
            url=f"{receiver.url}/v5",
            events=frozenset({EventKind.ISSUE_OPEN, EventKind.PUSH, EventKind.PIPELINE_SUCCESS}),
            secret="key",
            secret_scheme=SecretScheme.SIGNATURE,
            branch_filter=BranchFilter(strategy=BranchFilterStrategy.REGEX, pattern="^main$"),
            extras={"encryption_type": 1},
        ),
        "gitcode_v5",
    )
    r = await client.put(
        f"{base(seed)}/{other.id}",
        json={"push_events": False, "note_events": True, "token_type": "X-Auth-Token"},
        headers=auth(seed.token),
    )
    assert r.status_code == 200, r.text
    assert r.json()["push_events"] is False and r.json()["note_events"] is True
    assert r.json()["push_events_branch_regex_filter"] == "^main$"
    stored = await hooks.get_hook(runtime, seed.project, other.id)
    assert EventKind.ISSUE_OPEN in stored.events and EventKind.PIPELINE_SUCCESS in stored.events
    assert EventKind.PUSH not in stored.events and EventKind.NOTE_COMMIT in stored.events
    assert stored.secret == "key" and stored.secret_scheme is SecretScheme.SIGNATURE
    assert stored.extras == {"encryption_type": 1, "token_type": "X-Auth-Token"}
    assert stored.dialect == "gitcode_v5"
