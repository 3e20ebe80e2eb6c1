"""Property tests of the GitFlic mapping table (issue 12, item 1): face -> core -> face is the
identity on every field the face owns (url, secret, all 24 event flags), and core -> face -> core
keeps every kind GitFlic can express.

The path under test is the one `routes.py` takes: `WebhookIn | WebhookUpdate`
`.model_dump(exclude_unset=True)`, then `mapping.spec_from` (create) or `mapping.changes_from`
(update) into core, then `Webhook.of` back to the face. The stored hook is built from the spec
with fixed identity and times (what the store hands back): no database needed.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from forgehooks.core.events import EventKind
from forgehooks.core.hooks import BranchFilter, BranchFilterStrategy, Hook, HookSpec, SecretScheme
from forgehooks.dialects.gitflic.mapping import EVENT_FLAGS, changes_from, spec_from
from forgehooks.dialects.gitflic.schemas import Webhook, WebhookIn, WebhookUpdate
from tests.dialects.mapping_properties import KINDS, SETTINGS, SPEC_FIELDS, TEXT, flag_closure, stored_hook

NOW = datetime(2024, 3, 19, 9, 56, 16, 376885, tzinfo=UTC)
PROJECT_UUID = "c94aedd2-aaaa-aaaa-aaaa-67fbf1112a82"
FLAGS = tuple(EVENT_FLAGS)

#: Every kind some GitFlic flag stands for.
EXPRESSIBLE = frozenset().union(*EVENT_FLAGS.values())
#: docs/dialects/gitflic.md: "`note_commit` has no GitFlic flag (GitFlic has no commit-comment webhook)".
INEXPRESSIBLE = frozenset({EventKind.NOTE_COMMIT})

URLS = st.one_of(
    st.builds("https://{}.example/{}".format, st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True), TEXT),
    TEXT,
)

#: Any subset of the 24 flags, each true or false (flags left out of the dict are left out of the body).
SOME_FLAGS = st.dictionaries(st.sampled_from(FLAGS), st.booleans())


def stored(spec: HookSpec) -> Hook:
    """The hook the store would hand back for `spec`."""
    return stored_hook(spec, "gitflic", NOW)


def closure(kinds: frozenset[EventKind]) -> frozenset[EventKind]:
    """Every kind of every flag that is on for `kinds`."""
    return flag_closure(EVENT_FLAGS, kinds)


def shown(hook: Hook) -> Webhook:
    """The hook as GitFlic shows it."""
    return Webhook.of(hook, PROJECT_UUID)


@st.composite
def core_specs(draw: st.DrawFn) -> HookSpec:
    """Any hook another face or the native API may have stored."""
    return HookSpec(
        url=draw(URLS),
        events=draw(KINDS),
        branch_filter=BranchFilter(strategy=BranchFilterStrategy.REGEX, pattern=draw(TEXT)),
        secret=draw(TEXT),
        secret_scheme=draw(st.sampled_from(list(SecretScheme))),
        ssl_verify=draw(st.booleans()),
        active=draw(st.booleans()),
        name=draw(TEXT),
    )


@SETTINGS
@given(url=URLS, secret=st.none() | TEXT, has_secret=st.booleans(), flags=st.none() | SOME_FLAGS)
def test_create_then_show_gives_back_every_field_sent(
    url: str, secret: str | None, has_secret: bool, flags: dict[str, bool] | None
) -> None:
    body: dict[str, Any] = {"url": url}
    if has_secret:
        body["secret"] = secret
    if flags is not None:
        body["events"] = flags
    spec = spec_from(WebhookIn.model_validate(body).model_dump(exclude_unset=True))
    webhook = shown(stored(spec))

    assert webhook.url == url
    # the secret is returned in clear, null when there is none (docs/dialects/gitflic.md)
    given_secret = secret if has_secret else None
    assert webhook.secret == (given_secret or None)
    assert spec.secret == (given_secret or "")
    assert spec.secret_scheme is SecretScheme.TOKEN
    # flags left out of a create body are false; every flag comes back as sent
    assert webhook.events.model_dump() == {flag: (flags or {}).get(flag, False) for flag in FLAGS}
    # each flag owns its kinds: the hook wants exactly the kinds of the flags that are on
    assert spec.events == frozenset().union(*(EVENT_FLAGS[f] for f, on in (flags or {}).items() if on))


@SETTINGS
@given(
    prior=core_specs(),
    url=st.none() | URLS,
    has_secret=st.booleans(),
    secret=st.none() | TEXT,
    flags=st.none() | SOME_FLAGS,
)
def test_update_changes_exactly_the_fields_sent(
    prior: HookSpec, url: str | None, has_secret: bool, secret: str | None, flags: dict[str, bool] | None
) -> None:
    body: dict[str, Any] = {}
    if url is not None:
        body["url"] = url
    if has_secret:
        body["secret"] = secret
    if flags is not None:
        body["events"] = flags
    hook = stored(prior)
    changes = changes_from(WebhookUpdate.model_validate(body).model_dump(exclude_unset=True), hook.events)
    assert set(changes) <= SPEC_FIELDS  # services.hooks.update_hook refuses anything else
    updated = dataclasses.replace(hook, **changes)
    before, after = shown(hook), shown(updated)

    assert after.url == (url if url is not None else before.url)
    # `"secret": null` (or "") removes the secret; left out, it stays
    assert after.secret == ((secret or None) if has_secret else before.secret)
    # flags left out of an update keep their value
    assert after.events.model_dump() == before.events.model_dump() | (flags or {})
    # kinds GitFlic has no flag for (note_commit), set through other faces, are never touched
    assert updated.events - EXPRESSIBLE == prior.events - EXPRESSIBLE
    # fields GitFlic does not own stay as they were
    assert (updated.branch_filter, updated.ssl_verify, updated.active, updated.name) == (
        prior.branch_filter,
        prior.ssl_verify,
        prior.active,
        prior.name,
    )


@SETTINGS
@given(kinds=KINDS)
def test_core_face_core_keeps_every_kind_gitflic_can_express(kinds: frozenset[EventKind]) -> None:
    webhook = shown(stored(HookSpec(url="https://ci.example/hook", events=kinds)))
    flags = webhook.events.model_dump()

    # Most flags own one kind, but MERGE_REQUEST_UPDATE (update, reopen), ISSUE_UPDATE (update,
    # close, reopen), PIPELINE_NEW (new, running) and PIPELINE_FAIL (failed, canceled) own several:
    # for those the identity holds per flag, not per kind, so the property is the flag closure.
    body = {"url": webhook.url, "secret": webhook.secret, "events": flags}
    recreated = spec_from(WebhookIn.model_validate(body).model_dump(exclude_unset=True)).events
    assert recreated == closure(kinds)
    assert kinds & EXPRESSIBLE <= recreated
    assert kinds - recreated == kinds & INEXPRESSIBLE  # only note_commit can be dropped
    single = frozenset().union(*(k for k in EVENT_FLAGS.values() if len(k) == 1))
    assert recreated & single == kinds & single  # kind-level identity where a flag owns one kind

    # Sending the shown webhook back as an update widens within flags and drops nothing.
    echoed = changes_from(WebhookUpdate.model_validate(body).model_dump(exclude_unset=True), kinds)
    assert echoed["events"] == kinds | closure(kinds)


def test_the_kinds_gitflic_cannot_express_are_the_documented_ones() -> None:
    assert frozenset(EventKind) - EXPRESSIBLE == INEXPRESSIBLE
