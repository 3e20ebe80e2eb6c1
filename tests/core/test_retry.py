"""The retry policy: Svix-like schedule, jitter, floors for throttling, Retry-After honoured."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from forgehooks.core.deliveries import Outcome, Reason, Verdict
from forgehooks.core.retry import DEFAULT_SCHEDULE, RetryPolicy, next_attempt_at

NOW = datetime(2026, 1, 1, tzinfo=UTC)
POLICY = RetryPolicy()

statuses = st.one_of(st.none(), st.integers(min_value=100, max_value=599))
failures = st.sampled_from([None, *Reason])
retry_afters = st.one_of(st.none(), st.floats(min_value=0, max_value=10 * 86400, allow_nan=False))


@given(
    status=statuses,
    failure=failures,
    retry_after=retry_afters,
    attempts=st.integers(min_value=1, max_value=12),
    seed=st.integers(),
)
def test_next_attempt_obeys_the_schedule_jitter_and_retry_after(
    status: int | None, failure: Reason | None, retry_after: float | None, attempts: int, seed: int
) -> None:
    outcome = Outcome(status=status, failure=None if status else failure, retry_after=retry_after)
    later = next_attempt_at(POLICY, attempts, outcome, NOW, random.Random(seed))
    if outcome.verdict is not Verdict.RETRY or attempts >= len(DEFAULT_SCHEDULE):
        assert later is None
        return
    assert later is not None
    delay = (later - NOW).total_seconds()
    base = DEFAULT_SCHEDULE[attempts]
    floor = 0.0
    if status in (408, 425, 429) or (status is None and failure is Reason.TIMEOUT):
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
    assert Outcome(failure=Reason.TIMEOUT).verdict is Verdict.RETRY


def test_the_policy_reads_the_reason_never_the_error_text() -> None:
    policy = RetryPolicy(jitter=0, schedule=(0, 1))
    timed_out = next_attempt_at(policy, 1, Outcome(failure=Reason.TIMEOUT, error="no answer"), NOW)
    refused = next_attempt_at(policy, 1, Outcome(failure=Reason.CONNECT, error="timeout of the socket"), NOW)
    assert timed_out == NOW + timedelta(seconds=policy.throttle_floor)
    assert refused == NOW + timedelta(seconds=1), "a word in the text does not make a timeout"


def test_a_refusal_by_the_guard_or_a_bad_request_is_final_and_a_client_bug_is_blameless() -> None:
    for reason in (Reason.GUARD, Reason.INVALID_REQUEST):
        outcome = Outcome(failure=reason, error="blocked: 10.0.0.1 is not a public address")
        assert outcome.verdict is Verdict.FINAL and next_attempt_at(POLICY, 1, outcome, NOW) is None
        assert not outcome.blameless
    bug = Outcome(failure=Reason.CLIENT_ERROR, error="internal client error: KeyError")
    assert bug.verdict is Verdict.RETRY and bug.blameless
    for reason in (Reason.TIMEOUT, Reason.DNS, Reason.CONNECT, Reason.TLS, Reason.DISCONNECTED):
        assert Outcome(failure=reason).verdict is Verdict.RETRY and not Outcome(failure=reason).blameless


def test_each_answer_has_its_reason() -> None:
    expected = {200: Reason.OK, 204: Reason.OK, 301: Reason.HTTP_OTHER, 404: Reason.HTTP_4XX}
    expected |= {408: Reason.HTTP_429, 429: Reason.HTTP_429, 500: Reason.HTTP_5XX, 503: Reason.HTTP_5XX}
    for status, reason in expected.items():
        assert Outcome(status=status).reason is reason, status


def test_the_default_schedule_is_svix_like_and_gives_up_after_it() -> None:
    assert DEFAULT_SCHEDULE == (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
    no_jitter = RetryPolicy(jitter=0)
    waits = [next_attempt_at(no_jitter, n, Outcome(status=500), NOW) for n in range(1, len(DEFAULT_SCHEDULE))]
    assert [(w - NOW).total_seconds() for w in waits if w] == list(DEFAULT_SCHEDULE[1:])
    assert next_attempt_at(no_jitter, len(DEFAULT_SCHEDULE), Outcome(status=500), NOW) is None


def test_retry_after_is_capped() -> None:
    later = next_attempt_at(RetryPolicy(jitter=0), 1, Outcome(status=503, retry_after=10 * 86400), NOW)
    assert later == NOW + timedelta(seconds=POLICY.retry_after_cap)
