"""Codeup v3's field names against core's HookSpec and EventKind: one table per direction-free fact."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from forgehooks.core.events import EventFamily, EventKind
from forgehooks.core.hooks import Hook, SecretScheme

_MERGE_REQUEST_KINDS = frozenset(k for k in EventKind if k.family is EventFamily.MERGE_REQUEST)
_NOTE_KINDS = frozenset(k for k in EventKind if k.family is EventFamily.NOTE)
_ISSUE_KINDS = frozenset(k for k in EventKind if k.family is EventFamily.ISSUE)
_PIPELINE_KINDS = frozenset(k for k in EventKind if k.family is EventFamily.PIPELINE)

#: Body flag -> the canonical kinds it stands for. IssuesEvents and BuildEvents are
#: deprecated in Codeup but still round-trip.
EVENT_FLAGS: dict[str, frozenset[EventKind]] = {
    "push_events": frozenset({EventKind.PUSH, EventKind.BRANCH_CREATE, EventKind.BRANCH_DELETE}),
    "tag_push_events": frozenset({EventKind.TAG_PUSH, EventKind.TAG_CREATE, EventKind.TAG_DELETE}),
    "merge_requests_events": _MERGE_REQUEST_KINDS,
    "note_events": _NOTE_KINDS,
    "issues_events": _ISSUE_KINDS,
    "build_events": _PIPELINE_KINDS,
}

#: Body flag -> its name in a Result.
RESULT_FLAGS: dict[str, str] = {
    "push_events": "PushEvents",
    "tag_push_events": "TagPushEvents",
    "merge_requests_events": "MergeRequestsEvents",
    "note_events": "NoteEvents",
    "issues_events": "IssuesEvents",
    "build_events": "BuildEvents",
}

#: Body field -> HookSpec field, for fields copied as they are.
PLAIN_FIELDS: dict[str, str] = {
    "url": "url",
    "enable_ssl_verification": "ssl_verify",
    "description": "description",
    "secret_token": "secret",
}

#: The document's table spells this flag `merge_reqeusts_events`; both spellings are accepted.
FLAG_ALIASES: dict[str, str] = {"merge_reqeusts_events": "merge_requests_events"}

#: Test trigger -> the sample event kind a test of that trigger sends.
TEST_KINDS: dict[str, EventKind] = {
    "push_events": EventKind.PUSH,
    "tag_push_events": EventKind.TAG_CREATE,
    "merge_requests_events": EventKind.MERGE_REQUEST_OPEN,
    "note_events": EventKind.NOTE_MERGE_REQUEST,
    "issues_events": EventKind.ISSUE_OPEN,
    "build_events": EventKind.PIPELINE_SUCCESS,
}


def events_with_flags(current: frozenset[EventKind], flags: Mapping[str, bool]) -> frozenset[EventKind]:
    """`current` with each given flag's kinds added or removed; other faces' kinds stay."""
    events = set(current)
    for flag, on in flags.items():
        kinds = EVENT_FLAGS[flag]
        events = events | kinds if on else events - kinds
    return frozenset(events)


def flags_of(events: frozenset[EventKind]) -> dict[str, bool]:
    """Each Result flag: true when the hook wants any of the flag's kinds."""
    return dict(_flags(events))


@functools.lru_cache(maxsize=1024)
def _flags(events: frozenset[EventKind]) -> tuple[tuple[str, bool], ...]:
    # hooks share a few event sets, and every listed hook asks: each set is mapped once
    return tuple((RESULT_FLAGS[flag], bool(events & kinds)) for flag, kinds in EVENT_FLAGS.items())


def changes_from_body(fields: Mapping[str, Any], current: frozenset[EventKind]) -> dict[str, Any]:
    """HookSpec changes for the body fields given (already validated, aliases resolved)."""
    changes: dict[str, Any] = {
        PLAIN_FIELDS[name]: value for name, value in fields.items() if name in PLAIN_FIELDS
    }
    if "secret_token" in fields:
        changes["secret_scheme"] = SecretScheme.TOKEN
    flags = {name: bool(value) for name, value in fields.items() if name in EVENT_FLAGS}
    if flags:
        changes["events"] = events_with_flags(current, flags)
    return changes


def last_test_result(hook: Hook) -> str:
    """`ok` after a 2xx, `error` after anything else, empty before the first delivery."""
    if hook.last_at is None:
        return ""
    code = hook.last_status_code
    return "ok" if code is not None and 200 <= code < 300 else "error"


def trigger_kind(trigger: str) -> EventKind | None:
    """The sample kind of a test trigger (`push_events` or `push`), None when unknown."""
    name = FLAG_ALIASES.get(trigger, trigger)
    return TEST_KINDS.get(name) or TEST_KINDS.get(f"{name}_events")
