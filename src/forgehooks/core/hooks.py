"""Hooks: the canonical subscription record shared by all five faces, and its health rule."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import unquote, urlsplit

from forgehooks.core.events import EventKind


class BranchFilterStrategy(StrEnum):
    """How a hook's branch filter pattern is read."""

    ALL = "all_branches"  #: every branch matches
    WILDCARD = "wildcard"  #: shell-style `*` pattern, e.g. `release/*`
    REGEX = "regex"  #: a regular expression searched in the branch name


class SecretScheme(StrEnum):
    """How a hook's secret protects its deliveries."""

    TOKEN = "token"  #: sent verbatim in the dialect's token header
    SIGNATURE = "signature"  #: used as the HMAC key of the dialect's signature header


@dataclass(frozen=True, slots=True, kw_only=True)
class BranchFilter:
    """Which branches a hook hears about."""

    strategy: BranchFilterStrategy = BranchFilterStrategy.ALL
    pattern: str = ""


ALL_BRANCHES = BranchFilter()


@dataclass(frozen=True, slots=True, kw_only=True)
class HookSpec:
    """The fields a face may write: everything about a hook except identity and health."""

    url: str
    events: frozenset[EventKind] = frozenset({EventKind.PUSH})
    branch_filter: BranchFilter = ALL_BRANCHES
    secret: str = ""
    secret_scheme: SecretScheme = SecretScheme.TOKEN
    ssl_verify: bool = True
    content_type: str = "application/json"
    name: str = ""
    description: str = ""
    active: bool = True
    standard_webhooks: bool = False
    #: Extra request headers (secret values: encrypted at rest, masked when shown or logged).
    custom_headers: Mapping[str, str] = field(default_factory=dict)
    #: Secret parts of the URL: `{name}` in the url is replaced at send time (GitLab's url_variables).
    url_variables: Mapping[str, str] = field(default_factory=dict)
    #: Deliver strictly in publish order: one in flight, a failing one holds the rest.
    ordered: bool = False
    #: Face-owned fields with no canonical counterpart (e.g. CodeArts' token_type).
    extras: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscriber:
    """What fan-out reads of a hook: whether it wants an event, its face and its state."""

    id: int
    dialect: str
    events: frozenset[EventKind]
    branch_filter: BranchFilter
    active: bool
    ordered: bool
    disabled: bool
    disabled_until: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Hook(HookSpec):
    """A stored hook with its identities and health."""

    id: int
    uuid: str
    project_id: int
    dialect: str  # the face that created it
    created_at: datetime
    updated_at: datetime
    last_status_code: int | None = None
    last_message: str = ""
    last_at: datetime | None = None
    consecutive_failures: int = 0
    disabled_until: datetime | None = None
    disabled: bool = False  # permanently, until re-enabled
    #: After a secret rotation the old secret still signs, alongside the new, until then.
    previous_secret: str = ""
    previous_secret_until: datetime | None = None

    def is_paused(self, now: datetime) -> bool:
        """Whether deliveries to this hook must wait (disabled, or temporarily disabled)."""
        return self.disabled or (self.disabled_until is not None and self.disabled_until > now)


@dataclass(frozen=True, slots=True, kw_only=True)
class HookHealth:
    """The failure count and disabled state after one more attempt."""

    consecutive_failures: int
    disabled_until: datetime | None
    disabled: bool


#: GitLab's model: after this many failures in a row a hook is paused, first for one
#: minute, doubling per further failure up to a day; after PERMANENT it is disabled.
TEMPORARY_AFTER = 4
PERMANENT_AFTER = 40
FIRST_PAUSE = timedelta(minutes=1)
LONGEST_PAUSE = timedelta(hours=24)


