"""Does this hook want this event? Event kinds, activity and branch filters.

Branch patterns come from users and run on every publish, so they are compiled by RE2
(google-re2), whose matching time is linear in the branch name whatever the pattern:
a pattern such as `^(a+)+$` cannot stall the event loop. Patterns RE2 cannot take
(back-references, look-arounds) are refused when a hook is written.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

import re2

from forgehooks.core.errors import InvalidInput
from forgehooks.core.events import Event
from forgehooks.core.hooks import BranchFilter, BranchFilterStrategy, Hook, Subscriber

#: Longest branch filter pattern accepted, in characters.
MAX_PATTERN = 1000
#: Memory RE2 may use for one compiled pattern; larger programs are refused, not run.
MAX_PROGRAM_BYTES = 1 << 20


class _Compiled(Protocol):
    def search(self, text: str) -> object | None: ...
    def fullmatch(self, text: str) -> object | None: ...


class UnsupportedPattern(ValueError):
    """RE2 refused the pattern; the reason says why."""


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = MAX_PROGRAM_BYTES
    return options


def _char(c: str, plain: str = "") -> str:
    """One literal character in RE2 syntax: letters, digits and `plain` as they are."""
    return c if c.isalnum() or c in plain else f"\\x{{{ord(c):x}}}"


def _bracket(pattern: str, start: int) -> tuple[str, int] | None:
    """The RE2 class for the `[...]` opening at `start` and the index after it (fnmatch's rules)."""
    i = start + 1
    negate = i < len(pattern) and pattern[i] == "!"
    i += negate
    end = i + 1 if i < len(pattern) and pattern[i] == "]" else i
    end = pattern.find("]", end)
    if end < 0:
        return None
    body, items, k = pattern[i:end], [], 0
    while k < len(body):
        if k + 2 < len(body) and body[k + 1] == "-":
            if body[k] <= body[k + 2]:  # a reversed range matches nothing, as in fnmatch
                items.append(f"{_char(body[k])}-{_char(body[k + 2])}")
            k += 3
        else:
            items.append(_char(body[k]))
            k += 1
    if not items:
        return ("." if negate else "[^\\x00-\\x{10ffff}]"), end + 1
    return f"[{'^' if negate else ''}{''.join(items)}]", end + 1


def wildcard_to_re2(pattern: str) -> str:
    """A shell-style pattern (`*`, `?`, `[seq]`, `[!seq]`, as fnmatch reads them) as an RE2 pattern."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append(".*")
            while i + 1 < len(pattern) and pattern[i + 1] == "*":
                i += 1
        elif c == "?":
            out.append(".")
        elif c == "[" and (bracket := _bracket(pattern, i)) is not None:
            out.append(bracket[0])
            i = bracket[1]
            continue
        else:
            out.append(_char(c, "/_-@:,=~"))
        i += 1
    return "(?s:" + "".join(out) + ")"


@lru_cache(maxsize=1024)
def _compiled(strategy: BranchFilterStrategy, pattern: str) -> _Compiled:
    source = wildcard_to_re2(pattern) if strategy is BranchFilterStrategy.WILDCARD else pattern
    try:
        compiled: _Compiled = re2.compile(source, options=_options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
        raise UnsupportedPattern(text) from exc
    return compiled


def validate_branch_filter(branch_filter: BranchFilter, field: str = "branch_filter") -> None:
    """Raise InvalidInput when the pattern is too long or RE2 cannot compile it."""
    if branch_filter.strategy is BranchFilterStrategy.ALL or not branch_filter.pattern:
        return
    if len(branch_filter.pattern) > MAX_PATTERN:
        raise InvalidInput(field, f"at most {MAX_PATTERN} characters")
    try:
        _compiled(branch_filter.strategy, branch_filter.pattern)
    except UnsupportedPattern as exc:
        raise InvalidInput(
            field,
            f"invalid or unsupported regular expression ({exc}); "
            "filters use RE2 syntax: no back-references or look-arounds",
        ) from exc


def branch_matches(branch_filter: BranchFilter, branch: str) -> bool:
    """Whether `branch` passes the filter; an empty pattern lets every branch through.

    A stored pattern RE2 cannot take (written before patterns were checked) matches nothing.
    """
    if branch_filter.strategy is BranchFilterStrategy.ALL or not branch_filter.pattern:
        return True
    try:
        compiled = _compiled(branch_filter.strategy, branch_filter.pattern)
    except UnsupportedPattern:
        return False
    if branch_filter.strategy is BranchFilterStrategy.WILDCARD:
        return compiled.fullmatch(branch) is not None
    return compiled.search(branch) is not None


def wants(hook: Hook | Subscriber, event: Event) -> bool:
    """Active, subscribed to the kind, and (except for tag events) on a matching branch."""
    if not hook.active or event.kind not in hook.events:
        return False
    if event.kind.is_tag:
        return True
    branch = event.branch
    return branch is None or branch_matches(hook.branch_filter, branch)
