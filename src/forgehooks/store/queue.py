"""The database as the queue: claim due deliveries under a lease, record attempts in batches.

A claim moves `next_attempt_at` to the end of the lease and stamps a lease token. A worker
that dies simply never records: the delivery becomes due again when the lease ends. A
worker whose lease expired cannot overwrite a newer claim, because records match the token.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    Integer,
    Select,
    Update,
    and_,
    bindparam,
    func,
    literal_column,
    null,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.engine import Dialect

from forgehooks.core.clock import as_utc
from forgehooks.core.deliveries import DeliveryState
from forgehooks.core.hooks import HookHealth, health_after
from forgehooks.core.ids import new_uuid
from forgehooks.store.driver import Connection, Row, StatementCache, ValueAdapter, padded
from forgehooks.store.tables import DUE_UNORDERED, HELD, PENDING_ORDERED, attempts, bodies, deliveries, hooks


# Claimed and AttemptRecord are made once per delivery and never changed: not frozen only
# because a frozen dataclass's __init__ costs several microseconds more per instance.
@dataclass(slots=True, kw_only=True)
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


@dataclass(slots=True, kw_only=True)
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
    reason: str  # core.deliveries.Reason's value
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
    conn: Connection,
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
    `skip_hooks` leaves out hooks whose receiver this worker already keeps fully busy
    (an optimisation only: at most the largest of `SKIP_SIZES` of them are left out).
    """
    db = conn
    adapt = adapter(db.dialect)
    skip = padded(skip_hooks, SKIP_SIZES, 0) if skip_hooks else []
    statement = STATEMENTS.get(db.dialect, _claim_statement, len(skip))
    token = new_uuid()
    values: dict[str, Any] = {"now": adapt.time(now), "until": adapt.time(now + lease), "token": token}
    values |= {"limit": limit} | {f"skip_{i}": hook_id for i, hook_id in enumerate(skip)}
    if db.dialect.name == "postgresql":
        await db.execute(GENERIC_PLAN)
    rows = await db.rows(statement, values)
    if not rows:
        return []
    content = {i: bytes(body) for i, body in (await _bodies(db, list({r[6] for r in rows}))).items()}
    # a claimed delivery is kept until its send ends: the deliveries of one event share its
    # body, event id, kind and dialect, not a copy each from their own row
    shared = sys.intern
    return [
        Claimed(
            id=r[0],
            hook_id=r[1],
            event_id=shared(r[2]),
            event_kind=shared(r[3]),
            dialect=shared(r[4]),
            attempt_count=r[5],
            lease_token=token,
            body=content[r[6]],
        )
        for r in rows
    ]


#: PostgreSQL plans the claim for its limit unknown, which makes it read the due index in
#: order and stop at the limit. Planned for the actual limit (a custom plan, what asyncpg's
#: prepared statements get for their first runs and whenever PostgreSQL prefers), it read
#: every due row and sorted them whenever the statistics counted fewer queued rows than the
#: limit: a table filling faster than autovacuum analyzes it, or a backlog building up after
#: an outage. With 200,000 due deliveries that was 50 ms a claim and a 14 MB sort on disk;
#: the generic plan takes 1.3 ms. For this transaction only.
GENERIC_PLAN = text("SET LOCAL plan_cache_mode = force_generic_plan")

#: IN-list sizes the claim's hook skipping and its body lookup are compiled for.
SKIP_SIZES = (8, 64, 256, 1024)  # a receiver behind 1,000 hooks: its claimed overflow went back
IN_SIZES = (1, 8, 64, 256)
STATEMENTS = StatementCache()
_ADAPTERS: dict[str, ValueAdapter] = {}


def adapter(dialect: Dialect) -> ValueAdapter:
    """The dialect's value adapter (made once)."""
    found = _ADAPTERS.get(dialect.name)
    if found is None:
        found = _ADAPTERS[dialect.name] = ValueAdapter.of(dialect)
    return found


def _claim_statement(skip_count: int) -> tuple[Executable, list[str]]:
    skip: list[Any] = [bindparam(f"skip_{i}") for i in range(skip_count)]
    limit = bindparam("limit", type_=Integer)
    due = claimable(bindparam("now"), limit, skip)
    names = ["now", "until", "token", "limit", *(p.key for p in skip)]
    return _lease(due, bindparam("until"), bindparam("token")), names


async def _bodies(db: Connection, body_ids: list[int]) -> dict[int, bytes]:
    """Rendered bodies by id."""
    return dict(await rows_by_ids(db, _bodies_statement, body_ids))


