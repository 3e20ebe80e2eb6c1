"""What the five faces' mapping property tests share: Hypothesis settings, strategies for
any text and any set of kinds, the hook the store would hand back, and a flag table's closure."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime

from hypothesis import settings
from hypothesis import strategies as st

from forgehooks.core.events import EventKind
from forgehooks.core.hooks import Hook, HookSpec

SETTINGS = settings(max_examples=200, deadline=None)
SPEC_FIELDS = frozenset(f.name for f in dataclasses.fields(HookSpec))
TEXT = st.text(st.characters(codec="utf-8"), max_size=60)
KINDS = st.frozensets(st.sampled_from(list(EventKind)))


def stored_hook(spec: HookSpec, dialect: str, now: datetime) -> Hook:
    """The hook the store would hand back for `spec` made through `dialect` at `now`."""
    values = {f.name: getattr(spec, f.name) for f in dataclasses.fields(HookSpec)}
    return Hook(
        **values,
        id=11,
        uuid="28209e4d-aaaa-aaaa-aaaa-5ef23f559530",
        project_id=7,
        dialect=dialect,
        created_at=now,
        updated_at=now,
    )


def flag_closure(
    flags: Mapping[str, frozenset[EventKind]], kinds: frozenset[EventKind]
) -> frozenset[EventKind]:
    """Every kind of every flag that is on for `kinds`."""
    return frozenset().union(*(flag_kinds for flag_kinds in flags.values() if flag_kinds & kinds))
