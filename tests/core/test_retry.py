"""The retry policy: Svix-like schedule, jitter, floors for throttling, Retry-After honoured."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from forgehooks.core.deliveries import Outcome, Verdict
from forgehooks.core.retry import DEFAULT_SCHEDULE, RetryPolicy, next_attempt_at

NOW = datetime(2026, 1, 1, tzinfo=UTC)
POLICY = RetryPolicy()

statuses = st.one_of(st.none(), st.integers(min_value=100, max_value=599))
errors = st.sampled_from(["", "timeout", "connection refused or unreachable: x", "server disconnected"])
retry_afters = st.one_of(st.none(), st.floats(min_value=0, max_value=10 * 86400, allow_nan=False))


@given(
    status=statuses,
    error=errors,
    retry_after=retry_afters,
    attempts=st.integers(min_value=1, max_value=12),
    seed=st.integers(),
)
def test_next_attempt_obeys_the_schedule_jitter_and_retry_after(
    status: int | None, error: str, retry_after: float | None, attempts: int, seed: int
) -> None:
    outcome = Outcome(status=status, error="" if status else error, retry_after=retry_after)
    later = next_attempt_at(POLICY, attempts, outcome, NOW, random.Random(seed))
    if outcome.verdict is not Verdict.RETRY or attempts >= len(DEFAULT_SCHEDULE):
        assert later is None
        return
    assert later is not None
    delay = (later - NOW).total_seconds()
    base = DEFAULT_SCHEDULE[attempts]
    floor = 0.0
    if status == 429 or "timeout" in outcome.error:
        floor = POLICY.throttle_floor
    if retry_after is not None:
        floor = max(floor, min(retry_after, POLICY.retry_after_cap))
    expected = max(base, floor)
    assert delay >= floor - 1e-6, "never earlier than Retry-After or the throttle floor"
    assert expected * (1 - POLICY.jitter) - 1e-6 <= delay <= expected * (1 + POLICY.jitter) + 1e-6


def test_two_xx_is_success_and_other_four_xx_are_final() -> None:
    assert Outcome(status=204).verdict is Verdict.SUCCESS
    for status in (400, 401, 403, 404, 410, 301, 302):
        assert Outcome(status=status).verdict is Verdict.FINAL, status
        assert next_attempt_at(POLICY, 1, Outcome(status=status), NOW) is None
    for status in (429, 500, 502, 503, 504):
        assert Outcome(status=status).verdict is Verdict.RETRY, status
    assert Outcome(error="timeout").verdict is Verdict.RETRY


def test_the_default_schedule_is_svix_like_and_gives_up_after_it() -> None:
    assert DEFAULT_SCHEDULE == (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
    no_jitter = RetryPolicy(jitter=0)
    waits = [next_attempt_at(no_jitter, n, Outcome(status=500), NOW) for n in range(1, len(DEFAULT_SCHEDULE))]
    assert [(w - NOW).total_seconds() for w in waits if w] == list(DEFAULT_SCHEDULE[1:])
    assert next_attempt_at(no_jitter, len(DEFAULT_SCHEDULE), Outcome(status=500), NOW) is None


def test_retry_after_is_capped() -> None:
    later = next_attempt_at(RetryPolicy(jitter=0), 1, Outcome(status=503, retry_after=10 * 86400), NOW)
    assert later == NOW + timedelta(seconds=POLICY.retry_after_cap)
