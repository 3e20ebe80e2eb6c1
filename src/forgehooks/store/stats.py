"""Aggregate queries for /metrics: deliveries by state, queue depth, disabled hooks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from forgehooks.core.clock import as_utc
from forgehooks.core.deliveries import DeliveryState
from forgehooks.store.driver import Connection
from forgehooks.store.tables import attempts, deliveries, hooks


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceStats:
    """A snapshot of the delivery system for monitoring."""

    deliveries: dict[tuple[str, str], int]  # (state, dialect) -> count
    due: int
    oldest_due: datetime | None
    hooks_by_dialect: dict[str, int]
    hooks_temporarily_disabled: int
    hooks_disabled: int
    attempts_recent: dict[tuple[str, str], int]  # (verdict, dialect) -> count since `since`
    attempt_ms_recent: list[float]


async def service_stats(conn: Connection, now: datetime, since: datetime) -> ServiceStats:
    """Counts by state and dialect, the due queue, hook health, recent attempts."""
    by_state = await conn.execute(
        select(deliveries.c.state, deliveries.c.dialect, func.count()).group_by(
            deliveries.c.state, deliveries.c.dialect
        )
    )
    due_count, oldest = (
        await conn.execute(
            select(func.count(), func.min(deliveries.c.next_attempt_at)).where(
                deliveries.c.state == DeliveryState.QUEUED.value, deliveries.c.next_attempt_at <= now
            )
        )
    ).one()
    live = hooks.c.deleted_at.is_(None)
    by_dialect = await conn.execute(
        select(hooks.c.dialect, func.count()).where(live).group_by(hooks.c.dialect)
    )
    temporary = await conn.execute(
        select(func.count()).where(live, hooks.c.disabled_until > now, hooks.c.disabled.is_(False))
    )
    disabled = await conn.execute(select(func.count()).where(live, hooks.c.disabled.is_(True)))
    recent = await conn.execute(
        select(attempts.c.verdict, deliveries.c.dialect, func.count())
        .join(deliveries, deliveries.c.id == attempts.c.delivery_id)
        .where(attempts.c.started_at >= since)
        .group_by(attempts.c.verdict, deliveries.c.dialect)
    )
    durations = await conn.execute(
        select(attempts.c.duration_ms)
        .where(attempts.c.started_at >= since)
        .order_by(attempts.c.id.desc())
        .limit(10_000)
    )
    return ServiceStats(
        deliveries={(s, d): int(n) for s, d, n in by_state},
        due=int(due_count),
        oldest_due=as_utc(oldest) if oldest else None,
        hooks_by_dialect={d: int(n) for d, n in by_dialect},
        hooks_temporarily_disabled=int(temporary.scalar_one()),
        hooks_disabled=int(disabled.scalar_one()),
        attempts_recent={(v, d): int(n) for v, d, n in recent},
        attempt_ms_recent=[float(ms) for (ms,) in durations],
    )
