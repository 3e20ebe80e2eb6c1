"""The database as the queue: claim due deliveries under a lease, record attempts in batches.

A claim moves `next_attempt_at` to the end of the lease and stamps a lease token. A worker
that dies simply never records: the delivery becomes due again when the lease ends. A
worker whose lease expired cannot overwrite a newer claim, because records match the token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Select,
    Update,
    and_,
    bindparam,
    func,
    literal_column,
    select,
    text,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from forgehooks.core.clock import as_utc
from forgehooks.core.deliveries import DeliveryState
from forgehooks.core.hooks import HookHealth, health_after
from forgehooks.core.ids import new_uuid
from forgehooks.store.tables import DUE_UNORDERED, PENDING_ORDERED, attempts, bodies, deliveries, hooks


@dataclass(frozen=True, slots=True, kw_only=True)
class Claimed:
    """A leased delivery with what the worker needs to send it."""

    id: str
    hook_id: int
    event_id: str
    event_kind: str
    dialect: str
    attempt_count: int
    lease_token: str
    body: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptRecord:
    """One finished attempt and the delivery's next state."""

    delivery_id: str
    lease_token: str
    number: int
    started_at: datetime
    duration_ms: float
    request_url: str
    request_headers: dict[str, str]
    response_status: int | None
    response_headers: dict[str, str]
    response_body: str
    error: str
    verdict: str
    state: DeliveryState
    next_attempt_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class HookResult:
    """What one flush learned about one hook: its latest answer and its failures since a success."""

    hook_id: int
    reset: bool  # a success came in this batch: count failures from zero
    failures: int  # failures after the batch's last success (or all of them)
    last_status_code: int | None
    last_message: str


async def claim_due(
    conn: AsyncConnection,
    *,
    limit: int,
    lease: timedelta,
    now: datetime,
    skip_hooks: Sequence[int] = (),
) -> list[Claimed]:
    """Lease up to `limit` due deliveries, oldest due first, skipping rows other workers hold.

    An ordered delivery is claimable only as its hook's head: the oldest pending (queued
    or held) ordered delivery of the hook, by creation. While the head waits for a retry,
    is leased by any worker, or is held, nothing behind it is claimable, so an ordered
    hook has at most one delivery in flight and its deliveries go out in creation order.
    Heads are claimed first (one per ordered hook at most), then unordered work.
    `skip_hooks` leaves out hooks whose receiver this worker already keeps fully busy.
    """
    token = new_uuid()
    rows = list(await conn.execute(_lease(claimable(now, limit, skip_hooks), now + lease, token)))
    if not rows:
        return []
    body_ids = {r.body_id for r in rows}
    content = {
        b.id: b.content
        for b in await conn.execute(select(bodies.c.id, bodies.c.content).where(bodies.c.id.in_(body_ids)))
    }
    return [
        Claimed(
            id=r.id,
            hook_id=r.hook_id,
            event_id=r.event_id,
            event_kind=r.event_kind,
            dialect=r.dialect,
            attempt_count=r.attempt_count,
            lease_token=token,
            body=bytes(content[r.body_id]),
        )
        for r in rows
    ]


def claimable(now: datetime, limit: int, skip_hooks: Sequence[int]) -> Select[tuple[str]]:
    """Up to `limit` due deliveries to lease, ordered hooks' heads first: one statement, one round trip."""
    heads = due_heads(now, limit, skip_hooks).subquery("heads")
    unordered = due_unordered(now, limit, skip_hooks).subquery("unordered")
    both = union_all(select(heads.c.id), select(unordered.c.id)).subquery("claimable")
    # each branch locks the rows it yields as they are read; the limit stops reading
    return select(both.c.id).limit(limit)


