"""The one table between GitCode v5's hook fields and core's HookSpec and EventKind, both ways."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from forgehooks.core.errors import InvalidInput
from forgehooks.core.events import EventKind
from forgehooks.core.hooks import Hook, HookSpec, SecretScheme

DIALECT = "gitcode_v5"


# here, not in errors.py, so the wire format (which imports this table) needs no FastAPI
class Unprocessable(InvalidInput):
    """A well-formed parameter whose value cannot be used (bad URL, unknown encryption_type): 422."""


_MERGE_REQUEST_KINDS = frozenset(k for k in EventKind if k.value.startswith("merge_request_"))
_ISSUE_KINDS = frozenset(k for k in EventKind if k.value.startswith("issue_"))

#: Each v5 event flag and the canonical kinds it stands for.
EVENT_FLAGS: dict[str, frozenset[EventKind]] = {
    "push_events": frozenset({EventKind.PUSH, EventKind.BRANCH_CREATE, EventKind.BRANCH_DELETE}),
    "tag_push_events": frozenset({EventKind.TAG_PUSH, EventKind.TAG_CREATE, EventKind.TAG_DELETE}),
    "issues_events": _ISSUE_KINDS,
    "note_events": frozenset(
        {
            EventKind.NOTE_COMMIT,
            EventKind.NOTE_MERGE_REQUEST,
            EventKind.NOTE_ISSUE,
            EventKind.DISCUSSION_CREATE,
        }
    ),
    "merge_requests_events": _MERGE_REQUEST_KINDS,
}

#: Flags a hook created without any flag gets (GitLab's and Gitee's default).
DEFAULT_FLAGS: dict[str, bool] = {
    "push_events": True,
    "tag_push_events": False,
    "issues_events": False,
    "note_events": False,
    "merge_requests_events": False,
}

#: The sample event kind a `POST .../tests` call sends for each flag, in order of preference.
SAMPLE_KINDS: dict[str, EventKind] = {
    "push_events": EventKind.PUSH,
    "tag_push_events": EventKind.TAG_PUSH,
    "issues_events": EventKind.ISSUE_OPEN,
    "note_events": EventKind.NOTE_ISSUE,
    "merge_requests_events": EventKind.MERGE_REQUEST_OPEN,
}

#: `encryption_type` values and the secret schemes they mean.
ENCRYPTION_TYPES: dict[int, SecretScheme] = {0: SecretScheme.TOKEN, 1: SecretScheme.SIGNATURE}

#: v5 field name -> HookSpec field name, for the plain fields.
PLAIN_FIELDS: dict[str, str] = {"url": "url", "password": "secret"}


def flags_of(events: frozenset[EventKind]) -> dict[str, bool]:
    """Each flag is on when the hook wants any of its kinds."""
    return dict(_flags(events))


@functools.lru_cache(maxsize=1024)
def _flags(events: frozenset[EventKind]) -> tuple[tuple[str, bool], ...]:
    # hooks share a few event sets, and every listed hook asks: each set is mapped once
    return tuple((flag, bool(events & kinds)) for flag, kinds in EVENT_FLAGS.items())


def events_with(current: frozenset[EventKind], flags: Mapping[str, bool]) -> frozenset[EventKind]:
    """`current` with the given flags' kinds added or removed; every other kind is kept."""
    events = set(current)
    for flag, on in flags.items():
        kinds = EVENT_FLAGS[flag]
        if on:
            events |= kinds
        else:
            events -= kinds
    return frozenset(events)


def _checked(fields: Mapping[str, Any], *, create: bool) -> Mapping[str, Any]:
    """`url` present and non-empty (400 otherwise), `encryption_type` a known code (422 otherwise)."""
    if (create or "url" in fields) and not str(fields.get("url", "")).strip():
        raise InvalidInput("url", "is missing")
    code = fields.get("encryption_type")
    if code is not None and code not in ENCRYPTION_TYPES:
        raise Unprocessable("encryption_type", "must be 0 (password) or 1 (signature key)")
    return fields


def changes_of(fields: Mapping[str, Any], current: frozenset[EventKind]) -> dict[str, Any]:
    """HookSpec changes for the v5 fields given (absent fields stay as they are)."""
    _checked(fields, create=False)
    changes: dict[str, Any] = {PLAIN_FIELDS[k]: v for k, v in fields.items() if k in PLAIN_FIELDS}
    if "encryption_type" in fields:
        changes["secret_scheme"] = ENCRYPTION_TYPES[fields["encryption_type"]]
    flags = {k: v for k, v in fields.items() if k in EVENT_FLAGS}
    if flags:
        changes["events"] = events_with(current, flags)
    return changes


def spec_of(fields: Mapping[str, Any]) -> HookSpec:
    """A new hook's spec: unset flags take DEFAULT_FLAGS, unset encryption_type is 0 (password)."""
    _checked(fields, create=True)
    flags = DEFAULT_FLAGS | {k: v for k, v in fields.items() if k in EVENT_FLAGS}
    return HookSpec(
        url=fields["url"],
        events=events_with(frozenset(), flags),
        secret=fields.get("password", ""),
        secret_scheme=ENCRYPTION_TYPES[fields.get("encryption_type", 0)],
    )


def encryption_type_of(hook: Hook) -> int:
    """The v5 `encryption_type` of a hook's secret scheme."""
    return next(code for code, scheme in ENCRYPTION_TYPES.items() if scheme is hook.secret_scheme)


def sample_kind_of(hook: Hook) -> EventKind:
    """The kind a test call sends: that of the first flag the hook has on (push if none)."""
    flags = flags_of(hook.events)
    return next((kind for flag, kind in SAMPLE_KINDS.items() if flags[flag]), EventKind.PUSH)
