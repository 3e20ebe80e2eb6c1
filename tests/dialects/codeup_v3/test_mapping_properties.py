"""Property tests of the Codeup v3 mapping table (issue 12, item 1): face -> core -> face is the
identity on every field the face owns, and core -> face -> core keeps every kind Codeup can express.

The path under test is the one `routes.py` takes: `HookCreate | HookUpdate` (`.fields()`, which
folds in the document's misspelt `merge_reqeusts_events`), then `mapping.changes_from_body` into a
`HookSpec` (create) or a patch (update), then `HookResult.of` back to the face. The stored hook is
built from the spec with fixed identity and times (what the store hands back): no database needed.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from forgehooks.core.events import EventKind
from forgehooks.core.hooks import BranchFilter, BranchFilterStrategy, Hook, HookSpec, SecretScheme
from forgehooks.dialects.codeup_v3.mapping import EVENT_FLAGS, RESULT_FLAGS, changes_from_body
from forgehooks.dialects.codeup_v3.schemas import HookCreate, HookResult, HookUpdate
from tests.dialects.mapping_properties import KINDS, SETTINGS, SPEC_FIELDS, TEXT, flag_closure, stored_hook

NOW = datetime(2020, 11, 13, 2, 50, 32, 167000, tzinfo=UTC)
TYPO = "merge_reqeusts_events"

#: Every kind some Codeup flag stands for.
EXPRESSIBLE = frozenset().union(*EVENT_FLAGS.values())
#: Kinds Codeup has no flag for. docs/dialects/codeup_v3.md lists the kinds each flag stands for and
#: says "kinds set through other faces stay", but does not name these left-over kinds.
INEXPRESSIBLE = frozenset(
    {
        EventKind.COLLABORATOR_ADD,
        EventKind.COLLABORATOR_UPDATE,
        EventKind.COLLABORATOR_REMOVE,
        EventKind.WEBHOOK_SEND,
    }
)
#: Create defaults, the document's table: only push_events is on, SSL verification on.
DEFAULTS: dict[str, Any] = {
    **{flag: flag == "push_events" for flag in EVENT_FLAGS},
    "enable_ssl_verification": True,
    "description": "",
    "secret_token": "",
}
#: Body field -> Result field, for the fields a Codeup client writes.
RESULT_NAMES: dict[str, str] = {
    **RESULT_FLAGS,
    "url": "Url",
    "enable_ssl_verification": "EnableSslVerification",
    "description": "Description",
    "secret_token": "SecretToken",
}

URLS = st.one_of(
    st.builds("https://{}.example/{}".format, st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True), TEXT),
    TEXT,
)


def stored(spec: HookSpec) -> Hook:
    """The hook the store would hand back for `spec`."""
    return stored_hook(spec, "codeup_v3", NOW)


def closure(kinds: frozenset[EventKind]) -> frozenset[EventKind]:
    """Every kind of every flag that is on for `kinds`."""
    return flag_closure(EVENT_FLAGS, kinds)


def owned(result: HookResult) -> dict[str, Any]:
    """The Result fields a Codeup client writes, under their body names."""
    return {body_name: getattr(result, name) for body_name, name in RESULT_NAMES.items()}


@st.composite
def bodies(draw: st.DrawFn, *, create: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """A JSON body (any field may be left out; the MR flag possibly misspelt, as the document's
    table spells it) and the values it means. A null description or secret means empty."""
    body: dict[str, Any] = {}
    meant: dict[str, Any] = {}
    if create or draw(st.booleans()):
        body["url"] = meant["url"] = draw(URLS.filter(lambda u: len(u) <= 2048))
    for name in (*EVENT_FLAGS, "enable_ssl_verification"):
        if draw(st.booleans()):
            body[name] = meant[name] = draw(st.booleans())
    for name in ("description", "secret_token"):
        if draw(st.booleans()):
            body[name] = draw(st.none() | TEXT) if create else draw(TEXT)
            meant[name] = body[name] or ""
    if draw(st.booleans()):
        body[TYPO] = draw(st.booleans())
        meant.setdefault("merge_requests_events", body[TYPO])  # the right spelling wins
    return body, meant


@st.composite
def core_specs(draw: st.DrawFn) -> HookSpec:
    """Any hook another face or the native API may have stored."""
    return HookSpec(
        url=draw(URLS),
        events=draw(KINDS),
        branch_filter=BranchFilter(strategy=BranchFilterStrategy.WILDCARD, pattern=draw(TEXT)),
        secret=draw(TEXT),
        secret_scheme=draw(st.sampled_from(list(SecretScheme))),
        ssl_verify=draw(st.booleans()),
        active=draw(st.booleans()),
        name=draw(TEXT),
        description=draw(TEXT),
    )


@SETTINGS
@given(request=bodies(create=True))
def test_create_then_show_gives_back_every_field_sent(request: tuple[dict[str, Any], dict[str, Any]]) -> None:
    body, meant = request
    spec = HookSpec(**changes_from_body(HookCreate.model_validate(body).fields(), frozenset()))
    result = HookResult.of(stored(spec))

    expected = DEFAULTS | meant
    # SecretToken is shown as stored (docs/dialects/codeup_v3.md: "returned as stored")
    assert owned(result) == expected
    assert spec.secret == expected["secret_token"]
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
    changes = changes_from_body(HookUpdate.model_validate(body).fields(), hook.events)
    assert set(changes) <= SPEC_FIELDS  # services.hooks.update_hook refuses anything else
    updated = dataclasses.replace(hook, **changes)

    assert owned(HookResult.of(updated)) == owned(HookResult.of(hook)) | meant
    # kinds Codeup has no flag for, set through other faces, are never touched
    assert updated.events - EXPRESSIBLE == prior.events - EXPRESSIBLE
    # fields Codeup does not own stay as they were
    assert (updated.branch_filter, updated.active, updated.name) == (
        prior.branch_filter,
        prior.active,
        prior.name,
    )


@SETTINGS
@given(prior=core_specs(), nulls=st.sets(st.sampled_from(sorted(RESULT_NAMES))))
def test_null_in_an_update_keeps_the_value(prior: HookSpec, nulls: set[str]) -> None:
    hook = stored(prior)
    changes = changes_from_body(HookUpdate.model_validate(dict.fromkeys(nulls)).fields(), hook.events)
    assert changes == {}


@SETTINGS
@given(kinds=KINDS)
def test_core_face_core_keeps_every_kind_codeup_can_express(kinds: frozenset[EventKind]) -> None:
    result = HookResult.of(stored(HookSpec(url="https://ci.example/hook", events=kinds)))
    flags = {flag: getattr(result, RESULT_FLAGS[flag]) for flag in EVENT_FLAGS}

    # Several kinds share one flag (e.g. every merge_request_* kind is merge_requests_events, every
    # pipeline_* kind the deprecated build_events), so the identity holds per flag, not per kind.
    recreated = HookSpec(
        **changes_from_body(HookCreate.model_validate({"url": result.Url, **flags}).fields(), frozenset())
    ).events
    assert recreated == closure(kinds)
    assert kinds & EXPRESSIBLE <= recreated
    assert kinds - recreated == kinds & INEXPRESSIBLE  # only the kinds Codeup cannot name are dropped

    # Sending the shown flags back as an update widens within flags and drops nothing.
    echoed = changes_from_body(HookUpdate.model_validate(flags).fields(), kinds)["events"]
    assert echoed == kinds | closure(kinds)


def test_the_kinds_codeup_cannot_express_are_collaborators_and_webhook_send() -> None:
    assert frozenset(EventKind) - EXPRESSIBLE == INEXPRESSIBLE
