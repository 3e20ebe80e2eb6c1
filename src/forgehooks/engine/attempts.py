"""One attempt as small typed steps: prepare the request, judge the outcome, record it."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from forgehooks.core.deliveries import DeliveryState, Outcome, Verdict
from forgehooks.core.hooks import Hook
from forgehooks.core.retry import RetryPolicy, next_attempt_at
from forgehooks.core.signing import standard_webhooks_signature
from forgehooks.core.wire import Envelope, OutgoingRequest, WireFormat
from forgehooks.store.queue import AttemptRecord, Claimed

MASK = "[masked]"


def prepare(wire: WireFormat, hook: Hook, claimed: Claimed, now: float | None = None) -> OutgoingRequest:
    """The URL and headers of this attempt: the face's own, plus Standard Webhooks if asked."""
    stamp = int(now if now is not None else time.time())
    envelope = Envelope(
        delivery_id=claimed.id,
        event_id=claimed.event_id,
        event_kind=claimed.event_kind,
        timestamp=stamp,
    )
    request = wire.request(hook, envelope, claimed.body)
    if hook.standard_webhooks and hook.secret:
        request.headers["webhook-id"] = claimed.id
        request.headers["webhook-timestamp"] = str(stamp)
        request.headers["webhook-signature"] = standard_webhooks_signature(
            hook.secret, claimed.id, stamp, claimed.body
        )
    return request


def masked(headers: Mapping[str, str], secret: str) -> dict[str, str]:
    """Headers as the log keeps them: any value carrying the hook's secret is masked."""
    if not secret:
        return dict(headers)
    return {k: (MASK if secret in v else v) for k, v in headers.items()}


def masked_url(url: str, secret: str) -> str:
    """The URL as the log keeps it (GitCode v5 may put a password in it)."""
    return url.replace(secret, MASK) if secret and secret in url else url


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
    """The row that goes into the delivery log for this attempt."""
    return AttemptRecord(
        delivery_id=claimed.id,
        lease_token=claimed.lease_token,
        number=claimed.attempt_count + 1,
        started_at=started_at,
        duration_ms=round(outcome.duration_ms, 3),
        request_url=masked_url(request.url, hook.secret),
        request_headers=masked(request.headers, hook.secret),
        response_status=outcome.status,
        response_headers=dict(outcome.headers),
        response_body=outcome.body,
        error=outcome.error,
        verdict=outcome.verdict.value,
        state=judged.state,
        next_attempt_at=judged.next_attempt_at,
    )