def health_after(failures_before: int, succeeded: bool, now: datetime) -> HookHealth:
    """Apply the auto-disable rule to one attempt's outcome."""
    if succeeded:
        return HookHealth(consecutive_failures=0, disabled_until=None, disabled=False)
    failures = failures_before + 1
    if failures >= PERMANENT_AFTER:
        return HookHealth(consecutive_failures=failures, disabled_until=None, disabled=True)
    if failures >= TEMPORARY_AFTER:
        pause = min(FIRST_PAUSE * 2 ** (failures - TEMPORARY_AFTER), LONGEST_PAUSE)
        return HookHealth(consecutive_failures=failures, disabled_until=now + pause, disabled=False)
    return HookHealth(consecutive_failures=failures, disabled_until=None, disabled=False)


MASK = "****"

#: A password written in a hook URL (`https://user:pw@host/`) is kept, encrypted, as this URL
#: variable; the stored URL holds the placeholder, so no answer, page or log line shows it.
URL_PASSWORD = "url_password"
URL_PASSWORD_PLACEHOLDER = "{" + URL_PASSWORD + "}"
#: The `Authorization: Basic` value those URL credentials are sent as. It is in no URL; it is
#: kept among the URL variables because the delivery log masks every variable's value
#: wherever a receiver echoes it, and receivers do echo their request headers.
URL_BASIC_CREDENTIALS = "url_basic_credentials"


def lift_url_password(
    url: str, variables: Mapping[str, str], kept: Mapping[str, str]
) -> tuple[str, dict[str, str]]:
    """The URL with its password replaced by the placeholder, and the variables holding it.

    A password given as the mask (a URL read back from an answer and sent again) keeps the
    password stored before, found in `kept`, the hook's previous variables.
    """
    result = dict(variables)
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, result  # the URL check refuses it with its own reason
    userinfo, at, hostport = parts.netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    if not at or not colon:
        if URL_PASSWORD_PLACEHOLDER not in url:
            result.pop(URL_PASSWORD, None)
            result.pop(URL_BASIC_CREDENTIALS, None)
        return url, result
    if password == URL_PASSWORD_PLACEHOLDER:
        password = result.get(URL_PASSWORD) or kept.get(URL_PASSWORD, "")
    elif password == MASK and URL_PASSWORD in kept:
        password = kept[URL_PASSWORD]
    result[URL_PASSWORD] = password
    basic = f"{unquote(user)}:{unquote(password)}".encode()
    result[URL_BASIC_CREDENTIALS] = base64.b64encode(basic).decode()
    netloc = f"{user}:{URL_PASSWORD_PLACEHOLDER}@{hostport}"
    return parts._replace(netloc=netloc).geturl(), result


def shown_url(url: str) -> str:
    """A hook URL as answers show it: a password in it masked."""
    return url.replace(URL_PASSWORD_PLACEHOLDER, MASK)


def shown_secret(hook: Hook, dialect: str) -> str:
    """A hook's secret as the face `dialect` shows it (the one secret policy of every face).

    In clear only on a hook made through that same face (the faces whose documents show a
    secret: Codeup v3, GitFlic, GitCode v5); masked everywhere else, so a secret set through
    the native API or a masking face is never shown again; empty when there is none.
    """
    if not hook.secret:
        return ""
    return hook.secret if hook.dialect == dialect else MASK


def expand_url(url: str, variables: Mapping[str, str]) -> str:
    """The URL to send to: each `{name}` replaced by its secret value."""
    for name, value in variables.items():
        url = url.replace("{" + name + "}", value)
    return url


def masked_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Custom headers as shown: names kept, values masked."""
    return dict.fromkeys(headers, MASK)


def signing_secrets(hook: Hook, now: datetime) -> tuple[str, ...]:
    """The secrets that sign now: the current one, and the previous one during its grace period."""
    if not hook.secret:
        return ()
    overlapping = hook.previous_secret_until is not None and hook.previous_secret_until > now
    if overlapping and hook.previous_secret and hook.previous_secret != hook.secret:
        return (hook.secret, hook.previous_secret)
    return (hook.secret,)
