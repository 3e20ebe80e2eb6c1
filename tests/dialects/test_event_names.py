"""Each face names an event kind as its platform does, and the name shown is the one it sends:
the event header of the GitLab-shaped faces, the body's `action` on GitFlic."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from forgehooks.core.events import Actor, EventKind, ProjectSnapshot
from forgehooks.core.hooks import Hook
from forgehooks.core.samples import sample_event
from forgehooks.core.wire import CanonicalWire, Envelope, WireFormat
from forgehooks.dialects.wires import load_wires

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
PROJECT = ProjectSnapshot(
    id=7,
    hex_id="0" * 32,
    uuid="c94aedd2-0000-0000-0000-67fbf1112a82",
    path="acme/widgets",
    name="widgets",
    visibility="private",
    git_http_url="https://forge.example/acme/widgets.git",
    git_ssh_url="git@forge.example:acme/widgets.git",
)
ACTOR = Actor(id=3, username="alice", name="Alice", email="alice@example.com")
WIRES: dict[str, WireFormat] = {w.dialect: w for w in [*load_wires(), CanonicalWire()]}
#: Where each face carries the event's name.
EVENT_HEADERS = {
    "forgehooks": "X-Forgehooks-Event",
    "gitcode_v4": "X-GitCode-Event",
    "gitcode_v5": "X-GitCode-Event",
    "codeup_v3": "Codeup-Event",
    "codearts_v4": "X-Codehub-Event",
}


def _hook(dialect: str) -> Hook:
    return Hook(
        id=1,
        uuid="u",
        project_id=7,
        dialect=dialect,
        created_at=NOW,
        updated_at=NOW,
        url="https://e.example/h",
    )


@pytest.mark.parametrize("kind", list(EventKind))
@pytest.mark.parametrize("dialect", sorted(WIRES))
def test_the_name_shown_is_the_name_sent(dialect: str, kind: EventKind) -> None:
    wire = WIRES[dialect]
    event = sample_event(kind, PROJECT, ACTOR, NOW)
    body = wire.render(event)
    if dialect == "gitflic":
        assert wire.event_name(kind) == json.loads(body)["action"]
        return
    envelope = Envelope(delivery_id="d", event_id=event.id, event_kind=kind.value, timestamp=0)
    assert (
        wire.event_name(kind) == wire.request(_hook(dialect), envelope, body).headers[EVENT_HEADERS[dialect]]
    )


def test_names_in_each_vocabulary_and_an_unknown_kind_kept() -> None:
    assert WIRES["gitcode_v4"].event_name("push") == "Push Hook"
    assert WIRES["gitcode_v4"].event_name("tag_create") == "Tag Push Hook"
    assert WIRES["codeup_v3"].event_name("merge_request_open") == "Merge Request Hook"
    assert WIRES["gitflic"].event_name("merge_request_open") != "merge_request_open"
    assert WIRES["forgehooks"].event_name("push") == "push"
    for wire in WIRES.values():
        assert wire.event_name("retired_kind")  # a kind the log keeps from an older version