async def rows_by_ids(
    db: Connection, build: Callable[[int], tuple[Executable, list[str]]], ids: Sequence[int]
) -> list[Row]:
    """The rows `build(size)` selects for `ids`, a compiled IN list of `size` at a time
    (numeric ids start at 1, so 0 pads a list to its size)."""
    found: list[Row] = []
    for start in range(0, len(ids), IN_SIZES[-1]):
        chunk = padded(ids[start : start + IN_SIZES[-1]], IN_SIZES, 0)
        statement = STATEMENTS.get(db.dialect, build, len(chunk))
        found += await db.rows(statement, {f"id_{i}": value for i, value in enumerate(chunk)})
    return found


def _id_list(size: int) -> list[Any]:
    return [bindparam(f"id_{i}") for i in range(size)]


def _bodies_statement(size: int) -> tuple[Executable, list[str]]:
    wanted = _id_list(size)
    return select(bodies.c.id, bodies.c.content).where(bodies.c.id.in_(wanted)), [p.key for p in wanted]


Limit = int | ColumnElement[int]
Moment = datetime | ColumnElement[datetime]


def claimable(now: Moment, limit: Limit, skip_hooks: Sequence[Any]) -> Select[tuple[str]]:
    """Up to `limit` due deliveries to lease, ordered hooks' heads first: one statement, one round trip."""
    heads = due_heads(now, limit, skip_hooks).subquery("heads")
    unordered = due_unordered(now, limit, skip_hooks).subquery("unordered")
    both = union_all(select(heads.c.id), select(unordered.c.id)).subquery("claimable")
    # each branch locks the rows it yields as they are read; the limit stops reading
    return select(both.c.id).limit(limit)


def due_unordered(now: Moment, limit: Limit, skip_hooks: Sequence[Any]) -> Select[tuple[str]]:
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


def due_heads(now: Moment, limit: Limit, skip_hooks: Sequence[Any]) -> Select[tuple[str]]:
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


def _lease(due: Select[tuple[str]], until: Any, token: Any) -> Update:
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


async def record_attempts(conn: Connection, records: Sequence[AttemptRecord], now: datetime) -> int:
    """Insert the attempts and move their deliveries on; returns how many leases still held."""
    if not records:
        return 0
    db = conn
    adapt = adapter(db.dialect)
    at = adapt.time(now)
    moved = await db.run_many(
        STATEMENTS.get(db.dialect, _record_statement),
        [
            {
                "d_id": r.delivery_id,
                "d_token": r.lease_token,
                "d_state": r.state.value,
                "d_next": adapt.time(r.next_attempt_at),
                "d_status": r.response_status,
                "d_error": r.error[:1000],
                "now": at,
            }
            for r in records
        ],
    )
    await db.run_many(
        STATEMENTS.get(db.dialect, _attempt_statement),
        [
            {
                "a_delivery_id": r.delivery_id,
                "a_number": r.number,
                "a_started_at": adapt.time(r.started_at),
                "a_duration_ms": r.duration_ms,
                "a_request_url": r.request_url,
                "a_request_headers": adapt.json(r.request_headers),
                "a_response_status": r.response_status,
                "a_response_headers": adapt.json(r.response_headers),
                "a_response_body": r.response_body,
                "a_error": r.error,
                "a_verdict": r.verdict,
                "a_reason": r.reason,
            }
            for r in records
        ],
    )
    return moved


def _record_statement() -> tuple[Executable, list[str]]:
    statement = (
        update(deliveries)
        .where(deliveries.c.id == bindparam("d_id"), deliveries.c.lease_token == bindparam("d_token"))
        .values(
            state=bindparam("d_state"),
            next_attempt_at=bindparam("d_next"),
            # literals, not parameters: a statement without constants binds each row with one
            # C call (`CompiledSQL.args`), not a merge of two dicts per row
            attempt_count=deliveries.c.attempt_count + literal_column("1"),
            lease_token=null(),
            updated_at=bindparam("now"),
            last_status_code=bindparam("d_status"),
            last_error=bindparam("d_error"),
        )
    )
    return statement, ["d_id", "d_token", "d_state", "d_next", "now", "d_status", "d_error"]


ATTEMPT_COLUMNS = (
    "delivery_id",
    "number",
    "started_at",
    "duration_ms",
    "request_url",
    "request_headers",
    "response_status",
    "response_headers",
    "response_body",
    "error",
    "verdict",
    "reason",
)


def _attempt_statement() -> tuple[Executable, list[str]]:
    names = [f"a_{c}" for c in ATTEMPT_COLUMNS]
    pairs = zip(ATTEMPT_COLUMNS, names, strict=True)
    values: dict[str, Any] = {column: bindparam(name) for column, name in pairs}
    return attempts.insert().values(values), names


