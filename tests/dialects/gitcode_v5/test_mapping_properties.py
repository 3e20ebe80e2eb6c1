"""Property tests of the GitCode v5 mapping table (issue 12, item 1): face -> core -> face is the
identity on every field the face owns, and core -> face -> core keeps every kind v5 can express.

The path under test is the one `routes.py` takes: `HookParams.parse(params)` (query, form or JSON
values), then `mapping.spec_of` (create) or `mapping.changes_of` (update) into core, then
`HookOut.of` back to the face. `encryption_type` is write-only (docs/dialects/gitcode_v5.md: "not
in any response of the document and is not returned"), so it is checked in core and through
`mapping.encryption_type_of`. The stored hook is built from the spec with fixed identity and times
(what the store hands back): no database needed.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from forgehooks.core.events import EventKind
from forgehooks.core.hooks import BranchFilter, BranchFilterStrategy, Hook, HookSpec, SecretScheme
from forgehooks.dialects.gitcode_v5.mapping import (
    DEFAULT_FLAGS,
    ENCRYPTION_TYPES,
    EVENT_FLAGS,
    changes_of,
    encryption_type_of,
    spec_of,
)
from forgehooks.dialects.gitcode_v5.schemas import HookOut, HookParams
from tests.dialects.mapping_properties import KINDS, SETTINGS, SPEC_FIELDS, TEXT, flag_closure, stored_hook

NOW = datetime(2024, 9, 18, 9, 51, 44, tzinfo=UTC)

#: Every kind some v5 flag stands for.
EXPRESSIBLE = frozenset().union(*EVENT_FLAGS.values())
#: Kinds v5 has no flag for. docs/dialects/gitcode_v5.md names them only as "pipelines,
#: collaborators, …" (webhook_send is the "…").
INEXPRESSIBLE = frozenset(
    {
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
    TEXT.filter(str.strip),  # a blank url is a 400, not a mapping
)


def stored(spec: HookSpec) -> Hook:
    """The hook the store would hand back for `spec`."""
    return stored_hook(spec, "gitcode_v5", NOW)


def closure(kinds: frozenset[EventKind]) -> frozenset[EventKind]:
    """Every kind of every flag that is on for `kinds`."""
    return flag_closure(EVENT_FLAGS, kinds)


def owned(hook: Hook) -> dict[str, Any]:
    """The fields a v5 client writes, as the face shows them (plus the unshown encryption_type)."""
    shown = HookOut.of(hook).model_dump(include={"url", "password", *EVENT_FLAGS})
    return shown | {"encryption_type": encryption_type_of(hook)}


@st.composite
def spelt(draw: st.DrawFn, value: bool | int) -> bool | int | str:
    """A value as JSON sends it, or as a query or form field spells it."""
    options: list[bool | int | str] = [value, str(value)]
    if isinstance(value, bool):
        options = [value, "true" if value else "false", "1" if value else "0"]
    return draw(st.sampled_from(options))


@st.composite
def params(draw: st.DrawFn, *, create: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parameters (any owned one may be left out) and the typed values they carry."""
    meant: dict[str, Any] = {}
    if create or draw(st.booleans()):
        meant["url"] = draw(URLS)
    for flag in EVENT_FLAGS:
        if draw(st.booleans()):
            meant[flag] = draw(st.booleans())
    if draw(st.booleans()):
        meant["password"] = draw(TEXT)
    if draw(st.booleans()):
        meant["encryption_type"] = draw(st.sampled_from(sorted(ENCRYPTION_TYPES)))
    raw = {k: v if isinstance(v, str) else draw(spelt(v)) for k, v in meant.items()}
    return raw, meant


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
@given(request=params(create=True))
def test_create_then_show_gives_back_every_field_sent(request: tuple[dict[str, Any], dict[str, Any]]) -> None:
    raw, meant = request
    spec = spec_of(HookParams.parse(raw))
    expected: dict[str, Any] = DEFAULT_FLAGS | {"password": "", "encryption_type": 0} | meant
    # password is returned in clear, as the document shows (docs/dialects/gitcode_v5.md)
    assert owned(stored(spec)) == expected
    assert spec.secret == expected["password"]
    assert spec.secret_scheme is ENCRYPTION_TYPES[expected["encryption_type"]]
    # a flag stands for all of its kinds: the hook wants exactly the kinds of the flags that are on
    assert spec.events == frozenset().union(*(EVENT_FLAGS[f] for f in EVENT_FLAGS if expected[f]))


@SETTINGS
@given(prior=core_specs(), request=params(create=False))
def test_update_changes_exactly_the_fields_sent(
    prior: HookSpec, request: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    raw, meant = request
    hook = stored(prior)
    changes = changes_of(HookParams.parse(raw), hook.events)
    assert set(changes) <= SPEC_FIELDS  # services.hooks.update_hook refuses anything else
    updated = dataclasses.replace(hook, **changes)

    assert owned(updated) == owned(hook) | meant
    # kinds v5 has no flag for (pipelines, collaborators, ...), set through other faces, stay
    assert updated.events - EXPRESSIBLE == prior.events - EXPRESSIBLE
    # fields v5 does not own stay as they were
    assert (updated.branch_filter, updated.ssl_verify, updated.active, updated.name) == (
        prior.branch_filter,
        prior.ssl_verify,
        prior.active,
        prior.name,
    )


@SETTINGS
@given(kinds=KINDS, scheme=st.sampled_from(list(SecretScheme)))
def test_core_face_core_keeps_every_kind_v5_can_express(
    kinds: frozenset[EventKind], scheme: SecretScheme
) -> None:
    hook = stored(
        HookSpec(url="https://ci.example/hook", events=kinds, secret="s3cr3t", secret_scheme=scheme)
    )
    shown = HookOut.of(hook)
    flags = {flag: getattr(shown, flag) for flag in EVENT_FLAGS}
    sent = {
        "url": shown.url,
        "password": shown.password,
        "encryption_type": encryption_type_of(hook),
        **flags,
    }

    # Several kinds share one flag (e.g. every merge_request_* kind is merge_requests_events), so
    # the identity holds per flag, not per kind: reading back gives every kind of each flag on.
    recreated = spec_of(HookParams.parse(sent))
    assert recreated.events == closure(kinds)
    assert kinds & EXPRESSIBLE <= recreated.events
    assert kinds - recreated.events == kinds & INEXPRESSIBLE  # only the kinds v5 cannot name are dropped
    assert (recreated.secret, recreated.secret_scheme) == (hook.secret, hook.secret_scheme)

    # Sending the shown flags back as an update widens within flags and drops nothing.
    echoed = changes_of(HookParams.parse(flags), kinds)["events"]
    assert echoed == kinds | closure(kinds)


def test_the_kinds_v5_cannot_express_are_pipelines_collaborators_and_webhook_send() -> None:
    assert frozenset(EventKind) - EXPRESSIBLE == INEXPRESSIBLE
