"""Which hooks want which events: kinds, activity, wildcard/regex/all-branch filters."""

from __future__ import annotations

import fnmatch
import re
import time
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forgehooks.core.errors import InvalidInput
from forgehooks.core.events import Actor, Event, EventKind, ProjectSnapshot, RefBody
from forgehooks.core.filters import branch_matches, validate_branch_filter, wants, wildcard_to_re2
from forgehooks.core.hooks import BranchFilter, BranchFilterStrategy, Hook

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PROJECT = ProjectSnapshot(id=1, hex_id="a" * 32, uuid="u", path="acme/widgets", name="widgets")


def hook(**fields: object) -> Hook:
    values: dict[str, object] = {
        "id": 1,
        "uuid": "h",
        "project_id": 1,
        "dialect": "forgehooks",
        "created_at": NOW,
        "updated_at": NOW,
        "url": "http://example.com/",
        "events": frozenset({EventKind.PUSH, EventKind.TAG_PUSH}),
    }
    return Hook(**(values | fields))  # type: ignore[arg-type]


def ref_event(kind: EventKind, ref: str) -> Event:
    return Event(id="e", kind=kind, project=PROJECT, actor=Actor(), occurred_at=NOW, body=RefBody(ref=ref))


WILDCARD = BranchFilter(strategy=BranchFilterStrategy.WILDCARD, pattern="release/*")
REGEX = BranchFilter(strategy=BranchFilterStrategy.REGEX, pattern="^(main|hotfix-\\d+)$")


def test_kind_and_activity_decide_first() -> None:
    push = ref_event(EventKind.PUSH, "refs/heads/main")
    assert wants(hook(), push)
    assert not wants(hook(active=False), push)
    assert not wants(hook(events=frozenset({EventKind.ISSUE_OPEN})), push)


def test_branch_filters_apply_to_branch_events() -> None:
    assert wants(hook(branch_filter=WILDCARD), ref_event(EventKind.PUSH, "refs/heads/release/1.0"))
    assert not wants(hook(branch_filter=WILDCARD), ref_event(EventKind.PUSH, "refs/heads/main"))
    assert wants(hook(branch_filter=REGEX), ref_event(EventKind.PUSH, "refs/heads/hotfix-12"))
    assert not wants(hook(branch_filter=REGEX), ref_event(EventKind.PUSH, "refs/heads/hotfix-x"))


def test_tag_events_are_never_branch_filtered() -> None:
    assert wants(hook(branch_filter=WILDCARD), ref_event(EventKind.TAG_PUSH, "refs/tags/v1.0"))


def test_a_bad_regex_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_branch_filter(BranchFilter(strategy=BranchFilterStrategy.REGEX, pattern="(unclosed"))
    assert caught.value.field == "branch_filter"


branches = st.text(alphabet="abcz/-_.0123456789*?[]!\\", min_size=1, max_size=20)


@given(pattern=branches, branch=branches)
def test_wildcard_agrees_with_fnmatch(pattern: str, branch: str) -> None:
    spec = BranchFilter(strategy=BranchFilterStrategy.WILDCARD, pattern=pattern)
    assert branch_matches(spec, branch) == fnmatch.fnmatchcase(branch, pattern)


@given(pattern=st.from_regex(r"[a-z]{1,3}(\.\*)?[0-9]?", fullmatch=True), branch=branches)
def test_regex_is_searched(pattern: str, branch: str) -> None:
    spec = BranchFilter(strategy=BranchFilterStrategy.REGEX, pattern=pattern)
    assert branch_matches(spec, branch) == (re.search(pattern, branch) is not None)


@given(branch=branches)
def test_all_branches_and_empty_patterns_let_everything_through(branch: str) -> None:
    assert branch_matches(BranchFilter(), branch)
    assert branch_matches(BranchFilter(strategy=BranchFilterStrategy.WILDCARD, pattern=""), branch)


def test_a_catastrophic_pattern_runs_in_linear_time() -> None:
    """`^(a+)+$` on a long almost-matching branch: exponential in Python's re, linear in RE2."""
    spec = BranchFilter(strategy=BranchFilterStrategy.REGEX, pattern="^(a+)+$")
    validate_branch_filter(spec)
    started = time.perf_counter()
    assert not branch_matches(spec, "a" * 100_000 + "!")
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("pattern", ["(?=main)", "(a)\\1", "a{1000}{1000}", "x" * 1001])
def test_patterns_re2_cannot_take_are_refused_with_the_reason(pattern: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_branch_filter(BranchFilter(strategy=BranchFilterStrategy.REGEX, pattern=pattern))
    assert caught.value.field == "branch_filter"
    assert "RE2" in caught.value.reason or "at most" in caught.value.reason


def test_a_stored_pattern_re2_refuses_matches_nothing() -> None:
    spec = BranchFilter(strategy=BranchFilterStrategy.REGEX, pattern="(?!x)main")
    assert not branch_matches(spec, "main")


@given(pattern=branches, branch=branches)
def test_a_wildcard_shown_as_a_regex_matches_the_same_branches(pattern: str, branch: str) -> None:
    """CodeArts shows a wildcard as `^<RE2 form>$`; sent back as a regex it must mean the same."""
    shown = BranchFilter(strategy=BranchFilterStrategy.REGEX, pattern=f"^{wildcard_to_re2(pattern)}$")
    validate_branch_filter(shown)
    assert branch_matches(shown, branch) == fnmatch.fnmatchcase(branch, pattern)