async def hook_versions(conn: Connection, hook_ids: Sequence[int]) -> dict[int, datetime]:
    """`updated_at` of the live hooks among `hook_ids`: lets a worker reuse hooks it already loaded."""
    db = conn
    read_time = adapter(db.dialect).read_time
    rows = await rows_by_ids(db, _versions_statement, list(hook_ids))
    return {hook_id: as_utc(read_time(at)) for hook_id, at in rows}


def _versions_statement(size: int) -> tuple[Executable, list[str]]:
    wanted = _id_list(size)
    live = hooks.c.deleted_at.is_(None)
    return select(hooks.c.id, hooks.c.updated_at).where(hooks.c.id.in_(wanted), live), [p.key for p in wanted]


async def defer_claimed(conn: Connection, leases: Sequence[tuple[str, str]], until: datetime) -> int:
    """Give claimed deliveries back unsent (no attempt counted), due again at `until`.

    One statement per lease token (a claim's deliveries share theirs): unlike a batch of
    single-row updates, its row count is exact on every driver."""
    db = conn
    at = adapter(db.dialect).time(until)
    by_token: dict[str, list[str]] = {}
    for delivery_id, token in leases:
        by_token.setdefault(token, []).append(delivery_id)
    moved = 0
    for token, ids in by_token.items():
        for start in range(0, len(ids), IN_SIZES[-1]):
            chunk = padded(ids[start : start + IN_SIZES[-1]], IN_SIZES, "")
            values = {f"id_{i}": delivery_id for i, delivery_id in enumerate(chunk)}
            statement = STATEMENTS.get(db.dialect, _defer_statement, len(chunk))
            moved += await db.run(statement, values | {"d_token": token, "until": at})
    return moved


def _defer_statement(size: int) -> tuple[Executable, list[str]]:
    wanted = _id_list(size)
    statement = (
        update(deliveries)
        .where(deliveries.c.lease_token == bindparam("d_token"), deliveries.c.id.in_(wanted))
        .values(next_attempt_at=bindparam("until"), lease_token=None)
    )
    return statement, ["d_token", "until", *(p.key for p in wanted)]


async def record_hook_results(
    conn: Connection, results: Sequence[HookResult], now: datetime
) -> dict[int, HookHealth]:
    """Store each hook's latest result and count failures in the database (atomic across workers).

    Returns the new health of every hook that failed in this batch; the caller pauses those
    whose health says so. A success clears the count and a temporary pause, never a
    permanent disable (only an update or an explicit re-enable does that).
    """
    db = conn
    at = adapter(db.dialect).time(now)
    # Two workers recording at once may share hooks: each first locks all of its hooks in
    # id order (PostgreSQL; SQLite's transactions are serial), so neither can hold one the
    # other needs while waiting for one the other holds (16 deadlocks in a two-worker run).
    results = sorted(results, key=lambda r: r.hook_id)
    await rows_by_ids(db, _lock_statement, [r.hook_id for r in results])
    answers = [
        {"h_id": r.hook_id, "h_status": r.last_status_code, "h_message": r.last_message, "now": at}
        for r in results
    ]
    healthy = [a for a, r in zip(answers, results, strict=True) if r.reset and r.failures == 0]
    await db.run_many(STATEMENTS.get(db.dialect, _healthy_statement), healthy)
    failing: dict[int, HookHealth] = {}
    for answer, r in zip(answers, results, strict=True):
        if r.failures == 0:
            continue
        counted = STATEMENTS.get(db.dialect, _failed_statement, r.reset)
        rows = await db.rows(counted, answer | {"h_failures": r.failures})
        if not rows:
            continue
        failures, disabled = rows[0]
        health = health_after(failures - 1, False, now)
        if disabled:
            health = HookHealth(
                consecutive_failures=health.consecutive_failures, disabled_until=None, disabled=True
            )
        failing[r.hook_id] = health
        if health.disabled or health.disabled_until is not None:
            until = adapter(db.dialect).time(health.disabled_until)
            values = {"h_id": r.hook_id, "h_disabled": health.disabled, "h_until": until}
            await db.run(STATEMENTS.get(db.dialect, _disable_statement), values)
            await pause_hook(db, r.hook_id, until=health.disabled_until, now=now)
    return failing


def _lock_statement(size: int) -> tuple[Executable, list[str]]:
    wanted = _id_list(size)
    statement = select(hooks.c.id).where(hooks.c.id.in_(wanted)).order_by(hooks.c.id).with_for_update()
    return statement, [p.key for p in wanted]


