"""The retry policy: a pure function from an attempt's outcome to the next attempt time."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from forgehooks.core.deliveries import Outcome, Reason, Verdict

#: Svix's schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
DEFAULT_SCHEDULE: tuple[float, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)


#: reasons that wait at least the throttle floor: the receiver is overloaded or slow
THROTTLED = frozenset({Reason.HTTP_429, Reason.TIMEOUT})


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Delay (seconds) before each attempt, the first included; jitter and Retry-After bounds."""

    schedule: tuple[float, ...] = DEFAULT_SCHEDULE
    jitter: float = 0.2  # +- this fraction of the delay
    throttle_floor: float = 5.0  # a 429 or timeout waits at least this long
    retry_after_cap: float = 3600.0  # Retry-After is honoured up to this many seconds


def next_attempt_at(
    policy: RetryPolicy,
    attempts_made: int,
    outcome: Outcome,
    now: datetime,
    rng: random.Random | None = None,
) -> datetime | None:
    """When to try again after the `attempts_made`-th attempt, or None to give up."""
    # schedule[0] is the first attempt itself; schedule[n] the wait after the n-th attempt
    if outcome.verdict is not Verdict.RETRY or attempts_made >= len(policy.schedule):
        return None
    delay = policy.schedule[attempts_made]
    floor = policy.throttle_floor if outcome.reason in THROTTLED else 0.0
    if outcome.retry_after is not None:
        floor = max(floor, min(outcome.retry_after, policy.retry_after_cap))
    delay = max(delay, floor)
    if delay > 0 and policy.jitter:
        spread = (rng or random).uniform(-policy.jitter, policy.jitter)
        # jitter last, but never earlier than the receiver asked (Retry-After) or the floor
        delay = max(delay * (1 + spread), floor)
    return now + timedelta(seconds=delay)
