"""Every face's deliveries run through real receiver code: the request each face's wire and the
engine's `prepare` build for every event kind goes to gidgetlab (GitLab's headers and token), a
strict pydantic model of GitLab's documented webhook bodies (pydantic-gitlab-webhooks), and the
Standard Webhooks verifier; the GitLab-shaped bodies are compared key by key with the keys
GitCode's event pages document (/work/shared/reference/platform-wire-formats.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from gidgetlab.exceptions import ValidationFailure
from gidgetlab.sansio import Event as GitLabEvent
from pydantic_gitlab_webhooks import validate_event_header_and_body_dict
from standardwebhooks.webhooks import Webhook

from forgehooks.core.events import EventFamily, EventKind
from forgehooks.core.hooks import Hook, SecretScheme
from forgehooks.core.samples import sample_event
from forgehooks.core.wire import WireFormat
from forgehooks.dialects.codearts_v4.wire import CodeArtsWire
from forgehooks.dialects.codeup_v3.wire import CodeupWire
from forgehooks.dialects.gitcode_v4.wire import GitCodeV4Wire
from forgehooks.dialects.gitcode_v5.wire import GitCodeV5Wire
from forgehooks.dialects.gitflic.wire import GitflicWire
from forgehooks.engine.attempts import prepare
from forgehooks.store.queue import Claimed
from tests.dialects.snapshots import ACTOR, NOW, PROJECT

TOKEN = "t0ken-for-receivers"
SIGNING_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

#: Each GitLab-shaped face and the header its event name travels in.
GITLAB_SHAPED: dict[str, tuple[WireFormat, str]] = {
    "gitcode_v4": (GitCodeV4Wire(), "X-GitCode-Event"),
    "gitcode_v5": (GitCodeV5Wire(), "X-GitCode-Event"),
    "codearts_v4": (CodeArtsWire(), "X-Codehub-Event"),
    "codeup_v3": (CodeupWire(), "Codeup-Event"),
}
ALL_WIRES: list[WireFormat] = [wire for wire, _ in GITLAB_SHAPED.values()] + [GitflicWire()]

#: Kinds GitLab's model covers: membership and system events are GitLab system hooks, not project hooks.
PROJECT_HOOK_KINDS = [k for k in EventKind if k.family not in (EventFamily.COLLABORATOR, EventFamily.SYSTEM)]


def strict_model_cases() -> Iterator[tuple[str, EventKind]]:
    """Every face and kind the strict model must accept.

    Left out: deletes, whose `checkout_sha` is null as GitLab sends it (the model wants a
    string there), and Codeup's pushes, which follow Codeup's own documented example.
    """
    for face in GITLAB_SHAPED:
        for kind in PROJECT_HOOK_KINDS:
            if kind in (EventKind.BRANCH_DELETE, EventKind.TAG_DELETE):
                continue
            if face == "codeup_v3" and kind.family is EventFamily.REF:
                continue
            yield face, kind


def hook(dialect: str, **fields: object) -> Hook:
    base = Hook(
        id=1,
        uuid="0190c0de-0000-7000-8000-0000000000aa",
        project_id=PROJECT.id,
        dialect=dialect,
        url="https://receiver.example/hook",
        created_at=NOW,
        updated_at=NOW,
        secret=TOKEN,
        secret_scheme=SecretScheme.TOKEN,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def captured(wire: WireFormat, hook: Hook, kind: EventKind) -> tuple[dict[str, str], bytes]:
    """The headers and body of the request the engine would send for a sample `kind`."""
    event = sample_event(kind, PROJECT, ACTOR, NOW)
    body = wire.render(event)
    claimed = Claimed(
        id="0190c0de-0000-7000-8000-0000000000d1",
        hook_id=hook.id,
        event_id=event.id,
        event_kind=kind.value,
        dialect=wire.dialect,
        attempt_count=0,
        lease_token="lease",
        body=body,
    )
    prepared = prepare(wire, hook, claimed)  # stamped now: Standard Webhooks refuses old timestamps
    return prepared.headers, body


def lowered(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


@pytest.mark.parametrize(("face", "kind"), list(strict_model_cases()))
def test_the_strict_gitlab_model_accepts_every_gitlab_shaped_body(face: str, kind: EventKind) -> None:
    wire, event_header = GITLAB_SHAPED[face]
    headers, body = captured(wire, hook(face), kind)
    parsed = validate_event_header_and_body_dict(headers[event_header], json.loads(body))
    assert type(parsed).__name__.endswith("Event")


@pytest.mark.parametrize("mode", ["gitlab", "both"])
@pytest.mark.parametrize("kind", list(EventKind))
def test_gidgetlab_accepts_gitcode_v4_in_gitlab_header_mode(mode: str, kind: EventKind) -> None:
    headers, body = captured(GitCodeV4Wire(), hook("gitcode_v4", extras={"header_mode": mode}), kind)
    event = GitLabEvent.from_http(lowered(headers), body, secret=TOKEN)
    assert event.event == headers["X-Gitlab-Event"]
    assert event.data == json.loads(body)
    assert ("X-GitCode-Event" in headers) is (mode == "both")


def test_gidgetlab_refuses_gitcode_v4_in_its_default_gitcode_mode() -> None:
    headers, body = captured(GitCodeV4Wire(), hook("gitcode_v4"), EventKind.PUSH)
    assert headers["X-GitCode-Token"] == TOKEN and "X-Gitlab-Token" not in headers
    with pytest.raises(ValidationFailure):
        GitLabEvent.from_http(lowered(headers), body, secret=TOKEN)


@pytest.mark.parametrize("kind", [EventKind.PUSH, EventKind.MERGE_REQUEST_OPEN, EventKind.NOTE_ISSUE])
def test_gidgetlab_accepts_codearts_with_the_gitlab_token_type(kind: EventKind) -> None:
    codearts = hook("codearts_v4", extras={"token_type": "X-Gitlab-Token"})
    headers, body = captured(CodeArtsWire(), codearts, kind)
    assert GitLabEvent.from_http(lowered(headers), body, secret=TOKEN).event == headers["X-Codehub-Event"]


def test_gidgetlab_refuses_a_wrong_token() -> None:
    headers, body = captured(
        GitCodeV4Wire(), hook("gitcode_v4", extras={"header_mode": "gitlab"}), EventKind.PUSH
    )
    with pytest.raises(ValidationFailure):
        GitLabEvent.from_http(lowered(headers), body, secret="another")


@pytest.mark.parametrize("wire", ALL_WIRES, ids=lambda w: w.dialect)
@pytest.mark.parametrize("kind", [EventKind.PUSH, EventKind.MERGE_REQUEST_UPDATE, EventKind.PIPELINE_FAILED])
def test_standard_webhooks_verifies_every_faces_request(wire: WireFormat, kind: EventKind) -> None:
    signed = hook(
        wire.dialect, secret=SIGNING_SECRET, secret_scheme=SecretScheme.SIGNATURE, standard_webhooks=True
    )
    headers, body = captured(wire, signed, kind)
    verified = Webhook(SIGNING_SECRET).verify(body, lowered(headers))
    assert verified == json.loads(body)


#: Keys GitCode's event pages document, by object (reference: "Events and payloads").
GITCODE_DOCUMENTED: dict[EventKind, dict[str, set[str]]] = {
    EventKind.PUSH: {
        "": {
            "object_kind",
            "event_name",
            "before",
            "after",
            "ref",
            "checkout_sha",
            "message",
            "user_id",
            "user_name",
            "user_username",
            "user_email",
            "user_avatar",
            "project_id",
            "project",
            "commits",
            "total_commits_count",
            "repository",
        },
        "project": {
            "id",
            "name",
            "description",
            "web_url",
            "avatar_url",
            "git_ssh_url",
            "git_http_url",
            "namespace",
            "visibility_level",
            "path_with_namespace",
            "default_branch",
            "homepage",
            "url",
            "ssh_url",
            "http_url",
        },
        "commits.0": {"id", "message", "timestamp", "url", "author", "added", "removed", "modified"},
    },
    EventKind.TAG_CREATE: {
        "": {
            "object_kind",
            "event_name",
            "ref",
            "base_ref",
            "push_options",
            "repository",
            "manual_build",
            "uuid",
        },
        "repository": {"name", "url", "homepage", "git_http_url", "git_ssh_url", "visibility_level"},
    },
    EventKind.MERGE_REQUEST_OPEN: {
        "": {
            "produce_random_id",
            "event_type",
            "object_kind",
            "git_branch",
            "git_commit_no",
            "git_target_branch_commit_no",
            "manual_build",
            "virtual_merge_build",
            "uuid",
            "labels",
            "issues",
            "object_attributes",
            "user",
            "project",
        },
        "object_attributes": {
            "id",
            "iid",
            "title",
            "description",
            "state",
            "action",
            "created_at",
            "updated_at",
            "work_in_progress",
            "merge_status",
            "merge_when_pipeline_succeeds",
            "source_branch",
            "target_branch",
            "source_project_id",
            "target_project_id",
            "author_id",
            "url",
            "need_review",
            "need_test",
            "conflict",
            "total_time_spent",
            "last_commit",
        },
    },
    EventKind.ISSUE_OPEN: {
        "": {"produce_random_id", "event_type", "object_kind", "object_attributes", "project"},
        "object_attributes": {
            "id",
            "iid",
            "project_id",
            "title",
            "description",
            "state",
            "action",
            "created_at",
            "updated_at",
            "confidential",
            "url",
            "time_estimate",
            "total_time_spent",
            "human_time_estimate",
            "human_total_time_spent",
            "assignee_ids",
            "author",
        },
        "object_attributes.author": {"id", "name", "username", "email", "avatar_url", "web_url"},
    },
    EventKind.NOTE_MERGE_REQUEST: {
        "": {
            "object_kind",
            "event_type",
            "user",
            "project_id",
            "project",
            "object_attributes",
            "merge_request",
        },
        "user": {"id", "name", "username", "avatar_url", "email"},
        "object_attributes": {
            "id",
            "note",
            "noteable_type",
            "noteable_id",
            "author_id",
            "discussion_id",
            "type",
            "system",
            "position",
            "original_position",
            "change_position",
            "project_id",
            "created_at",
            "updated_at",
            "description",
            "url",
        },
    },
}


def at(payload: dict[str, object], path: str) -> dict[str, object]:
    node: object = payload
    for part in filter(None, path.split(".")):
        node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
    assert isinstance(node, dict), path
    return node


@pytest.mark.parametrize("kind", list(GITCODE_DOCUMENTED))
def test_gitcode_v5_bodies_carry_every_key_gitcodes_pages_document(kind: EventKind) -> None:
    payload = json.loads(GitCodeV5Wire().render(sample_event(kind, PROJECT, ACTOR, NOW)))
    for path, keys in GITCODE_DOCUMENTED[kind].items():
        assert keys <= set(at(payload, path)), (path, sorted(keys - set(at(payload, path))))


@pytest.mark.parametrize("kind", [EventKind.PUSH, EventKind.MERGE_REQUEST_OPEN, EventKind.NOTE_MERGE_REQUEST])
def test_gitcode_v4_bodies_carry_the_documented_push_merge_request_and_note_keys(kind: EventKind) -> None:
    payload = json.loads(GitCodeV4Wire().render(sample_event(kind, PROJECT, ACTOR, NOW)))
    gitcode_only = {
        "produce_random_id",
        "git_target_branch_commit_no",
        "virtual_merge_build",
        "issues",
        "need_review",
        "need_test",
        "conflict",
        "position",
        "original_position",
        "change_position",
    }
    for path, keys in GITCODE_DOCUMENTED[kind].items():
        missing = keys - gitcode_only - set(at(payload, path))
        assert not missing, (path, sorted(missing))


#: Keys of GitLab's documented example bodies (GitLab's webhook events page, as receivers'
#: test fixtures carry them), by object; forgehooks' GitLab-shaped bodies must carry each.
GITLAB_EXAMPLE_KEYS: dict[EventKind, dict[str, set[str]]] = {
    EventKind.MERGE_REQUEST_OPEN: {
        "": {
            "object_kind",
            "event_type",
            "user",
            "project",
            "repository",
            "object_attributes",
            "labels",
            "changes",
            "assignees",
            "reviewers",
        },
        "user": {"id", "name", "username", "avatar_url", "email"},
        "object_attributes": {
            "id",
            "iid",
            "target_branch",
            "source_branch",
            "source_project_id",
            "author_id",
            "assignee_ids",
            "assignee_id",
            "reviewer_ids",
            "title",
            "created_at",
            "updated_at",
            "last_edited_at",
            "last_edited_by_id",
            "milestone_id",
            "state_id",
            "state",
            "blocking_discussions_resolved",
            "work_in_progress",
            "draft",
            "first_contribution",
            "merge_status",
            "target_project_id",
            "description",
            "total_time_spent",
            "time_change",
            "human_total_time_spent",
            "human_time_change",
            "human_time_estimate",
            "url",
            "source",
            "target",
            "last_commit",
            "labels",
            "action",
            "detailed_merge_status",
        },
        "object_attributes.labels.0": {
            "id",
            "title",
            "color",
            "project_id",
            "created_at",
            "updated_at",
            "template",
            "description",
            "type",
            "group_id",
        },
        "object_attributes.last_commit": {"id", "message", "title", "timestamp", "url", "author"},
        "assignees.0": {"id", "name", "username", "avatar_url"},
        "reviewers.0": {"id", "name", "username", "avatar_url"},
    },
    EventKind.MERGE_REQUEST_UPDATE: {"changes.title": {"previous", "current"}},
    EventKind.ISSUE_OPEN: {
        "": {"object_kind", "user", "project", "repository", "object_attributes", "assignee"},
        "object_attributes": {
            "id",
            "title",
            "assignee_id",
            "author_id",
            "project_id",
            "created_at",
            "updated_at",
            "description",
            "milestone_id",
            "state",
            "iid",
            "url",
            "action",
        },
    },
    EventKind.NOTE_COMMIT: {
        "": {"object_kind", "user", "project_id", "project", "repository", "object_attributes", "commit"},
        "object_attributes": {
            "id",
            "note",
            "noteable_type",
            "author_id",
            "created_at",
            "updated_at",
            "project_id",
            "attachment",
            "line_code",
            "commit_id",
            "noteable_id",
            "system",
            "st_diff",
            "url",
        },
        "commit": {"id", "message", "timestamp", "url", "author"},
    },
    EventKind.PIPELINE_SUCCESS: {
        "": {"object_kind", "object_attributes", "user", "project", "commit", "builds"},
        "object_attributes": {
            "id",
            "ref",
            "tag",
            "sha",
            "before_sha",
            "status",
            "stages",
            "created_at",
            "finished_at",
            "duration",
        },
        "commit": {"id", "message", "timestamp", "url", "author"},
        "builds.0": {
            "id",
            "stage",
            "name",
            "status",
            "created_at",
            "started_at",
            "finished_at",
            "when",
            "manual",
            "user",
            "runner",
            "artifacts_file",
        },
    },
}


@pytest.mark.parametrize("face", list(GITLAB_SHAPED))
@pytest.mark.parametrize("kind", list(GITLAB_EXAMPLE_KEYS))
def test_gitlab_shaped_bodies_carry_every_key_of_gitlabs_examples(face: str, kind: EventKind) -> None:
    wire, _ = GITLAB_SHAPED[face]
    payload = json.loads(wire.render(sample_event(kind, PROJECT, ACTOR, NOW)))
    for path, keys in GITLAB_EXAMPLE_KEYS[kind].items():
        assert keys <= set(at(payload, path)), (path, sorted(keys - set(at(payload, path))))
