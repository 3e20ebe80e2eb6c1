"""Read-only use cases for the console: each hook's deliveries over the last hour, the event stream."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from forgehooks.core.clock import utcnow
from forgehooks.core.deliveries import Delivery, DeliveryState
from forgehooks.core.hooks import Hook
from forgehooks.core.projects import Project
from forgehooks.services.runtime import Runtime
from forgehooks.store.overview import OverviewRepository, StreamRow

WINDOW_MINUTES = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class Minute:
    """Deliveries of one hook created in one minute, by outcome so far."""

    succeeded: int = 0
    failed: int = 0  # failed for good, or expired while held
    pending: int = 0  # still queued or held

    @property
    def deliveries(self) -> int:
        """Every delivery of the minute (cancelled ones aside)."""
        return self.succeeded + self.failed + self.pending


@dataclass(frozen=True, slots=True, kw_only=True)
class HookActivity:
    """One hook's deliveries over the window, minute by minute, oldest first; the last is the current one."""

    hook_id: int
    since: datetime
    minutes: tuple[Minute, ...]

    @property
    def deliveries(self) -> int:
        """Deliveries in the whole window."""
        return sum(m.deliveries for m in self.minutes)

    @property
    def succeeded(self) -> int:
        """Deliveries of the window that succeeded."""
        return sum(m.succeeded for m in self.minutes)

    @property
    def failed(self) -> int:
        """Deliveries of the window that failed or expired."""
        return sum(m.failed for m in self.minutes)

    @property
    def success_rate(self) -> float | None:
        """Share of finished deliveries that succeeded (None while none has finished)."""
        finished = self.succeeded + self.failed
        return self.succeeded / finished if finished else None

    @property
    def per_minute(self) -> float:
        """Average deliveries per minute over the window."""
        return self.deliveries / len(self.minutes)


def window_start(now: datetime) -> datetime:
    """The first minute of the hour-long window that ends with the current minute."""
    return now.replace(second=0, microsecond=0) - timedelta(minutes=WINDOW_MINUTES - 1)


async def hook_activity(
    rt: Runtime, project: Project, hook_ids: list[int], *, now: datetime | None = None
) -> dict[int, HookActivity]:
    """Each hook's deliveries per minute over the last hour and how they went, computed in SQL."""
    since = window_start(now or utcnow())
    only = hook_ids[0] if len(hook_ids) == 1 else None
    async with rt.db.reading(scan=True) as conn:
        tallies = await OverviewRepository(conn).minute_tallies(project.id, since, hook_id=only)
    grid: dict[int, list[Minute]] = {h: [Minute()] * WINDOW_MINUTES for h in hook_ids}
    for t in tallies:
        if t.hook_id in grid and 0 <= t.minute < WINDOW_MINUTES:
            grid[t.hook_id][t.minute] = Minute(succeeded=t.succeeded, failed=t.failed, pending=t.pending)
    return {h: HookActivity(hook_id=h, since=since, minutes=tuple(m)) for h, m in grid.items()}


async def hook_deliveries(
    rt: Runtime,
    hook: Hook,
    *,
    state: DeliveryState | None = None,
    kind: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[Delivery], int]:
    """A page of one hook's deliveries, newest first, filtered by state and event kind; and the total."""
    async with rt.db.reading(scan=True) as conn:
        return await OverviewRepository(conn).hook_deliveries(
            hook.id, state=state, kind=kind, offset=offset, limit=limit
        )


async def event_stream(
    rt: Runtime, project: Project, *, offset: int = 0, limit: int = 20
) -> tuple[list[StreamRow], int]:
    """A page of the project's events, newest first, with actor and delivery count; and the total."""
    async with rt.db.reading(scan=True) as conn:
        return await OverviewRepository(conn).event_page(project.id, offset=offset, limit=limit)
