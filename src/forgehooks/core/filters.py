"""Does this hook want this event? Event kinds, activity and branch filters."""

from __future__ import annotations

import fnmatch
import re
from functools import lru_cache

from forgehooks.core.errors import InvalidInput
from forgehooks.core.events import Event
from forgehooks.core.hooks import BranchFilter, BranchFilterStrategy, Hook, Subscriber


@lru_cache(maxsize=1024)
def _compiled(strategy: BranchFilterStrategy, pattern: str) -> re.Pattern[str]:
    if strategy is BranchFilterStrategy.WILDCARD:
        return re.compile(fnmatch.translate(pattern))
    return re.compile(pattern)


def validate_branch_filter(branch_filter: BranchFilter, field: str = "branch_filter") -> None:
    """Raise InvalidInput when the pattern cannot be compiled."""
    if branch_filter.strategy is BranchFilterStrategy.ALL or not branch_filter.pattern:
        return
    try:
        _compiled(branch_filter.strategy, branch_filter.pattern)
    except re.error as exc:
        raise InvalidInput(field, f"invalid regular expression: {exc}") from exc


def branch_matches(branch_filter: BranchFilter, branch: str) -> bool:
    """Whether `branch` passes the filter; an empty pattern lets every branch through."""
    if branch_filter.strategy is BranchFilterStrategy.ALL or not branch_filter.pattern:
        return True
    compiled = _compiled(branch_filter.strategy, branch_filter.pattern)
    if branch_filter.strategy is BranchFilterStrategy.WILDCARD:
        return compiled.match(branch) is not None
    return compiled.search(branch) is not None


def wants(hook: Hook | Subscriber, event: Event) -> bool:
    """Active, subscribed to the kind, and (except for tag events) on a matching branch."""
    if not hook.active or event.kind not in hook.events:
        return False
    if event.kind.is_tag:
        return True
    branch = event.branch
    return branch is None or branch_matches(hook.branch_filter, branch)
