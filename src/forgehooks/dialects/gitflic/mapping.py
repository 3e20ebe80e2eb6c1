"""The one table between GitFlic's 24 webhook event flags and core's EventKind, both ways.

Each flag owns a disjoint, non-empty set of canonical kinds, so every flag survives a
round trip; the flag's name is also the `action` its kinds are delivered under.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from forgehooks.core.events import EventKind
from forgehooks.core.hooks import HookSpec, SecretScheme

DIALECT = "gitflic"

#: Each GitFlic flag (in the seed's table order) and the canonical kinds it stands for.
EVENT_FLAGS: dict[str, frozenset[EventKind]] = {
    "COLLABORATOR_ADD": frozenset({EventKind.COLLABORATOR_ADD}),
    "COLLABORATOR_DELETE": frozenset({EventKind.COLLABORATOR_REMOVE}),
    "COLLABORATOR_UPDATE": frozenset({EventKind.COLLABORATOR_UPDATE}),
    "ISSUE_UPDATE": frozenset({EventKind.ISSUE_UPDATE, EventKind.ISSUE_CLOSE, EventKind.ISSUE_REOPEN}),
    "ISSUE_CREATE": frozenset({EventKind.ISSUE_OPEN}),
    "NEW_ISSUE_NOTE": frozenset({EventKind.NOTE_ISSUE}),
    "TAG_DELETE": frozenset({EventKind.TAG_DELETE}),
    "TAG_CREATE": frozenset({EventKind.TAG_CREATE}),
    # GitFlic delivers an ordinary push as BRANCH_UPDATE (receivers read push.ref there).
    "BRANCH_UPDATE": frozenset({EventKind.PUSH}),
    "BRANCH_DELETE": frozenset({EventKind.BRANCH_DELETE}),
    "BRANCH_CREATE": frozenset({EventKind.BRANCH_CREATE}),
    "MERGE_REQUEST_CREATE": frozenset({EventKind.MERGE_REQUEST_OPEN}),
    "MERGE_REQUEST_UPDATE": frozenset({EventKind.MERGE_REQUEST_UPDATE, EventKind.MERGE_REQUEST_REOPEN}),
    "MERGE": frozenset({EventKind.MERGE_REQUEST_MERGE}),
    "MERGE_REQUEST_CLOSE": frozenset({EventKind.MERGE_REQUEST_CLOSE}),
    "MERGE_REQUEST_CANCEL": frozenset({EventKind.MERGE_REQUEST_CANCEL}),
    "MERGE_REQUEST_ACCEPT": frozenset({EventKind.MERGE_REQUEST_APPROVE}),
    "DISCUSSION_CREATE": frozenset({EventKind.DISCUSSION_CREATE}),
    "DISCUSSION_COMMENT_CREATE": frozenset({EventKind.NOTE_MERGE_REQUEST}),
    # "Push in project": the one push no other flag covers, a tag moved to another commit.
    "PUSH": frozenset({EventKind.TAG_PUSH}),
    "PIPELINE_NEW": frozenset({EventKind.PIPELINE_NEW, EventKind.PIPELINE_RUNNING}),
    "PIPELINE_SUCCESS": frozenset({EventKind.PIPELINE_SUCCESS}),
    "PIPELINE_FAIL": frozenset({EventKind.PIPELINE_FAILED, EventKind.PIPELINE_CANCELED}),
    "WEBHOOK_SEND": frozenset({EventKind.WEBHOOK_SEND}),
}

TEST_ACTION = "TEST_WEBHOOK"

#: The `action` values GitFlic's webhook page lists: every delivery carries one of these.
DELIVERED_ACTIONS: frozenset[str] = frozenset(
    {
        TEST_ACTION,
        *(flag for flag in EVENT_FLAGS if flag not in ("DISCUSSION_COMMENT_CREATE", "PUSH", "WEBHOOK_SEND")),
    }
)

#: Kinds whose flag is not itself a delivered action, and the listed action they go out as:
#: a comment in a merge request discussion (and a commit comment, which GitFlic has no flag
#: for) is a discussion entry; a moved tag is the tag created at its new commit; the
#: "webhook sent" flag stands for GitFlic's check button, which posts TEST_WEBHOOK.
ACTION_OVERRIDES: dict[EventKind, str] = {
    EventKind.NOTE_MERGE_REQUEST: "DISCUSSION_CREATE",
    EventKind.NOTE_COMMIT: "DISCUSSION_CREATE",
    EventKind.TAG_PUSH: "TAG_CREATE",
    EventKind.WEBHOOK_SEND: "TEST_WEBHOOK",
}

#: The `action` of every canonical kind.
ACTIONS: dict[EventKind, str] = {
    **{kind: flag for flag, kinds in EVENT_FLAGS.items() for kind in kinds},
    **ACTION_OVERRIDES,
}


def flags_of(events: frozenset[EventKind]) -> dict[str, bool]:
    """Each flag is true when the hook wants any of its kinds."""
    return dict(_flags(events))


@functools.lru_cache(maxsize=1024)
def _flags(events: frozenset[EventKind]) -> tuple[tuple[str, bool], ...]:
    # hooks share a few event sets, and every listed hook asks: each set is mapped once
    return tuple((flag, bool(events & kinds)) for flag, kinds in EVENT_FLAGS.items())


def events_with(current: frozenset[EventKind], flags: Mapping[str, bool]) -> frozenset[EventKind]:
    """`current` with the given flags' kinds added or removed; every other kind is kept."""
    events = set(current)
    for flag, on in flags.items():
        if on:
            events |= EVENT_FLAGS[flag]
        else:
            events -= EVENT_FLAGS[flag]
    return frozenset(events)


def spec_from(fields: Mapping[str, Any]) -> HookSpec:
    """A new hook from a create body: flags left out are false, a secret is sent as is."""
    return HookSpec(
        url=fields["url"],
        events=events_with(frozenset(), fields.get("events") or {}),
        secret=fields.get("secret") or "",
        secret_scheme=SecretScheme.TOKEN,
    )


def changes_from(fields: Mapping[str, Any], current: frozenset[EventKind]) -> dict[str, Any]:
    """HookSpec changes for the fields given in an update body; absent fields stay as they are."""
    changes: dict[str, Any] = {}
    if "url" in fields:
        changes["url"] = fields["url"]
    if "secret" in fields:
        changes["secret"] = fields["secret"] or ""
        changes["secret_scheme"] = SecretScheme.TOKEN
    if fields.get("events") is not None:
        changes["events"] = events_with(current, fields["events"])
    return changes
