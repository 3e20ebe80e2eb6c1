"""Deliveries (one event to one hook) and their attempts; the delivery state machine.

queued --(a) claimed, sent, 2xx--------------------> succeeded
queued --(b) retryable failure, schedule left-------> queued (later)
queued --(c) final failure or schedule exhausted----> failed
queued --(d) hook paused permanently----------------> held --(e) hook re-enabled--> queued
queued/held --(f) hook deleted-----------------------> cancelled
held --(g) older than the retention------------------> expired
succeeded/failed/expired --(h) redeliver-------------> queued (same delivery id)

Ordered hooks add no state, only a rule on (a)-(c): a delivery of an ordered hook can be
claimed only as its hook's head, the oldest delivery of the hook still queued or held (by
creation time). So a head in flight, waiting for a retry (b) or held (d) blocks the ones
behind it; reaching a final state (a), (c), (f), (g) makes the next one the head. A
redelivered (h) old delivery is the oldest again, so it goes next.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class DeliveryState(StrEnum):
    """Where a delivery stands."""

    QUEUED = "queued"  #: waiting for its next attempt time (or leased to a worker)
    HELD = "held"  #: its hook is disabled; waits for re-enabling
    SUCCEEDED = "succeeded"  #: a receiver answered 2xx
    FAILED = "failed"  #: final failure: a non-retryable answer or the schedule ran out
    CANCELLED = "cancelled"  #: its hook was deleted before it went out
    EXPIRED = "expired"  #: held longer than the retention


FINAL_STATES = frozenset(
    {DeliveryState.SUCCEEDED, DeliveryState.FAILED, DeliveryState.CANCELLED, DeliveryState.EXPIRED}
)


class Verdict(StrEnum):
    """What one attempt's outcome means for its delivery."""

    SUCCESS = "success"  #: 2xx
    RETRY = "retry"  #: timeout, connection error, 429, 5xx
    FINAL = "final"  #: any other answer: do not try again


class Reason(StrEnum):
    """Why an attempt ended as it did: the type the retry policy, health and the log read."""

    OK = "ok"  #: the receiver answered 2xx
    HTTP_4XX = "http_4xx"  #: the receiver refused the request (4xx other than 408, 425, 429)
    HTTP_429 = "http_429"  #: the receiver asked to slow down (or 408/425: try again later)
    HTTP_5XX = "http_5xx"  #: the receiver failed (5xx)
    HTTP_OTHER = "http_other"  #: an answer that is none of the above (1xx, 3xx: redirects are not followed)
    TIMEOUT = "timeout"  #: no complete answer within the timeout
    DNS = "dns"  #: the receiver's host name did not resolve
    CONNECT = "connect"  #: every address refused or was unreachable
    TLS = "tls"  #: the TLS handshake or the certificate's verification failed
    DISCONNECTED = "disconnected"  #: the connection ended before a complete answer (never re-sent silently)
    INVALID_RESPONSE = "invalid_response"  #: the receiver answered something that is not HTTP
    GUARD = "guard"  #: the SSRF guard refused the receiver's address: final, not retried
    INVALID_REQUEST = "invalid_request"  #: the hook's URL, headers or TLS material cannot be sent
    CLIENT_ERROR = "client_error"  #: a bug in forgehooks' sender: retried, not counted against the hook


#: reasons that end a delivery at once: trying again cannot help
FINAL_REASONS = frozenset({Reason.HTTP_4XX, Reason.HTTP_OTHER, Reason.GUARD, Reason.INVALID_REQUEST})
#: reasons that are forgehooks' fault, not the receiver's: they never count towards disabling a hook
BLAMELESS_REASONS = frozenset({Reason.CLIENT_ERROR})


def reason_of_status(status: int) -> Reason:
    """The reason of a receiver's answer with this status."""
    if 200 <= status < 300:
        return Reason.OK
    if status == 429 or status in (408, 425):
        return Reason.HTTP_429
    if status >= 500:
        return Reason.HTTP_5XX
    if 400 <= status < 500:
        return Reason.HTTP_4XX
    return Reason.HTTP_OTHER


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What happened when one request was sent: an answer (`status`), or a `failure`."""

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    #: why no answer came (None with a status); without either, a client error
    failure: Reason | None = None
    error: str = ""  #: the detail of a failure, for people reading the log
    duration_ms: float = 0.0
    retry_after: float | None = None  # seconds, from a Retry-After answer

    @property
    def reason(self) -> Reason:
        """The type of this outcome."""
        if self.status is not None:
            return reason_of_status(self.status)
        return self.failure or Reason.CLIENT_ERROR

    @property
    def verdict(self) -> Verdict:
        """Success, worth retrying, or final."""
        reason = self.reason
        if reason is Reason.OK:
            return Verdict.SUCCESS
        if reason in FINAL_REASONS:
            return Verdict.FINAL
        return Verdict.RETRY

    @property
    def blameless(self) -> bool:
        """Whether this failure is forgehooks' own, never counted against the hook."""
        return self.reason in BLAMELESS_REASONS

    @property
    def summary(self) -> str:
        """One line for a hook's latest result: the status or the error."""
        if self.status is not None:
            return f"HTTP {self.status}"
        return self.error or (self.failure.value if self.failure else "no response")


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """One event on its way to one hook."""

    id: str  # stable across retries and redeliveries
    hook_id: int
    event_id: str
    project_id: int
    event_kind: str
    dialect: str
    state: DeliveryState
    attempt_count: int
    next_attempt_at: datetime
    created_at: datetime
    updated_at: datetime
    last_status_code: int | None = None
    last_error: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    """One request of a delivery and what came back, as recorded."""

    delivery_id: str
    number: int
    started_at: datetime
    duration_ms: float
    request_url: str
    request_headers: Mapping[str, str]
    response_status: int | None
    response_headers: Mapping[str, str]
    response_body: str
    error: str
    verdict: Verdict
    id: int = 0  # the log's own numeric id (0 until stored)
    reason: Reason | None = None  # None for attempts recorded before reasons were
