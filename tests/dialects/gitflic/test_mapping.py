"""Seed 002 (GitFlic «Вебхуки», «Описание структуры JSON-объекта, описывающего события вебхука»):
the 24 event flags and their canonical kinds, in both directions."""

from __future__ import annotations

import itertools

import pytest

from forgehooks.core.events import EventKind
from forgehooks.dialects.gitflic.mapping import (
    ACTIONS,
    DELIVERED_ACTIONS,
    EVENT_FLAGS,
    events_with,
    flags_of,
)
from forgehooks.dialects.gitflic.schemas import WebhookEvents, WebhookEventsIn
from tests.dialects.gitflic.seed_examples import FLAGS


def test_the_table_has_exactly_the_seeds_24_flags() -> None:
    assert sorted(EVENT_FLAGS) == FLAGS
    assert len(EVENT_FLAGS) == 24
    assert sorted(WebhookEvents.model_fields) == FLAGS
    assert sorted(WebhookEventsIn.model_fields) == FLAGS


def test_each_flag_owns_a_disjoint_non_empty_set_of_kinds() -> None:
    assert all(EVENT_FLAGS.values())
    for (a, kinds_a), (b, kinds_b) in itertools.combinations(EVENT_FLAGS.items(), 2):
        assert not kinds_a & kinds_b, (a, b)


def test_every_canonical_kind_has_an_action_from_gitflics_list() -> None:
    assert set(ACTIONS) == set(EventKind)
    assert set(ACTIONS.values()) <= DELIVERED_ACTIONS
    # the three subscribable flags GitFlic never delivers under their own name
    assert {"DISCUSSION_COMMENT_CREATE", "PUSH", "WEBHOOK_SEND"}.isdisjoint(ACTIONS.values())
    assert "TEST_WEBHOOK" in ACTIONS.values()


@pytest.mark.parametrize("flag", sorted(EVENT_FLAGS))
def test_every_flag_survives_a_round_trip_alone(flag: str) -> None:
    events = events_with(frozenset(), {flag: True})
    assert [f for f, on in flags_of(events).items() if on] == [flag]
    assert events_with(events, {flag: False}) == frozenset()


def test_pushes_are_branch_updates_and_moved_tags_are_push() -> None:
    assert flags_of(frozenset({EventKind.PUSH}))["BRANCH_UPDATE"] is True
    assert flags_of(frozenset({EventKind.PUSH}))["PUSH"] is False
    assert ACTIONS[EventKind.PUSH] == "BRANCH_UPDATE"
    assert ACTIONS[EventKind.TAG_PUSH] == "TAG_CREATE"  # subscribed through PUSH, sent as a listed action


def test_writing_flags_keeps_kinds_this_face_cannot_name() -> None:
    current = frozenset({EventKind.NOTE_COMMIT, EventKind.ISSUE_CLOSE})
    assert events_with(current, {"ISSUE_UPDATE": False}) == {EventKind.NOTE_COMMIT}
    assert EventKind.NOTE_COMMIT in events_with(current, dict.fromkeys(EVENT_FLAGS, True))


def test_a_flag_reads_true_when_any_of_its_kinds_is_wanted() -> None:
    assert flags_of(frozenset({EventKind.PIPELINE_CANCELED}))["PIPELINE_FAIL"] is True
    assert flags_of(frozenset({EventKind.MERGE_REQUEST_REOPEN}))["MERGE_REQUEST_UPDATE"] is True
