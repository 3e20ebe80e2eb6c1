"""The one table between GitCode v4's hook fields and core's HookSpec and EventKind, both ways."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from forgehooks.core.events import EventFamily, EventKind
from forgehooks.core.hooks import (
    ALL_BRANCHES,
    BranchFilter,
    BranchFilterStrategy,
    Hook,
    HookSpec,
    SecretScheme,
)

DIALECT = "gitcode_v4"


def _family(family: EventFamily) -> frozenset[EventKind]:
    return frozenset(k for k in EventKind if k.family is family)


#: Each boolean flag of the face and the canonical kinds it stands for.
EVENT_FLAGS: Mapping[str, frozenset[EventKind]] = {
    "push_events": frozenset({EventKind.PUSH, EventKind.BRANCH_CREATE, EventKind.BRANCH_DELETE}),
    "tag_push_events": frozenset({EventKind.TAG_PUSH, EventKind.TAG_CREATE, EventKind.TAG_DELETE}),
    "merge_requests_events": _family(EventFamily.MERGE_REQUEST),
    "note_events": _family(EventFamily.NOTE),
    "issues_events": _family(EventFamily.ISSUE),
    "pipeline_events": _family(EventFamily.PIPELINE),
}

#: GitLab's defaults when a flag is absent on create: only pushes.
FLAG_DEFAULTS: Mapping[str, bool] = {flag: flag == "push_events" for flag in EVENT_FLAGS}

#: The sample event a test call with each `trigger` sends.
TEST_TRIGGERS: Mapping[str, EventKind] = {
    "push_events": EventKind.PUSH,
    "tag_push_events": EventKind.TAG_PUSH,
    "merge_requests_events": EventKind.MERGE_REQUEST_OPEN,
    "note_events": EventKind.NOTE_MERGE_REQUEST,
    "issues_events": EventKind.ISSUE_OPEN,
    "pipeline_events": EventKind.PIPELINE_SUCCESS,
}


class HeaderMode(StrEnum):
    """Which platform's delivery headers a hook sends (kept in the hook's `extras`)."""

    GITCODE = "gitcode"  #: `X-GitCode-Event`, `X-GitCode-Token`, ... as GitCode's document shows
    GITLAB = "gitlab"  #: `X-Gitlab-Event`, `X-Gitlab-Token`, ... so stock GitLab receivers accept it
    BOTH = "both"  #: every header of both


HEADER_MODE = "header_mode"
#: GitCode's own headers unless a hook asks for GitLab's.
DEFAULT_HEADER_MODE = HeaderMode.GITCODE


def header_mode_of(hook: HookSpec) -> HeaderMode:
    """The hook's header mode; hooks made elsewhere (or before the option) use the default."""
    try:
        return HeaderMode(hook.extras.get(HEADER_MODE) or DEFAULT_HEADER_MODE)
    except ValueError:
        return DEFAULT_HEADER_MODE


#: Plain fields: the face's name and HookSpec's.
PLAIN_FIELDS: Mapping[str, str] = {
    "url": "url",
    "active": "active",
    "content_type": "content_type",
    "enable_ssl_verification": "ssl_verify",
}


def flags_of(events: frozenset[EventKind]) -> dict[str, bool]:
    """Each flag is on when the hook wants any of its kinds."""
    return dict(_flags(events))


@functools.lru_cache(maxsize=1024)
def _flags(events: frozenset[EventKind]) -> tuple[tuple[str, bool], ...]:
    # hooks share a few event sets, and every listed hook asks: each set is mapped once
    return tuple((flag, bool(kinds & events)) for flag, kinds in EVENT_FLAGS.items())


def events_with(current: frozenset[EventKind], flags: Mapping[str, bool]) -> frozenset[EventKind]:
    """`current` with the given flags' kinds added or removed; other kinds stay untouched."""
    events = set(current)
    for flag, on in flags.items():
        if on:
            events |= EVENT_FLAGS[flag]
        else:
            events -= EVENT_FLAGS[flag]
    return frozenset(events)


def branch_filter_of(pattern: str) -> BranchFilter:
    """GitLab's `push_events_branch_filter`: a wildcard pattern, empty for every branch."""
    return BranchFilter(strategy=BranchFilterStrategy.WILDCARD, pattern=pattern) if pattern else ALL_BRANCHES


def pattern_of(hook: Hook) -> str:
    """The branch filter as GitLab shows it (a regex filter made elsewhere shows its pattern)."""
    return hook.branch_filter.pattern if hook.branch_filter.strategy is not BranchFilterStrategy.ALL else ""


def changes_of(
    given: Mapping[str, Any], current: frozenset[EventKind], extras: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """HookSpec changes for the face fields present in a request (absent ones stay as they are)."""
    changes: dict[str, Any] = {PLAIN_FIELDS[k]: v for k, v in given.items() if k in PLAIN_FIELDS}
    flags = {k: bool(v) for k, v in given.items() if k in EVENT_FLAGS}
    if flags:
        changes["events"] = events_with(current, flags)
    if "token" in given:
        changes["secret"] = given["token"] or ""
        changes["secret_scheme"] = SecretScheme.TOKEN
    if "push_events_branch_filter" in given:
        changes["branch_filter"] = branch_filter_of(given["push_events_branch_filter"] or "")
    if "header_mode" in given:
        changes["extras"] = {**(extras or {}), HEADER_MODE: HeaderMode(given["header_mode"]).value}
    return changes


def spec_of(given: Mapping[str, Any]) -> HookSpec:
    """A new hook's spec: the given fields over GitLab's defaults."""
    empty = HookSpec(url="", events=frozenset())
    return dataclasses.replace(empty, **changes_of({**FLAG_DEFAULTS, **given}, frozenset()))


def quality_results(data: Mapping[str, Any] | list[Any] | None) -> tuple[dict[str, Any], ...]:
    """The per-tool results of `quality_data`: a list of them, an object holding them, or one tool."""
    if data is None:
        return ()
    if isinstance(data, list):
        return tuple(dict(item) for item in data if isinstance(item, Mapping))
    inner = data.get("result")
    if "tool" not in data and isinstance(inner, list):
        return tuple(dict(item) for item in inner if isinstance(item, Mapping))
    return (dict(data),) if data else ()
