"""The stored canonical event: orjson's text of the dataclasses is exactly to_jsonable's."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest

from forgehooks.core.codec import from_jsonable, to_jsonable
from forgehooks.core.events import Actor, Event, EventKind, ProjectSnapshot, RefBody
from forgehooks.core.samples import sample_event
from forgehooks.store.driver import json_text
from forgehooks.store.events import event_json

PROJECT = ProjectSnapshot(id=3, hex_id="a" * 32, uuid="u-u-i-d", path="acme/widgets", name="widgets")
ALICE = Actor(id=7, username="alice", name="Alice", email="alice@example.com")


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_kind_is_stored_as_to_jsonable_writes_it(kind: EventKind) -> None:
    event = sample_event(kind, PROJECT, ALICE, datetime(2026, 12, 6, 10, 0, 0, 123456, tzinfo=UTC))
    assert event_json(event) == json_text(to_jsonable(event))


def test_times_in_other_zones_are_stored_in_utc() -> None:
    event = sample_event(EventKind.PUSH, PROJECT, ALICE, datetime(2026, 12, 6, 10, 0, tzinfo=UTC))
    assert isinstance(event.body, RefBody)
    shanghai = timezone(timedelta(hours=8))
    commits = tuple(
        dataclasses.replace(c, timestamp=datetime(2026, 12, 6, 18, 0, tzinfo=shanghai))
        for c in event.body.commits
    )
    moved = dataclasses.replace(event, body=dataclasses.replace(event.body, commits=commits))
    text = event_json(moved)
    assert text == json_text(to_jsonable(moved))
    assert '"2026-12-06T10:00:00Z"' in text
    assert from_jsonable(Event, to_jsonable(moved)).body == moved.body
