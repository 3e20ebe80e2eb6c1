"""The one table between CodeArts Repo v4 hook fields and the canonical HookSpec, both ways."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from forgehooks.core.events import EventFamily, EventKind
from forgehooks.core.filters import wildcard_to_re2
from forgehooks.core.hooks import BranchFilter, BranchFilterStrategy, Hook, HookSpec, SecretScheme
from forgehooks.dialects.gitlab_family.headers import hook_name

DIALECT = "codearts_v4"

#: Each CodeArts event flag and the canonical kinds it stands for.
EVENT_FLAGS: Mapping[str, frozenset[EventKind]] = {
    "push_events": frozenset({EventKind.PUSH, EventKind.BRANCH_CREATE, EventKind.BRANCH_DELETE}),
    "tag_push_events": frozenset({EventKind.TAG_PUSH, EventKind.TAG_CREATE, EventKind.TAG_DELETE}),
    "merge_requests_events": frozenset(
        {
            EventKind.MERGE_REQUEST_OPEN,
            EventKind.MERGE_REQUEST_UPDATE,
            EventKind.MERGE_REQUEST_CLOSE,
            EventKind.MERGE_REQUEST_REOPEN,
            EventKind.MERGE_REQUEST_MERGE,
            EventKind.MERGE_REQUEST_APPROVE,
            EventKind.MERGE_REQUEST_CANCEL,
        }
    ),
    "note_events": frozenset(
        {
            EventKind.NOTE_COMMIT,
            EventKind.NOTE_MERGE_REQUEST,
            EventKind.NOTE_ISSUE,
            EventKind.DISCUSSION_CREATE,
        }
    ),
}

#: Flag values of a hook created without them (push on, as in GitLab and the console's default).
DEFAULT_FLAGS: Mapping[str, bool] = {
    "push_events": True,
    "tag_push_events": False,
    "merge_requests_events": False,
    "note_events": False,
}

#: Plain fields: CodeArts name -> HookSpec field.
PLAIN_FIELDS: Mapping[str, str] = {"url": "url", "name": "name", "description": "description"}

#: Canonical field names in errors, shown with the CodeArts name.
FIELD_NAMES: Mapping[str, str] = {
    "branch_filter": "push_events_branch_regex_filter",
    "secret": "token",
    "events": "push_events",
}

TOKEN_TYPE = "token_type"
DEFAULT_TOKEN_TYPE = "X-Repo-Token"
MATCH_ALL = ".*"
TOKEN_MASK = "************"


def events_with(current: frozenset[EventKind], flags: Mapping[str, bool]) -> frozenset[EventKind]:
    """`current` with each given flag's kinds added or removed; other faces' kinds stay."""
    events = set(current)
    for flag, on in flags.items():
        if on:
            events |= EVENT_FLAGS[flag]
        else:
            events -= EVENT_FLAGS[flag]
    return frozenset(events)


def flags_of(events: frozenset[EventKind]) -> dict[str, bool]:
    """Each flag is on when the hook wants any of its kinds."""
    return dict(_flags(events))


@functools.lru_cache(maxsize=1024)
def _flags(events: frozenset[EventKind]) -> tuple[tuple[str, bool], ...]:
    # hooks share a few event sets, and every listed hook asks: each set is mapped once
    return tuple((flag, bool(kinds & events)) for flag, kinds in EVENT_FLAGS.items())


def branch_filter_of(regex: str) -> BranchFilter:
    """`push_events_branch_regex_filter` as a canonical filter: empty or `.*` means every branch."""
    if regex in ("", MATCH_ALL):
        return BranchFilter(strategy=BranchFilterStrategy.ALL, pattern="")
    return BranchFilter(strategy=BranchFilterStrategy.REGEX, pattern=regex)


def regex_of(branch_filter: BranchFilter) -> str:
    """A canonical filter shown as a regular expression searched in the branch name."""
    match branch_filter.strategy:
        case BranchFilterStrategy.ALL:
            return MATCH_ALL
        case BranchFilterStrategy.REGEX:
            return branch_filter.pattern or MATCH_ALL
        case BranchFilterStrategy.WILDCARD:
            return f"^{wildcard_to_re2(branch_filter.pattern)}$" if branch_filter.pattern else MATCH_ALL


def token_type_of(hook: HookSpec) -> str:
    """The header the token travels in."""
    return str(hook.extras.get(TOKEN_TYPE) or DEFAULT_TOKEN_TYPE)


def spec_of(fields: Mapping[str, Any]) -> HookSpec:
    """A new hook's spec from a create body (`fields` holds only what the caller sent)."""
    flags = {flag: bool(fields.get(flag, default)) for flag, default in DEFAULT_FLAGS.items()}
    return HookSpec(
        url=str(fields.get("url") or ""),
        events=events_with(frozenset(), flags),
        branch_filter=branch_filter_of(str(fields.get("push_events_branch_regex_filter", MATCH_ALL))),
        secret=str(fields.get("token") or ""),
        secret_scheme=SecretScheme.TOKEN,
        name=str(fields.get("name") or ""),
        description=str(fields.get("description") or ""),
        extras={TOKEN_TYPE: fields.get("token_type") or DEFAULT_TOKEN_TYPE},
    )


def changes_of(hook: Hook, fields: Mapping[str, Any]) -> dict[str, Any]:
    """HookSpec changes from an update body: only the fields sent change."""
    changes: dict[str, Any] = {PLAIN_FIELDS[k]: v for k, v in fields.items() if k in PLAIN_FIELDS}
    flags = {flag: bool(fields[flag]) for flag in EVENT_FLAGS if flag in fields}
    if flags:
        changes["events"] = events_with(hook.events, flags)
    if "push_events_branch_regex_filter" in fields:
        changes["branch_filter"] = branch_filter_of(str(fields["push_events_branch_regex_filter"]))
    if "token" in fields:
        changes["secret"] = str(fields["token"])
        changes["secret_scheme"] = SecretScheme.TOKEN
    if "token_type" in fields:
        changes["extras"] = {**hook.extras, TOKEN_TYPE: fields["token_type"] or DEFAULT_TOKEN_TYPE}
    return changes


#: GitLab-family object kind of each canonical family (tag kinds are `tag_push`).
OBJECT_KINDS: Mapping[EventFamily, str] = {
    EventFamily.REF: "push",
    EventFamily.MERGE_REQUEST: "merge_request",
    EventFamily.NOTE: "note",
    EventFamily.ISSUE: "issue",
    EventFamily.PIPELINE: "pipeline",
    EventFamily.COLLABORATOR: "member",
    EventFamily.SYSTEM: "system",
}


def object_kind_of(kind: EventKind) -> str:
    """`object_kind` of a payload: push, tag_push, merge_request, note, issue, ..."""
    return "tag_push" if kind.is_tag else OBJECT_KINDS[kind.family]


def hook_name_of(kind: EventKind) -> str:
    """The event header value: `Push Hook`, `Tag Push Hook`, `Merge Request Hook`, ..."""
    return hook_name(kind)


def trigger_of(kind: str) -> str:
    """A log entry's trigger: `push_hooks`, `tag_push_hooks`, ... (unknown kinds as they are)."""
    try:
        return object_kind_of(EventKind(kind)) + "_hooks"
    except ValueError:
        return kind
