"""Property tests of the GitCode v4 mapping table (issue 12, item 1): face -> core -> face is the
identity on every field the face owns, and core -> face -> core keeps every kind v4 can express.

The path under test is the one `routes.py` takes: `parse(HookCreate | HookIn, params).given()`,
then `mapping.spec_of` (create) or `mapping.changes_of` (update) into core, then `schemas.hook_out`
back to the face. The stored hook is built from the spec with fixed identity and times (what the
store hands back), so these tests need no database.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from forgehooks.core.events import EventKind
from forgehooks.core.hooks import BranchFilter, BranchFilterStrategy, Hook, HookSpec, SecretScheme
from forgehooks.dialects.gitcode_v4.mapping import (
    EVENT_FLAGS,
    FLAG_DEFAULTS,
    branch_filter_of,
    changes_of,
    pattern_of,
    spec_of,
)
from forgehooks.dialects.gitcode_v4.schemas import HookCreate, HookIn, HookOut, hook_out, parse
from tests.dialects.mapping_properties import KINDS, SETTINGS, SPEC_FIELDS, flag_closure, stored_hook

NOW = datetime(2023, 9, 16, 7, 2, 12, 365000, tzinfo=UTC)

#: Every kind some v4 flag stands for.
EXPRESSIBLE = frozenset().union(*EVENT_FLAGS.values())
#: Kinds v4 has no flag for; docs/dialects/gitcode_v4.md ("kinds with no v4 flag (collaborator,
#: `webhook_send`) set through other faces stay untouched") names exactly these.
INEXPRESSIBLE = frozenset(
    {
        EventKind.COLLABORATOR_ADD,
        EventKind.COLLABORATOR_UPDATE,
        EventKind.COLLABORATOR_REMOVE,
        EventKind.WEBHOOK_SEND,
    }
)

#: Text a request may carry (FaceInput refuses NUL, JSON cannot carry lone surrogates).
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60)
URLS = st.one_of(
    st.builds("https://{}.example/{}".format, st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True), TEXT),
    TEXT,
)
PATTERNS = st.one_of(st.sampled_from(["", "main", "release/*", "*-stable", "feature/**"]), TEXT)
BOOL_FIELDS = (*EVENT_FLAGS, "active", "enable_ssl_verification")


def stored(spec: HookSpec) -> Hook:
    """The hook the store would hand back for `spec`."""
    return stored_hook(spec, "gitcode_v4", NOW)


def closure(kinds: frozenset[EventKind]) -> frozenset[EventKind]:
    """Every kind of every flag that is on for `kinds`."""
    return flag_closure(EVENT_FLAGS, kinds)


@st.composite
def spelt(draw: st.DrawFn, value: bool) -> bool | str:
    """A boolean as JSON sends it, or as a query or form field spells it (Grape merges them)."""
    return draw(st.sampled_from([value, "true" if value else "false", "1" if value else "0"]))


@st.composite
def bodies(draw: st.DrawFn, *, create: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """A request (any owned field may be left out) and the typed values it carries."""
    meant: dict[str, Any] = {}
    if create or draw(st.booleans()):
        meant["url"] = draw(URLS)
    for name in BOOL_FIELDS:
        if draw(st.booleans()):
            meant[name] = draw(st.booleans())
    if draw(st.booleans()):
        meant["token"] = draw(TEXT)
    if draw(st.booleans()):
        meant["push_events_branch_filter"] = draw(PATTERNS)
    if draw(st.booleans()):
        meant["content_type"] = "application/json"
    body = {k: draw(spelt(v)) if isinstance(v, bool) else v for k, v in meant.items()}
    return body, meant


@st.composite
def core_specs(draw: st.DrawFn) -> HookSpec:
    """Any hook another face or the native API may have stored."""
    strategy = draw(st.sampled_from(list(BranchFilterStrategy)))
    pattern = "" if strategy is BranchFilterStrategy.ALL else draw(PATTERNS)
    return HookSpec(
        url=draw(URLS),
        events=draw(KINDS),
        branch_filter=BranchFilter(strategy=strategy, pattern=pattern),
        secret=draw(TEXT),
        secret_scheme=draw(st.sampled_from(list(SecretScheme))),
        ssl_verify=draw(st.booleans()),
        active=draw(st.booleans()),
        name=draw(TEXT),
        description=draw(TEXT),
    )


def owned(shown: HookOut) -> dict[str, Any]:
    """The response fields a v4 client writes."""
    return shown.model_dump(
        include={"url", "token", "content_type", "push_events_branch_filter", *BOOL_FIELDS}
    )


@SETTINGS
@given(request=bodies(create=True))
def test_create_then_show_gives_back_every_field_sent(request: tuple[dict[str, Any], dict[str, Any]]) -> None:
    body, meant = request
    spec = spec_of(parse(HookCreate, body).given())
    shown = hook_out(stored(spec))

    expected = {
        "url": meant["url"],
        "token": "",  # write-only: always shown as "" (docs/dialects/gitcode_v4.md)
        "content_type": "application/json",
        "push_events_branch_filter": meant.get("push_events_branch_filter", ""),
        "active": meant.get("active", True),
        "enable_ssl_verification": meant.get("enable_ssl_verification", True),
        **{flag: meant.get(flag, FLAG_DEFAULTS[flag]) for flag in EVENT_FLAGS},
    }
    assert owned(shown) == expected
    # the token is stored, as a plain token, although it is never shown
    assert spec.secret == meant.get("token", "")
    assert spec.secret_scheme is SecretScheme.TOKEN
    # a flag stands for all of its kinds: the hook wants exactly the kinds of the flags that are on
    assert spec.events == frozenset().union(*(EVENT_FLAGS[f] for f in EVENT_FLAGS if expected[f]))


@SETTINGS
@given(prior=core_specs(), request=bodies(create=False))
def test_update_changes_exactly_the_fields_sent(
    prior: HookSpec, request: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    body, meant = request
    hook = stored(prior)
    changes = changes_of(parse(HookIn, body).given(), hook.events)
    assert set(changes) <= SPEC_FIELDS  # services.hooks.update_hook refuses anything else
    updated = dataclasses.replace(hook, **changes)

    before, after = owned(hook_out(hook)), owned(hook_out(updated))
    expected = before | {k: v for k, v in meant.items() if k != "token"}
    assert after == expected
    assert after["token"] == ""
    assert updated.secret == meant.get("token", prior.secret)
    # kinds v4 has no flag for, set through other faces, are never touched
    assert updated.events - EXPRESSIBLE == prior.events - EXPRESSIBLE


@SETTINGS
@given(kinds=KINDS)
def test_core_face_core_keeps_every_kind_v4_can_express(kinds: frozenset[EventKind]) -> None:
    shown = hook_out(stored(HookSpec(url="https://ci.example/hook", events=kinds)))
    flags = {flag: getattr(shown, flag) for flag in EVENT_FLAGS}

    # Several kinds share one flag (e.g. every merge_request_* kind is merge_requests_events), so
    # the identity holds per flag, not per kind: reading back gives every kind of each flag on.
    recreated = spec_of(parse(HookCreate, {"url": shown.url, **flags}).given()).events
    assert recreated == closure(kinds)
    assert kinds & EXPRESSIBLE <= recreated
    assert kinds - recreated == kinds & INEXPRESSIBLE  # only the kinds v4 cannot name are dropped
    assert {flag: bool(EVENT_FLAGS[flag] & recreated) for flag in EVENT_FLAGS} == flags

    # Sending the shown flags back as an update widens within flags and drops nothing.
    echoed = changes_of(parse(HookIn, flags).given(), kinds)["events"]
    assert echoed == kinds | closure(kinds)


def test_the_kinds_v4_cannot_express_are_the_documented_ones() -> None:
    assert frozenset(EventKind) - EXPRESSIBLE == INEXPRESSIBLE


@SETTINGS
@given(pattern=PATTERNS)
def test_a_wildcard_filter_survives_core_face_core(pattern: str) -> None:
    hook = stored(HookSpec(url="https://ci.example/hook", branch_filter=branch_filter_of(pattern)))
    assert branch_filter_of(pattern_of(hook)) == hook.branch_filter
    expected = BranchFilterStrategy.WILDCARD if pattern else BranchFilterStrategy.ALL
    assert hook.branch_filter.strategy is expected
