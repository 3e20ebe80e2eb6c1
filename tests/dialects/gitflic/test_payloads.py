"""GitFlic delivery bodies (docs.gitflic.ru «Вебхуки», cited in docs/dialects/gitflic.md) and
the seed 002 hook's `secret`: common fields on every event, one entity object per event,
and the `Gitflic-Webhook-Secret` header."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from forgehooks.core.events import Actor, EventKind, ProjectSnapshot
from forgehooks.core.hooks import Hook, SecretScheme
from forgehooks.core.samples import sample_event
from forgehooks.core.signing import hmac_sha256_hex
from forgehooks.core.wire import Envelope
from forgehooks.dialects.gitflic.mapping import ACTIONS
from forgehooks.dialects.gitflic.wire import GitflicWire
from tests.dialects.gitflic.seed_examples import UTC_MICROS

NOW = datetime(2024, 3, 19, 9, 56, 16, 376885, tzinfo=UTC)
PROJECT = ProjectSnapshot(
    id=7,
    hex_id="0" * 32,
    uuid="c94aedd2-aaaa-aaaa-aaaa-67fbf1112a82",
    path="acme/widgets",
    name="widgets",
    visibility="private",
    git_http_url="https://forge.example/acme/widgets.git",
    git_ssh_url="git@forge.example:acme/widgets.git",
)
ACTOR = Actor(id=3, username="alice", name="Alice", email="alice@example.com")

#: The object(s) each family's body carries besides the common fields.
ENTITY_KEYS = {
    "ref": {"push"},
    "merge_request": {"merge_request", "author"},
    "issue": {"issue"},
    "pipeline": {"pipeline"},
    "collaborator": {"collaborator", "author"},
    "system": set(),  # WEBHOOK_SEND goes out as TEST_WEBHOOK: the common fields only
}


def rendered(kind: EventKind) -> dict[str, object]:
    body: dict[str, object] = json.loads(GitflicWire().render(sample_event(kind, PROJECT, ACTOR, NOW)))
    return body


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_kind_has_the_common_fields_and_its_action(kind: EventKind) -> None:
    body = rendered(kind)
    assert body["action"] == ACTIONS[kind]
    assert body["project_id"] == PROJECT.uuid
    assert body["project"] == {
        "project_id": PROJECT.uuid,
        "title": "widgets",
        "alias": "widgets",
        "owner_alias": "acme",
        "owner_type": "USER",
        "http_transport_url": "https://forge.example/acme/widgets.git",
        "ssh_transport_url": "git@forge.example:acme/widgets.git",
        "language": None,
        "private": True,
    }
    family = kind.family.value
    expected = ENTITY_KEYS.get(family)
    if expected is not None:
        assert set(body) - {"action", "project_id", "project"} == expected


def test_branch_update_carries_push_ref_as_receivers_read_it() -> None:
    body = rendered(EventKind.PUSH)
    push = body["push"]
    assert isinstance(push, dict)
    assert body["action"] == "BRANCH_UPDATE"
    assert push["ref"].startswith("refs/heads/")
    assert push["user_alias"] == "alice" and push["user_id"] == "3"
    assert push["commits"] and UTC_MICROS.match(push["commits"][0]["timestamp"])


def test_issue_object_has_the_documented_fields() -> None:
    issue = rendered(EventKind.ISSUE_OPEN)["issue"]
    assert isinstance(issue, dict)
    assert list(issue)[:5] == ["id", "user_id", "user_alias", "title", "description"]
    assert isinstance(issue["id"], str) and isinstance(issue["user_id"], str)
    assert UTC_MICROS.match(issue["created_at"])


def test_comments_name_their_target() -> None:
    assert {"note", "issue"} <= set(rendered(EventKind.NOTE_ISSUE))
    assert {"discussion", "merge_request"} <= set(rendered(EventKind.NOTE_MERGE_REQUEST))
    assert {"discussion", "merge_request"} <= set(rendered(EventKind.DISCUSSION_CREATE))
    assert rendered(EventKind.NOTE_COMMIT)["action"] == "DISCUSSION_CREATE"
    assert rendered(EventKind.NOTE_MERGE_REQUEST)["action"] == "DISCUSSION_CREATE"


def test_the_webhook_check_is_test_webhook_with_the_common_fields_only() -> None:
    body = rendered(EventKind.WEBHOOK_SEND)
    assert body["action"] == "TEST_WEBHOOK"
    assert set(body) == {"action", "project_id", "project"}


def test_pipeline_and_merge_request_statuses_are_upper_case() -> None:
    assert rendered(EventKind.PIPELINE_FAILED)["pipeline"]["status"] == "FAILED"  # type: ignore[index]
    assert rendered(EventKind.MERGE_REQUEST_MERGE)["merge_request"]["status"] == "MERGED"  # type: ignore[index]


def hook(secret: str, scheme: SecretScheme) -> Hook:
    return Hook(
        id=1,
        uuid="28209e4d-aaaa-aaaa-aaaa-5ef23f559530",
        project_id=7,
        dialect="gitflic",
        created_at=NOW,
        updated_at=NOW,
        url="https://example.com/hook",
        secret=secret,
        secret_scheme=scheme,
    )


ENVELOPE = Envelope(delivery_id="d-1", event_id="e-1", event_kind="push", timestamp=1710842176)


def test_the_secret_is_sent_verbatim_in_gitflic_webhook_secret() -> None:
    request = GitflicWire().request(hook("SOME SECRET CODE", SecretScheme.TOKEN), ENVELOPE, b"{}")
    assert request.url == "https://example.com/hook"
    assert request.headers["Gitflic-Webhook-Secret"] == "SOME SECRET CODE"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Forgehooks-Delivery"] == "d-1"
    assert not any("event" in k.lower() and "forgehooks" not in k.lower() for k in request.headers)


def test_no_secret_means_no_secret_header() -> None:
    request = GitflicWire().request(hook("", SecretScheme.TOKEN), ENVELOPE, b"{}")
    assert "Gitflic-Webhook-Secret" not in request.headers


def test_a_signing_key_set_elsewhere_signs_instead_of_leaking() -> None:
    request = GitflicWire().request(hook("k3y", SecretScheme.SIGNATURE), ENVELOPE, b'{"a":1}')
    assert "Gitflic-Webhook-Secret" not in request.headers
    assert request.headers["X-Forgehooks-Signature"] == "sha256=" + hmac_sha256_hex("k3y", b'{"a":1}')
