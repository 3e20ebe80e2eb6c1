"""Property tests of the CodeArts Repo v4 mapping table (issue 12, item 1): face -> core -> face is
the identity on every field the face owns, and core -> face -> core keeps every kind it can express.

The path under test is the one `routes.py` takes: `WebhookIn.model_validate(body).given()`, then
`mapping.spec_of` (add) or `mapping.changes_of` (update) into core, then `WebhookOut.of` back to the
face. The stored hook is built from the spec with fixed identity and times (what the store hands
back): no database needed. Two documented exceptions to a literal identity
(docs/dialects/codearts_v4.md): `""` and `.*` both mean every branch and are shown as `.*`, and the
token is write-only, shown as `"************"` when set and `""` when not.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forgehooks.core.events import EventKind
from forgehooks.core.hooks import BranchFilter, BranchFilterStrategy, Hook, HookSpec, SecretScheme
from forgehooks.dialects.codearts_v4.mapping import (
    DEFAULT_FLAGS,
    DEFAULT_TOKEN_TYPE,
    EVENT_FLAGS,
    MATCH_ALL,
    TOKEN_MASK,
    TOKEN_TYPE,
    branch_filter_of,
    changes_of,
    regex_of,
    spec_of,
)
from forgehooks.dialects.codearts_v4.schemas import RESERVED_HEADERS, WebhookIn, WebhookOut
from tests.dialects.mapping_properties import KINDS, SETTINGS, SPEC_FIELDS, TEXT, flag_closure, stored_hook

NOW = datetime(2024, 10, 15, 14, 30, 24, tzinfo=UTC)
OWNED = frozenset({"url", "push_events_branch_regex_filter", "token", "token_type", "name", "description"})

#: Every kind some CodeArts flag stands for.
EXPRESSIBLE = frozenset().union(*EVENT_FLAGS.values())
#: Kinds CodeArts has no flag for. docs/dialects/codearts_v4.md names them only as "(issues,
#: pipelines, …)"; the "…" is collaborators and webhook_send.
INEXPRESSIBLE = frozenset(
    {
        EventKind.ISSUE_OPEN,
        EventKind.ISSUE_UPDATE,
        EventKind.ISSUE_CLOSE,
        EventKind.ISSUE_REOPEN,
        EventKind.PIPELINE_NEW,
        EventKind.PIPELINE_RUNNING,
        EventKind.PIPELINE_SUCCESS,
        EventKind.PIPELINE_FAILED,
        EventKind.PIPELINE_CANCELED,
        EventKind.COLLABORATOR_ADD,
        EventKind.COLLABORATOR_UPDATE,
        EventKind.COLLABORATOR_REMOVE,
        EventKind.WEBHOOK_SEND,
    }
)

URLS = st.one_of(
    st.builds("https://{}.example/{}".format, st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True), TEXT),
    TEXT,
)
REGEXES = st.one_of(st.sampled_from(["", MATCH_ALL, "^main$", "release/.*", "^(dev|test)-[0-9]+"]), TEXT)
TOKEN_TYPES = st.one_of(
    st.sampled_from(["", DEFAULT_TOKEN_TYPE, "X-Gitlab-Token", "X-Auth-Token"]),
    st.from_regex(r"X-[A-Za-z0-9][A-Za-z0-9-]{0,40}", fullmatch=True).filter(
        lambda v: not v.lower().startswith(RESERVED_HEADERS)
    ),
)


def stored(spec: HookSpec) -> Hook:
    """The hook the store would hand back for `spec`."""
    return stored_hook(spec, "codearts_v4", NOW)


def closure(kinds: frozenset[EventKind]) -> frozenset[EventKind]:
    """Every kind of every flag that is on for `kinds`."""
    return flag_closure(EVENT_FLAGS, kinds)


def owned(hook: Hook) -> dict[str, Any]:
    """The WebhookDto fields a CodeArts client writes."""
    return WebhookOut.of(hook).model_dump(include={*OWNED, *EVENT_FLAGS})


def as_shown(meant: dict[str, Any]) -> dict[str, Any]:
    """How WebhookDto shows the values sent: the documented all-branches and token rules."""
    shown = dict(meant)
    if "push_events_branch_regex_filter" in shown and shown["push_events_branch_regex_filter"] == "":
        shown["push_events_branch_regex_filter"] = MATCH_ALL
    if "token" in shown:
        shown["token"] = TOKEN_MASK if shown["token"] else ""
    if "token_type" in shown:
        shown["token_type"] = shown["token_type"] or DEFAULT_TOKEN_TYPE
    return shown


@st.composite
def bodies(draw: st.DrawFn, *, create: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """A WebhookParamsDto (any owned field left out or null) and the values it carries."""
    body: dict[str, Any] = {}
    meant: dict[str, Any] = {}
    values = {
        "url": URLS,
        **dict.fromkeys(EVENT_FLAGS, st.booleans()),
        "push_events_branch_regex_filter": REGEXES,
        "token": TEXT,
        "token_type": TOKEN_TYPES,
        "name": TEXT,
        "description": TEXT,
    }
    for name, strategy in values.items():
        presence = "given" if create and name == "url" else draw(st.sampled_from(["given", "absent", "null"]))
        if presence == "given":
            body[name] = meant[name] = draw(strategy)
        elif presence == "null":
            body[name] = None  # null counts as left out
    return body, meant


@st.composite
def core_specs(draw: st.DrawFn) -> HookSpec:
    """Any hook another face or the native API may have stored (with other faces' extras)."""
    strategy = draw(st.sampled_from(list(BranchFilterStrategy)))
    pattern = "" if strategy is BranchFilterStrategy.ALL else draw(TEXT)
    extras = draw(st.dictionaries(st.sampled_from([TOKEN_TYPE, "other_face"]), TOKEN_TYPES))
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
        extras=extras,
    )


