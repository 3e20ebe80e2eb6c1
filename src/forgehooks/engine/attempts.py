"""One attempt as small typed steps: prepare the request, judge the outcome, record it."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from forgehooks.core.deliveries import DeliveryState, Outcome, Verdict
from forgehooks.core.hooks import Hook, expand_url, signing_secrets
from forgehooks.core.retry import RetryPolicy, next_attempt_at
from forgehooks.core.signing import standard_webhooks_signatures
from forgehooks.core.wire import Envelope, OutgoingRequest, WireFormat
from forgehooks.engine.sender import TlsMaterial
from forgehooks.store.queue import AttemptRecord, Claimed
from forgehooks.store.secrets import SecretBox

MASK = "[masked]"
#: the key of a hook's own TLS settings in its extras (see `services/hook_tls.py`)
TLS_EXTRA = "tls"

#: Header names a hook's custom headers never set (compared lower-cased): the request's own
#: framing, and the families forgehooks signs or identifies deliveries with.
PROTECTED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "content-type",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "expect",
        "te",
        "trailer",
        "upgrade",
        "user-agent",
    }
)
PROTECTED_PREFIXES = ("webhook-", "x-forgehooks-", "proxy-")


@dataclass(frozen=True, slots=True, kw_only=True)
class Prepared(OutgoingRequest):
    """The request to send (URL variables expanded, custom headers added) and its log form."""

    logged_url: str  #: the URL before `{name}` expansion: URL variables never reach the log
    logged_headers: dict[str, str]  #: the headers with custom header values masked


def _settable(name: str, taken: set[str]) -> bool:
    lowered = name.lower()
    return (
        lowered not in taken
        and lowered not in PROTECTED_HEADERS
        and not lowered.startswith(PROTECTED_PREFIXES)
    )


def prepare(wire: WireFormat, hook: Hook, claimed: Claimed, now: float | None = None) -> Prepared:
    """The URL and headers of this attempt: the face's own, Standard Webhooks if asked, then custom.

    A custom header never replaces one the face or Standard Webhooks set (names compared
    case-insensitively). During a secret rotation's grace period `webhook-signature`
    carries one signature per secret, new first.
    """
    at = now if now is not None else time.time()
    stamp = int(at)
    envelope = Envelope(
        delivery_id=claimed.id,
        event_id=claimed.event_id,
        event_kind=claimed.event_kind,
        timestamp=stamp,
    )
    request = wire.request(hook, envelope, claimed.body)
    headers = dict(request.headers)
    if hook.standard_webhooks and hook.secret:
        secrets = signing_secrets(hook, datetime.fromtimestamp(at, UTC))
        headers["webhook-id"] = claimed.id
        headers["webhook-timestamp"] = str(stamp)
        headers["webhook-signature"] = standard_webhooks_signatures(secrets, claimed.id, stamp, claimed.body)
    logged = headers
    if hook.custom_headers:
        logged = dict(headers)
        taken = {name.lower() for name in headers}
        for name, value in hook.custom_headers.items():
            if _settable(name, taken):
                headers[name] = value
                logged[name] = MASK
                taken.add(name.lower())
    return Prepared(
        url=expand_url(request.url, hook.url_variables),
        headers=headers,
        logged_url=request.url,
        logged_headers=logged,
    )


def hidden_values(hook: Hook) -> list[str]:
    """Every value of this hook that the log must never show, longest first."""
    if not (hook.previous_secret or hook.custom_headers or hook.url_variables):
        return [hook.secret] if hook.secret else []  # the common case, once per attempt
    values = [hook.secret, hook.previous_secret, *hook.custom_headers.values(), *hook.url_variables.values()]
    return sorted({v for v in values if v}, key=len, reverse=True)


def scrubbed(text: str, hidden: Iterable[str]) -> str:
    """`text` with each hidden value replaced by the mask."""
    for value in hidden:
        if value in text:
            text = text.replace(value, MASK)
    return text


def masked(headers: Mapping[str, str], *secrets: str) -> dict[str, str]:
    """Headers as the log keeps them: any value carrying one of the secrets is masked."""
    present = [s for s in secrets if s]
    if not present:
        return dict(headers)
    if len(present) == 1:
        secret = present[0]
        return {k: (MASK if secret in v else v) for k, v in headers.items()}
    return {k: (MASK if any(s in v for s in present) else v) for k, v in headers.items()}


def masked_url(url: str, *secrets: str) -> str:
    """The URL as the log keeps it (GitCode v5 may put a password in it)."""
    return scrubbed(url, [s for s in secrets if s])


@dataclass(frozen=True, slots=True, kw_only=True)
class Judged:
    """An outcome with the delivery's next state and due time."""

    state: DeliveryState
    next_attempt_at: datetime


def judge(policy: RetryPolicy, attempts_made: int, outcome: Outcome, now: datetime) -> Judged:
    """Success, retry at a time from the policy, or final failure."""
    if outcome.verdict is Verdict.SUCCESS:
        return Judged(state=DeliveryState.SUCCEEDED, next_attempt_at=now)
    later = next_attempt_at(policy, attempts_made, outcome, now)
    if later is None:
        return Judged(state=DeliveryState.FAILED, next_attempt_at=now)
    return Judged(state=DeliveryState.QUEUED, next_attempt_at=later)


def record_of(
    claimed: Claimed,
    hook: Hook,
    request: OutgoingRequest,
    outcome: Outcome,
    judged: Judged,
    started_at: datetime,
) -> AttemptRecord:
    """The row that goes into the delivery log for this attempt: no secret, header or URL value in it."""
    if isinstance(request, Prepared):
        url, headers = request.logged_url, request.logged_headers
    else:
        url, headers = request.url, request.headers
    hidden = hidden_values(hook)
    return AttemptRecord(
        delivery_id=claimed.id,
        lease_token=claimed.lease_token,
        number=claimed.attempt_count + 1,
        started_at=started_at,
        duration_ms=round(outcome.duration_ms, 3),
        request_url=masked_url(url, hook.secret, hook.previous_secret),
        request_headers=masked(headers, hook.secret, hook.previous_secret),
        response_status=outcome.status,
        response_headers=(
            {k: scrubbed(v, hidden) for k, v in outcome.headers.items()} if hidden else dict(outcome.headers)
        ),
        response_body=scrubbed(outcome.body, hidden),
        error=scrubbed(outcome.error, hidden),
        verdict=outcome.verdict.value,
        reason=outcome.reason.value,
        state=judged.state,
        next_attempt_at=judged.next_attempt_at,
    )


def tls_material(hook: Hook, box: SecretBox) -> TlsMaterial | None:
    """The hook's own CA bundle and client certificate for the sender, the key decrypted;
    None for the usual hook (the system's CAs, no client certificate)."""
    stored = hook.extras.get(TLS_EXTRA) if hook.extras else None
    if not stored:
        return None
    key = stored.get("client_key") or ""
    return TlsMaterial(
        ca_bundle=str(stored.get("ca_bundle") or "").encode(),
        client_cert=str(stored.get("client_cert") or "").encode(),
        client_key=box.decrypt(key).encode() if key else b"",
    )
