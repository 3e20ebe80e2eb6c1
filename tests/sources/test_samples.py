"""Sample events (core.samples): every kind, for the real project and user, renderable by every face."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from forgehooks.api.app import build_runtime
from forgehooks.config import Settings
from forgehooks.core.codec import from_jsonable, to_jsonable
from forgehooks.core.events import (
    BODY_TYPES,
    Actor,
    Commit,
    EventKind,
    NoteBody,
    PipelineBody,
    ProjectSnapshot,
    RefBody,
)
from forgehooks.core.samples import sample_body, sample_event

NOW = datetime(2024, 9, 26, 8, 13, 27, tzinfo=UTC)
PROJECT = ProjectSnapshot(
    id=349013,
    hex_id="a642c851d4dc4853b595e5c8a5e56df7",
    uuid="c94aedd2-1111-4222-8333-67fbf1112a82",
    path="acme/widgets",
    name="widgets",
    web_url="https://forge.test/acme/widgets",
    git_http_url="https://forge.test/acme/widgets.git",
    git_ssh_url="git@forge.test:acme/widgets.git",
)
ALICE = Actor(id=7, username="alice", name="Alice Liddell", email="alice@example.com")


def commits_of(body: object) -> list[Commit]:
    if isinstance(body, RefBody):
        return list(body.commits)
    if isinstance(body, NoteBody) and body.commit is not None:
        return [body.commit]
    return []


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_kind_has_a_sample_that_survives_the_native_api_json(kind: EventKind) -> None:
    body = sample_body(kind, PROJECT, ALICE, NOW)
    assert isinstance(body, BODY_TYPES[kind.family])
    assert from_jsonable(BODY_TYPES[kind.family], json.loads(json.dumps(to_jsonable(body)))) == body


@pytest.mark.parametrize("kind", list(EventKind))
def test_samples_use_the_project_and_the_user(kind: EventKind) -> None:
    event = sample_event(kind, PROJECT, ALICE, NOW)
    assert event.actor == ALICE and event.project == PROJECT and event.occurred_at == NOW
    for commit in commits_of(event.body):
        assert (commit.author_name, commit.author_email) == ("Alice Liddell", "alice@example.com")
        assert commit.url == f"https://forge.test/acme/widgets/commit/{commit.id}"
        assert len(commit.id) == 40 and int(commit.id, 16) >= 0
        assert commit.title == commit.message.split("\n", 1)[0]


def test_ref_samples_look_like_real_pushes() -> None:
    push = sample_body(EventKind.PUSH, PROJECT, ALICE, NOW)
    assert isinstance(push, RefBody) and push.ref == "refs/heads/main"
    assert push.after == push.commits[-1].id == push.checkout_sha and push.before != push.after
    assert push.total_commits_count == len(push.commits) == 1
    assert push.commits[0].added and push.commits[0].modified
    created = sample_body(EventKind.TAG_CREATE, PROJECT, ALICE, NOW)
    assert isinstance(created, RefBody) and created.before == "0" * 40 and created.message
    deleted = sample_body(EventKind.BRANCH_DELETE, PROJECT, ALICE, NOW)
    assert isinstance(deleted, RefBody) and deleted.after == "0" * 40 and not deleted.commits


def test_samples_differ_between_projects_but_are_stable_for_one() -> None:
    other = ProjectSnapshot(id=2, hex_id="b" * 32, uuid="other-uuid", path="acme/other", name="other")
    first = sample_body(EventKind.PUSH, PROJECT, ALICE, NOW)
    again = sample_body(EventKind.PUSH, PROJECT, ALICE, NOW)
    elsewhere = sample_body(EventKind.PUSH, other, ALICE, NOW)
    assert isinstance(first, RefBody) and isinstance(again, RefBody) and isinstance(elsewhere, RefBody)
    assert first.after == again.after != elsewhere.after


def test_pipeline_samples_carry_their_status() -> None:
    statuses = {
        kind: sample_body(kind, PROJECT, ALICE, NOW)
        for kind in EventKind
        if kind.name.startswith("PIPELINE_")
    }
    seen = {k: b.status for k, b in statuses.items() if isinstance(b, PipelineBody)}
    assert seen == {
        EventKind.PIPELINE_NEW: "pending",
        EventKind.PIPELINE_RUNNING: "running",
        EventKind.PIPELINE_SUCCESS: "success",
        EventKind.PIPELINE_FAILED: "failed",
        EventKind.PIPELINE_CANCELED: "canceled",
    }


async def test_every_face_renders_every_sample_as_json(tmp_path: object) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    runtime = build_runtime(settings)
    try:
        for dialect, wire in runtime.wires.items():
            for kind in EventKind:
                rendered = wire.render(sample_event(kind, PROJECT, ALICE, NOW))
                assert rendered, (dialect, kind)
                json.loads(rendered)
    finally:
        await runtime.close()
