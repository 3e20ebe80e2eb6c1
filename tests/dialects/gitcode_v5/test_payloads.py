"""GitCode's webhook-stepup event pages (tag push, note) behind seed 003's five event flags:
the keys GitCode documents with the types and values it documents."""

from __future__ import annotations

import json
from dataclasses import replace

from forgehooks.core.events import Event, EventKind, RefBody
from forgehooks.core.samples import sample_event, sample_sha
from forgehooks.dialects.gitcode_v5 import payloads
from tests.dialects.snapshots import ACTOR, NOW, PROJECT

TAG_OBJECT = "7" * 40


def body_of(event: Event) -> dict[str, object]:
    parsed: dict[str, object] = json.loads(payloads.render(event))
    return parsed


def annotated_tag() -> Event:
    """A tag whose ref points at a tag object; `checkout_sha` is the commit it tags."""
    event = sample_event(EventKind.TAG_CREATE, PROJECT, ACTOR, NOW)
    assert isinstance(event.body, RefBody)
    return replace(event, body=replace(event.body, after=TAG_OBJECT))


def test_a_commit_comments_noteable_id_is_null_not_the_sha() -> None:
    attributes = body_of(sample_event(EventKind.NOTE_COMMIT, PROJECT, ACTOR, NOW))["object_attributes"]
    assert isinstance(attributes, dict)
    assert attributes["noteable_type"] == "Commit"
    assert attributes["noteable_id"] is None
    assert attributes["commit_id"] == sample_sha(PROJECT, "after")


def test_an_annotated_tags_build_keys_name_the_tagged_commit() -> None:
    body = body_of(annotated_tag())
    tagged = sample_sha(PROJECT, "after")
    assert body["after"] == TAG_OBJECT
    assert body["checkout_sha"] == tagged
    assert body["git_commit_no"] == tagged


def test_tag_pushes_carry_base_ref_and_every_push_an_empty_push_options_list() -> None:
    tag = body_of(sample_event(EventKind.TAG_CREATE, PROJECT, ACTOR, NOW))
    push = body_of(sample_event(EventKind.PUSH, PROJECT, ACTOR, NOW))
    assert "base_ref" in tag and tag["base_ref"] is None
    assert "base_ref" not in push
    assert tag["push_options"] == [] and push["push_options"] == []


def test_an_event_published_without_times_is_stamped_with_its_publish_time() -> None:
    event = sample_event(EventKind.MERGE_REQUEST_OPEN, PROJECT, ACTOR, NOW)
    mr = event.body.merge_request  # type: ignore[union-attr]
    bare = replace(mr, created_at=None, updated_at=None, last_commit=replace(mr.last_commit, timestamp=None))
    body = body_of(replace(event, body=replace(event.body, merge_request=bare)))  # type: ignore[type-var]
    attributes = body["object_attributes"]
    assert isinstance(attributes, dict)
    assert attributes["created_at"] == attributes["updated_at"] == "2024-05-06T15:08:09+08:00"
    assert attributes["last_commit"]["timestamp"] == "2024-05-06T07:08:09Z"
