"""The hook form of the console: what a browser posts, read into a HookSpec or a set of changes.

Only the form's own format is checked here (a header line without a colon, a strategy that
is not offered); what a hook may be (URL, targets, names, branch patterns) is checked by
services.hooks, the same as for every API face.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from forgehooks.core.errors import InvalidInput
from forgehooks.core.events import EventKind
from forgehooks.core.hooks import BranchFilter, BranchFilterStrategy, Hook, HookSpec, SecretScheme

#: Check boxes of the form; an unticked box is simply absent from the post.
FLAGS = ("ssl_verify", "active", "standard_webhooks", "ordered")


@dataclass(slots=True, kw_only=True)
class HookForm:
    """The values the form shows: a new hook's defaults, a hook's own, or what was just posted."""

    url: str = ""
    name: str = ""
    description: str = ""
    events: frozenset[str] = frozenset({EventKind.PUSH.value})
    strategy: str = BranchFilterStrategy.ALL.value
    pattern: str = ""
    secret_scheme: str = SecretScheme.SIGNATURE.value
    flags: frozenset[str] = frozenset({"ssl_verify", "active"})
    header_names: tuple[str, ...] = ()
    variable_names: tuple[str, ...] = ()
    has_secret: bool = False
    extras: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, hook: Hook) -> HookForm:
        """A hook's settings as the edit form shows them; secret values stay out."""
        return cls(
            url=hook.url,
            name=hook.name,
            description=hook.description,
            events=frozenset(k.value for k in hook.events),
            strategy=hook.branch_filter.strategy.value,
            pattern=hook.branch_filter.pattern,
            secret_scheme=hook.secret_scheme.value,
            flags=frozenset(f for f in FLAGS if getattr(hook, f)),
            header_names=tuple(hook.custom_headers),
            variable_names=tuple(hook.url_variables),
            has_secret=bool(hook.secret),
            extras=hook.extras,
        )

    @classmethod
    def posted(cls, form: FormData, hook: Hook | None = None) -> HookForm:
        """What the browser sent, to show again next to an error."""
        shown = cls.of(hook) if hook is not None else cls()
        shown.url = str(form.get("url", ""))
        shown.name = str(form.get("name", ""))
        shown.description = str(form.get("description", ""))
        shown.events = frozenset(str(v) for v in form.getlist("events"))
        shown.strategy = str(form.get("strategy", shown.strategy))
        shown.pattern = str(form.get("pattern", ""))
        shown.secret_scheme = str(form.get("secret_scheme", shown.secret_scheme))
        shown.flags = frozenset(f for f in FLAGS if form.get(f))
        return shown


def _choice(form: FormData, name: str, allowed: tuple[str, ...]) -> str:
    value = str(form.get(name, ""))
    if value not in allowed:
        raise InvalidInput(name, f"must be one of {', '.join(allowed)}")
    return value


def _events(form: FormData) -> frozenset[EventKind]:
    chosen: set[EventKind] = set()
    for value in form.getlist("events"):
        try:
            chosen.add(EventKind(str(value)))
        except ValueError:
            raise InvalidInput("events", f"unknown event kind {value!r}") from None
    if not chosen:
        raise InvalidInput("events", "choose at least one event")
    return frozenset(chosen)


def _pairs(text: str, field_name: str, separator: str) -> dict[str, str]:
    """`name<separator>value` lines; blank lines are skipped."""
    pairs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, found, value = line.partition(separator)
        if not found or not name.strip():
            raise InvalidInput(field_name, f"line {number} needs the form name{separator} value")
        pairs[name.strip()] = value.strip()
    return pairs


def _common(form: FormData) -> dict[str, Any]:
    """The fields every post of the form carries, as HookSpec fields."""
    strategies = tuple(s.value for s in BranchFilterStrategy)
    strategy = BranchFilterStrategy(_choice(form, "strategy", strategies))
    pattern = str(form.get("pattern", "")).strip() if strategy is not BranchFilterStrategy.ALL else ""
    return {
        "url": str(form.get("url", "")).strip(),
        "name": str(form.get("name", "")).strip(),
        "description": str(form.get("description", "")).strip(),
        "events": _events(form),
        "branch_filter": BranchFilter(strategy=strategy, pattern=pattern),
        "secret_scheme": SecretScheme(_choice(form, "secret_scheme", tuple(s.value for s in SecretScheme))),
        **{flag: bool(form.get(flag)) for flag in FLAGS},
    }


def new_spec(form: FormData) -> HookSpec:
    """A new hook from the add form."""
    return HookSpec(
        **_common(form),
        secret=str(form.get("secret", "")),
        custom_headers=_pairs(str(form.get("custom_headers", "")), "custom_headers", ":"),
        url_variables=_pairs(str(form.get("url_variables", "")), "url_variables", "="),
    )


def changes_of(form: FormData) -> dict[str, Any]:
    """The edit form's changes: a blank secret, header or variable box keeps what is stored."""
    changes = _common(form)
    if form.get("remove_secret"):
        changes["secret"] = ""
    elif secret := str(form.get("secret", "")):
        changes["secret"] = secret
    for name, separator in (("custom_headers", ":"), ("url_variables", "=")):
        if form.get(f"remove_{name}"):
            changes[name] = {}
        elif text := str(form.get(name, "")).strip():
            changes[name] = _pairs(text, name, separator)
    return changes