@SETTINGS
@given(request=bodies(create=True))
def test_add_then_show_gives_back_every_field_sent(request: tuple[dict[str, Any], dict[str, Any]]) -> None:
    body, meant = request
    spec = spec_of(WebhookIn.model_validate(body).given())
    defaults = {
        **DEFAULT_FLAGS,
        "push_events_branch_regex_filter": MATCH_ALL,
        "token": "",
        "token_type": DEFAULT_TOKEN_TYPE,
        "name": "",
        "description": "",
    }
    assert owned(stored(spec)) == defaults | as_shown(meant)
    # the token is stored as it was sent, although it is shown masked
    assert spec.secret == meant.get("token", "")
    assert spec.secret_scheme is SecretScheme.TOKEN
    # a flag stands for all of its kinds: the hook wants exactly the kinds of the flags that are on
    flags = {**DEFAULT_FLAGS, **{f: v for f, v in meant.items() if f in EVENT_FLAGS}}
    assert spec.events == frozenset().union(*(EVENT_FLAGS[f] for f, on in flags.items() if on))


@SETTINGS
@given(prior=core_specs(), request=bodies(create=False))
def test_update_changes_exactly_the_fields_sent(
    prior: HookSpec, request: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    body, meant = request
    hook = stored(prior)
    changes = changes_of(hook, WebhookIn.model_validate(body).given())
    assert set(changes) <= SPEC_FIELDS  # services.hooks.update_hook refuses anything else
    updated = dataclasses.replace(hook, **changes)

    assert owned(updated) == owned(hook) | as_shown(meant)
    assert updated.secret == meant.get("token", prior.secret)
    # kinds CodeArts has no flag for (issues, pipelines, ...), set through other faces, stay
    assert updated.events - EXPRESSIBLE == prior.events - EXPRESSIBLE
    # other faces' extras survive a CodeArts update
    assert {k: v for k, v in updated.extras.items() if k != TOKEN_TYPE} == {
        k: v for k, v in prior.extras.items() if k != TOKEN_TYPE
    }
    # fields CodeArts does not own stay as they were
    assert (updated.ssl_verify, updated.active) == (prior.ssl_verify, prior.active)


@SETTINGS
@given(kinds=KINDS)
def test_core_face_core_keeps_every_kind_codearts_can_express(kinds: frozenset[EventKind]) -> None:
    shown = WebhookOut.of(stored(HookSpec(url="https://ci.example/hook", events=kinds)))
    flags = {flag: getattr(shown, flag) for flag in EVENT_FLAGS}

    # Several kinds share one flag (e.g. all seven merge_request_* kinds are merge_requests_events),
    # so the identity holds per flag, not per kind: reading back gives every kind of each flag on.
    recreated = spec_of(WebhookIn.model_validate({"url": shown.url, **flags}).given()).events
    assert recreated == closure(kinds)
    assert kinds & EXPRESSIBLE <= recreated
    assert kinds - recreated == kinds & INEXPRESSIBLE  # only the kinds CodeArts cannot name are dropped

    # Sending the shown flags back as an update widens within flags and drops nothing.
    hook = stored(HookSpec(url=shown.url, events=kinds))
    echoed = changes_of(hook, WebhookIn.model_validate(flags).given())["events"]
    assert echoed == kinds | closure(kinds)


def test_the_kinds_codearts_cannot_express_are_issues_pipelines_collaborators_and_webhook_send() -> None:
    assert frozenset(EventKind) - EXPRESSIBLE == INEXPRESSIBLE


@SETTINGS
@given(regex=REGEXES)
def test_a_regex_filter_survives_core_face_core(regex: str) -> None:
    branch_filter = branch_filter_of(regex)
    assert branch_filter_of(regex_of(branch_filter)) == branch_filter
    expected = BranchFilterStrategy.ALL if regex in ("", MATCH_ALL) else BranchFilterStrategy.REGEX
    assert branch_filter.strategy is expected


def test_a_token_type_with_a_trailing_newline_is_refused() -> None:
    with pytest.raises(ValueError):
        WebhookIn.model_validate({"token_type": "X-Repo-Token\n"})