def _answer(consecutive_failures: Any) -> Update:
    """A hook's latest answer (status, message, time) with its new failure count."""
    return (
        update(hooks)
        .where(hooks.c.id == bindparam("h_id"))
        .values(
            last_status_code=bindparam("h_status"),
            last_message=bindparam("h_message"),
            last_at=bindparam("now"),
            consecutive_failures=consecutive_failures,
        )
    )


def _healthy_statement() -> tuple[Executable, list[str]]:
    statement = _answer(0).values(disabled_until=None)
    return statement, ["h_id", "h_status", "h_message", "now"]


def _failed_statement(reset: bool) -> tuple[Executable, list[str]]:
    """Failures counted from zero after a success in the batch (`reset`), else added up."""
    base: Any = 0 if reset else hooks.c.consecutive_failures
    counted = _answer(base + bindparam("h_failures", type_=Integer))
    statement = counted.returning(hooks.c.consecutive_failures, hooks.c.disabled)
    return statement, ["h_id", "h_status", "h_message", "now", "h_failures"]


def _disable_statement() -> tuple[Executable, list[str]]:
    statement = (
        update(hooks)
        .where(hooks.c.id == bindparam("h_id"))
        .values(disabled=bindparam("h_disabled"), disabled_until=bindparam("h_until"))
    )
    return statement, ["h_id", "h_disabled", "h_until"]


async def pause_hook(conn: Connection, hook_id: int, *, until: datetime | None, now: datetime) -> None:
    """A hook was disabled: hold its queued deliveries, or push them past `until`."""
    db = conn
    adapt = adapter(db.dialect)
    hold = until is None
    statement = STATEMENTS.get(db.dialect, _pause_statement, hold)
    await db.run(statement, {"h_id": hook_id, "until": adapt.time(until), "now": adapt.time(now)})


def _pause_statement(hold: bool) -> tuple[Executable, list[str]]:
    queued = and_(deliveries.c.hook_id == bindparam("h_id"), deliveries.c.state == DeliveryState.QUEUED.value)
    if hold:
        held = {"state": DeliveryState.HELD.value, "updated_at": bindparam("now")}
        statement = update(deliveries).where(queued).values(held)
        return statement, ["h_id", "now"]
    statement = (
        update(deliveries)
        .where(queued, deliveries.c.next_attempt_at < bindparam("until"), deliveries.c.lease_token.is_(None))
        .values(next_attempt_at=bindparam("until"))
    )
    return statement, ["h_id", "until"]


async def resume_hook(conn: Connection, hook_id: int, now: datetime) -> int:
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


async def cancel_for_hook(conn: Connection, hook_id: int, now: datetime) -> int:
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


async def cancel_claimed(conn: Connection, delivery_ids: Sequence[str], now: datetime) -> None:
    """Claimed deliveries whose hook was deleted meanwhile: cancelled, not sent."""
    db = conn
    at = adapter(db.dialect).time(now)
    statement = STATEMENTS.get(db.dialect, _cancel_statement)
    await db.run_many(statement, [{"d_id": i, "now": at} for i in delivery_ids])


def _cancel_statement() -> tuple[Executable, list[str]]:
    statement = (
        update(deliveries)
        .where(deliveries.c.id == bindparam("d_id"))
        .values(state=DeliveryState.CANCELLED.value, updated_at=bindparam("now"), lease_token=None)
    )
    return statement, ["d_id", "now"]


async def expire_held(conn: Connection, older_than: datetime, now: datetime) -> int:
    """Held deliveries past the retention become expired."""
    result = await conn.execute(expire_statement(older_than, now))
    return int(result.rowcount)


def expire_statement(older_than: datetime, now: datetime) -> Update:
    """The expiry of held deliveries created before `older_than`."""
    return (
        update(deliveries)
        # the partial index's own condition, written as it is, so SQLite uses the index
        .where(text(HELD), deliveries.c.created_at < older_than)
        .values(state=DeliveryState.EXPIRED.value, updated_at=now)
    )


async def requeue(conn: Connection, delivery_id: str, now: datetime) -> bool:
    """Redeliver: the same delivery (same id, same bytes) is due again now."""
    result = await conn.execute(
        update(deliveries)
        .where(deliveries.c.id == delivery_id, deliveries.c.lease_token.is_(None))
        .values(state=DeliveryState.QUEUED.value, next_attempt_at=now, updated_at=now)
    )
    return bool(result.rowcount)


async def queue_depth(conn: Connection, now: datetime) -> tuple[int, datetime | None]:
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