def due_unordered(now: datetime, limit: int, skip_hooks: Sequence[int]) -> Select[tuple[str]]:
    """Due unordered deliveries, oldest due first, locked (skipping rows others lock)."""
    due = (
        select(deliveries.c.id)
        # the index predicate word for word, so the planners use ix_deliveries_due
        .where(text(DUE_UNORDERED), deliveries.c.next_attempt_at <= now)
        # created_at breaks ties: a pause gives all of a hook's deliveries the same due time
        .order_by(deliveries.c.next_attempt_at, deliveries.c.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if skip_hooks:
        due = due.where(deliveries.c.hook_id.not_in(list(skip_hooks)))
    return due


def due_heads(now: datetime, limit: int, skip_hooks: Sequence[int]) -> Select[tuple[str]]:
    """The due heads of ordered hooks, locked (skipping rows others lock).

    A loose index scan over `ix_deliveries_ordered_pending` visits each hook with pending
    ordered deliveries once and takes its first entry: the cost grows with the number of
    such hooks, never with their backlogs. The head is computed from the statement's
    snapshot and then locked with its own state re-checked, so a head another worker is
    claiming is skipped, not passed over: the row behind it is never a candidate.
    """
    first = deliveries.alias("first_pending")
    walk = (
        select(func.min(first.c.hook_id).label("hook_id"))
        .where(text(PENDING_ORDERED))
        .cte("ordered_hooks", recursive=True)
    )
    following = deliveries.alias("next_pending")
    after = (
        select(func.min(following.c.hook_id))
        .where(text(PENDING_ORDERED), following.c.hook_id > walk.c.hook_id)
        .scalar_subquery()
    )
    walk = walk.union_all(select(after).where(walk.c.hook_id.is_not(None)))
    pending = deliveries.alias("pending")
    head = (
        select(pending.c.id)
        .where(text(PENDING_ORDERED), pending.c.hook_id == walk.c.hook_id)
        .order_by(pending.c.created_at, pending.c.id)
        .limit(1)
        .scalar_subquery()
    )
    due = (
        select(deliveries.c.id)
        .where(
            deliveries.c.id.in_(select(head).where(walk.c.hook_id.is_not(None))),
            deliveries.c.state == literal_column("'queued'"),
            deliveries.c.next_attempt_at <= now,
        )
        .order_by(deliveries.c.next_attempt_at, deliveries.c.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if skip_hooks:
        due = due.where(deliveries.c.hook_id.not_in(list(skip_hooks)))
    return due


def _lease(due: Select[tuple[str]], until: datetime, token: str) -> Update:
    return (
        update(deliveries)
        .where(deliveries.c.id.in_(due.scalar_subquery()))
        .values(next_attempt_at=until, lease_token=token)
        .returning(
            deliveries.c.id,
            deliveries.c.hook_id,
            deliveries.c.event_id,
            deliveries.c.event_kind,
            deliveries.c.dialect,
            deliveries.c.attempt_count,
            deliveries.c.body_id,
        )
    )


async def record_attempts(conn: AsyncConnection, records: Sequence[AttemptRecord], now: datetime) -> int:
    """Insert the attempts and move their deliveries on; returns how many leases still held."""
    if not records:
        return 0
    moved = await conn.execute(
        update(deliveries)
        .where(
            and_(
                deliveries.c.id == bindparam("d_id"),
                deliveries.c.lease_token == bindparam("d_token"),
            )
        )
        .values(
            state=bindparam("d_state"),
            next_attempt_at=bindparam("d_next"),
            attempt_count=deliveries.c.attempt_count + 1,
            lease_token=None,
            updated_at=now,
            last_status_code=bindparam("d_status"),
            last_error=bindparam("d_error"),
        ),
        [
            {
                "d_id": r.delivery_id,
                "d_token": r.lease_token,
                "d_state": r.state.value,
                "d_next": r.next_attempt_at,
                "d_status": r.response_status,
                "d_error": r.error[:1000],
            }
            for r in records
        ],
    )
    await conn.execute(
        attempts.insert(),
        [
            {
                "delivery_id": r.delivery_id,
                "number": r.number,
                "started_at": r.started_at,
                "duration_ms": r.duration_ms,
                "request_url": r.request_url,
                "request_headers": r.request_headers,
                "response_status": r.response_status,
                "response_headers": r.response_headers,
                "response_body": r.response_body,
                "error": r.error,
                "verdict": r.verdict,
            }
            for r in records
        ],
    )
    return int(moved.rowcount)


async def hook_versions(conn: AsyncConnection, hook_ids: Sequence[int]) -> dict[int, datetime]:
    """`updated_at` of the live hooks among `hook_ids`: lets a worker reuse hooks it already loaded."""
    query = select(hooks.c.id, hooks.c.updated_at).where(
        hooks.c.id.in_(list(hook_ids)), hooks.c.deleted_at.is_(None)
    )
    return {row.id: as_utc(row.updated_at) for row in await conn.execute(query)}


async def defer_claimed(conn: AsyncConnection, leases: Sequence[tuple[str, str]], until: datetime) -> int:
    """Give claimed deliveries back unsent (no attempt counted), due again at `until`."""
    if not leases:
        return 0
    result = await conn.execute(
        update(deliveries)
        .where(tuple_(deliveries.c.id, deliveries.c.lease_token).in_(list(leases)))
        .values(next_attempt_at=until, lease_token=None)
    )
    return int(result.rowcount)


async def record_hook_results(
    conn: AsyncConnection, results: Sequence[HookResult], now: datetime
) -> dict[int, HookHealth]:
    """Store each hook's latest result and count failures in the database (atomic across workers).

    Returns the new health of every hook that failed in this batch; the caller pauses those
    whose health says so. A success clears the count and a temporary pause, never a
    permanent disable (only an update or an explicit re-enable does that).
    """
    healthy = [r for r in results if r.reset and r.failures == 0]
    if healthy:
        await conn.execute(
            update(hooks)
            .where(hooks.c.id == bindparam("h_id"))
            .values(
                last_status_code=bindparam("h_status"),
                last_message=bindparam("h_message"),
                last_at=now,
                consecutive_failures=0,
                disabled_until=None,
            ),
            [
                {"h_id": r.hook_id, "h_status": r.last_status_code, "h_message": r.last_message}
                for r in healthy
            ],
        )
    failing: dict[int, HookHealth] = {}
    for r in results:
        if r.failures == 0:
            continue
        base = 0 if r.reset else hooks.c.consecutive_failures
        row = (
            await conn.execute(
                update(hooks)
                .where(hooks.c.id == r.hook_id)
                .values(
                    last_status_code=r.last_status_code,
                    last_message=r.last_message,
                    last_at=now,
                    consecutive_failures=base + r.failures,
                )
                .returning(hooks.c.consecutive_failures, hooks.c.disabled)
            )
        ).first()
        if row is None:
            continue
        health = health_after(row.consecutive_failures - 1, False, now)
        if row.disabled:
            health = HookHealth(
                consecutive_failures=health.consecutive_failures, disabled_until=None, disabled=True
            )
        failing[r.hook_id] = health
        if health.disabled or health.disabled_until is not None:
            await conn.execute(
                update(hooks)
                .where(hooks.c.id == r.hook_id)
                .values(disabled=health.disabled, disabled_until=health.disabled_until)
            )
            await pause_hook(conn, r.hook_id, until=health.disabled_until, now=now)
    return failing


async def pause_hook(conn: AsyncConnection, hook_id: int, *, until: datetime | None, now: datetime) -> None:
    """A hook was disabled: hold its queued deliveries, or push them past `until`."""
    queued = and_(deliveries.c.hook_id == hook_id, deliveries.c.state == DeliveryState.QUEUED.value)
    if until is None:
        await conn.execute(
            update(deliveries).where(queued).values(state=DeliveryState.HELD.value, updated_at=now)
        )
    else:
        await conn.execute(
            update(deliveries)
            .where(queued, deliveries.c.next_attempt_at < until, deliveries.c.lease_token.is_(None))
            .values(next_attempt_at=until)
        )


async def resume_hook(conn: AsyncConnection, hook_id: int, now: datetime) -> int:
    """A hook was re-enabled or updated: its held and postponed deliveries are due now, in creation order.

    They also take the hook's current `ordered` flag, so turning ordering on or off applies
    to every delivery of the hook not in flight at that moment.
    """
    waiting = and_(
        deliveries.c.hook_id == hook_id,
        deliveries.c.state.in_([DeliveryState.HELD.value, DeliveryState.QUEUED.value]),
        deliveries.c.lease_token.is_(None),
    )
    ordered = select(hooks.c.ordered).where(hooks.c.id == hook_id).scalar_subquery()
    # due at their creation time: already past, and claimed oldest first, so they go out
    # in the order their events happened (and ahead of newer work, having waited longest)
    result = await conn.execute(
        update(deliveries)
        .where(waiting)
        .values(
            state=DeliveryState.QUEUED.value,
            next_attempt_at=deliveries.c.created_at,
            updated_at=now,
            ordered=ordered,
        )
    )
    return int(result.rowcount)


async def cancel_for_hook(conn: AsyncConnection, hook_id: int, now: datetime) -> int:
    """A hook is being deleted: its pending deliveries are cancelled, never sent."""
    result = await conn.execute(
        update(deliveries)
        .where(
            deliveries.c.hook_id == hook_id,
            deliveries.c.state.in_([DeliveryState.QUEUED.value, DeliveryState.HELD.value]),
        )
        .values(state=DeliveryState.CANCELLED.value, updated_at=now, lease_token=None)
    )
    return int(result.rowcount)


async def cancel_claimed(conn: AsyncConnection, delivery_ids: Sequence[str], now: datetime) -> None:
    """Claimed deliveries whose hook was deleted meanwhile: cancelled, not sent."""
    await conn.execute(
        update(deliveries)
        .where(deliveries.c.id.in_(list(delivery_ids)))
        .values(state=DeliveryState.CANCELLED.value, updated_at=now, lease_token=None)
    )


async def expire_held(conn: AsyncConnection, older_than: datetime, now: datetime) -> int:
    """Held deliveries past the retention become expired."""
    result = await conn.execute(
        update(deliveries)
        .where(deliveries.c.state == DeliveryState.HELD.value, deliveries.c.created_at < older_than)
        .values(state=DeliveryState.EXPIRED.value, updated_at=now)
    )
    return int(result.rowcount)


async def requeue(conn: AsyncConnection, delivery_id: str, now: datetime) -> bool:
    """Redeliver: the same delivery (same id, same bytes) is due again now."""
    result = await conn.execute(
        update(deliveries)
        .where(deliveries.c.id == delivery_id, deliveries.c.lease_token.is_(None))
        .values(state=DeliveryState.QUEUED.value, next_attempt_at=now, updated_at=now)
    )
    return bool(result.rowcount)


async def queue_depth(conn: AsyncConnection, now: datetime) -> tuple[int, datetime | None]:
    """How many deliveries are due and since when the oldest has waited.

    Ordered deliveries waiting behind their hook's head count as due: they are late.
    """
    due = deliveries.c.next_attempt_at <= now
    unordered = select(func.count(), func.min(deliveries.c.next_attempt_at)).where(text(DUE_UNORDERED), due)
    ordered = select(func.count(), func.min(deliveries.c.next_attempt_at)).where(
        text(PENDING_ORDERED), deliveries.c.state == literal_column("'queued'"), due
    )
    count, oldest = (await conn.execute(unordered)).one()
    more, earliest = (await conn.execute(ordered)).one()
    times = [as_utc(t) for t in (oldest, earliest) if t is not None]
    return int(count) + int(more), min(times) if times else None
