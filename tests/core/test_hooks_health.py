"""The auto-disable rule: temporary pauses that grow, then a permanent disable; success resets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from forgehooks.core.hooks import (
    FIRST_PAUSE,
    LONGEST_PAUSE,
    PERMANENT_AFTER,
    TEMPORARY_AFTER,
    health_after,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_few_failures_do_not_pause() -> None:
    health = health_after(TEMPORARY_AFTER - 2, False, NOW)
    assert health.consecutive_failures == TEMPORARY_AFTER - 1
    assert health.disabled_until is None and not health.disabled


def test_pauses_start_at_a_minute_and_double() -> None:
    first = health_after(TEMPORARY_AFTER - 1, False, NOW)
    second = health_after(TEMPORARY_AFTER, False, NOW)
    assert first.disabled_until == NOW + FIRST_PAUSE
    assert second.disabled_until == NOW + 2 * FIRST_PAUSE
    assert not first.disabled and not second.disabled


def test_permanently_disabled_after_the_limit() -> None:
    health = health_after(PERMANENT_AFTER - 1, False, NOW)
    assert health.disabled and health.disabled_until is None


def test_success_resets() -> None:
    health = health_after(PERMANENT_AFTER - 2, True, NOW)
    assert health.consecutive_failures == 0 and health.disabled_until is None and not health.disabled


@given(failures=st.integers(min_value=0, max_value=10_000))
def test_pause_never_exceeds_a_day_and_grows(failures: int) -> None:
    now_health = health_after(failures, False, NOW)
    next_health = health_after(failures + 1, False, NOW)
    if now_health.disabled_until is not None:
        assert now_health.disabled_until - NOW <= LONGEST_PAUSE
        if next_health.disabled_until is not None:
            assert next_health.disabled_until >= now_health.disabled_until
    assert now_health.disabled == (failures + 1 >= PERMANENT_AFTER)
    assert (now_health.disabled_until is not None) == (TEMPORARY_AFTER <= failures + 1 < PERMANENT_AFTER)
    assert timedelta(0) <= (now_health.disabled_until or NOW) - NOW
