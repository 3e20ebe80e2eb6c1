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


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What happened when one request was sent."""

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    error: str = ""
    duration_ms: float = 0.0
    retry_after: float | None = None  # seconds, from a Retry-After answer

    @property
    def verdict(self) -> Verdict:
        """Success, worth retrying, or final."""
        if self.status is None:
            return Verdict.RETRY
        if 200 <= self.status < 300:
            return Verdict.SUCCESS
        if self.status == 429 or self.status >= 500 or self.status in (408, 425):
            return Verdict.RETRY
        return Verdict.FINAL

    @property
    def summary(self) -> str:
        """One line for a hook's latest result: the status or the error."""
        if self.status is not None:
            return f"HTTP {self.status}"
        return self.error or "no response"


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
