"""Events, their rendered bodies, and the deliveries created from them (the fan-out write)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Executable, bindparam, func, select

from forgehooks.core.clock import as_utc
from forgehooks.core.codec import to_jsonable
from forgehooks.core.events import Event
from forgehooks.core.hooks import Subscriber
from forgehooks.store.driver import Connection
from forgehooks.store.hooks import branch_filter_of, kinds_of
from forgehooks.store.queue import STATEMENTS, adapter
from forgehooks.store.tables import bodies, deliveries, events, hooks

DELIVERY_COLUMNS = (
    "id",
    "hook_id",
    "event_id",
    "project_id",
    "event_kind",
    "dialect",
    "body_id",
    "state",
    "next_attempt_at",
    "created_at",
    "updated_at",
    "attempt_count",
    "lease_token",
    "ordered",
    "last_error",
    "last_status_code",
)
TIMES = frozenset({"next_attempt_at", "created_at", "updated_at"})
#: What a delivery row may leave out (the table's defaults).
DELIVERY_DEFAULTS: dict[str, Any] = {
    "attempt_count": 0,
    "lease_token": None,
    "last_status_code": None,
    "last_error": "",
    "ordered": False,
}


def _delivery_statement() -> tuple[Executable, list[str]]:
    # parameters named as their columns: an INSERT's VALUES may reuse the column names
    values: dict[str, Any] = {name: bindparam(name) for name in DELIVERY_COLUMNS}
    return deliveries.insert().values(values), list(DELIVERY_COLUMNS)


def _event_statement() -> tuple[Executable, list[str]]:
    names = ["id", "project_id", "kind", "actor_id", "occurred_at", "payload"]
    values: dict[str, Any] = {name: bindparam(f"e_{name}") for name in names}
    return events.insert().values(values), [f"e_{name}" for name in names]


def _new_bodies_statement(count: int) -> tuple[Executable, list[str]]:
    # one multi-row INSERT for a publish's bodies (one per dialect, per event in a batch)
    rows: list[dict[str, Any]] = [
        {name: bindparam(f"b{i}_{name}") for name in ("event_id", "dialect", "content")} for i in range(count)
    ]
    names = [f"b{i}_{name}" for i in range(count) for name in ("event_id", "dialect", "content")]
    returning = (bodies.c.id, bodies.c.event_id, bodies.c.dialect)
    return bodies.insert().values(rows).returning(*returning), names


#: Bodies per INSERT: a statement is compiled for each count up to this.
BODIES_PER_STATEMENT = 50


def _subscribers_statement() -> tuple[Executable, list[str]]:
    columns = [hooks.c[name] for name in SUBSCRIBER_COLUMNS]
    live = hooks.c.deleted_at.is_(None)
    return select(*columns).where(hooks.c.project_id == bindparam("project_id"), live), ["project_id"]


SUBSCRIBER_COLUMNS = (
    "id",
    "dialect",
    "events",
    "branch_filter_strategy",
    "branch_filter_pattern",
    "active",
    "ordered",
    "disabled",
    "disabled_until",
)


def event_json(event: Event) -> str:
    """The stored canonical event: the text of `json_text(to_jsonable(event))`, written by
    orjson from the dataclasses directly (to_jsonable's walk was a third of a publish's CPU)."""
    return orjson.dumps(event, default=_utc_text, option=_EVENT_OPTIONS).decode()


_EVENT_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def _utc_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_jsonable(value)  # UTC, "Z": as to_jsonable writes every time
    raise TypeError(f"{type(value).__name__} is not JSON")


class EventRepository:
    """Writes an event with its bodies and deliveries; reads the event stream."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.db = conn

    async def insert(self, events_: Sequence[Event]) -> None:
        """Store canonical events (one driver call for all)."""
        adapt = adapter(self.db.dialect)
        statement = STATEMENTS.get(self.db.dialect, _event_statement)
        values = [
            {
                "e_id": event.id,
                "e_project_id": event.project.id,
                "e_kind": event.kind.value,
                "e_actor_id": event.actor.id or None,
                "e_occurred_at": adapt.time(event.occurred_at),
                "e_payload": event_json(event),
            }
            for event in events_
        ]
        await self.db.run_many(statement, values)

    async def subscribers(self, project_id: int) -> list[Subscriber]:
        """What fan-out needs of every live hook of a project: nine columns, no secrets."""
        db = self.db
        statement = STATEMENTS.get(db.dialect, _subscribers_statement)
        adapt = adapter(db.dialect)
        return [
            Subscriber(
                id=hook_id,
                dialect=dialect,
                events=kinds_of(adapt.read_json(kinds)),
                branch_filter=branch_filter_of(strategy, pattern),
                active=bool(active),
                ordered=bool(ordered),
                disabled=bool(disabled),
                disabled_until=as_utc(adapt.read_time(until)) if until is not None else None,
            )
            for hook_id, dialect, kinds, strategy, pattern, active, ordered, disabled, until in await db.rows(
                statement, {"project_id": project_id}
            )
        ]

    async def insert_bodies(self, rendered: Sequence[tuple[str, str, bytes]]) -> dict[tuple[str, str], int]:
        """Store rendered bodies, each (event id, dialect, content); their ids by (event id, dialect)."""
        ids: dict[tuple[str, str], int] = {}
        for start in range(0, len(rendered), BODIES_PER_STATEMENT):
            chunk = rendered[start : start + BODIES_PER_STATEMENT]
            statement = STATEMENTS.get(self.db.dialect, _new_bodies_statement, len(chunk))
            values: dict[str, Any] = {}
            for i, (event_id, dialect, content) in enumerate(chunk):
                values[f"b{i}_event_id"], values[f"b{i}_dialect"], values[f"b{i}_content"] = (
                    event_id,
                    dialect,
                    content,
                )
            for body_id, event_id, dialect in await self.db.rows(statement, values):
                ids[(event_id, dialect)] = body_id
        return ids

    async def insert_deliveries(self, rows: Sequence[dict[str, Any]]) -> None:
        """Create deliveries in one driver call (a fan-out to 1,000 hooks writes 1,000 rows)."""
        if not rows:
            return
        db = self.db
        time = adapter(db.dialect).time
        statement = STATEMENTS.get(db.dialect, _delivery_statement)
        formatted: dict[Any, Any] = {}  # a fan-out's rows share their creation time

        def value(row: Mapping[str, Any], name: str) -> Any:
            found = row[name] if name in row else DELIVERY_DEFAULTS[name]
            if name not in TIMES:
                return found
            text = formatted.get(found)
            if text is None:
                text = formatted[found] = time(found)
            return text

        names = statement.names
        await db.run_rows(statement, [tuple(value(row, name) for name in names) for row in rows])

    async def get_payload(self, event_id: str) -> dict[str, Any] | None:
        """The stored canonical event as JSON data."""
        query = select(events.c.payload).where(events.c.id == event_id)
        payload = (await self.conn.execute(query)).scalar_one_or_none()
        return dict(payload) if payload is not None else None

    async def stream(self, project_id: int, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        """A project's events, newest first, with delivery counts, and the total."""
        counts = (
            select(deliveries.c.event_id, func.count().label("deliveries"))
            .where(deliveries.c.project_id == project_id)
            .group_by(deliveries.c.event_id)
            .subquery()
        )
        query = (
            select(
                events.c.id,
                events.c.kind,
                events.c.occurred_at,
                events.c.actor_id,
                counts.c.deliveries,
            )
            .outerjoin(counts, counts.c.event_id == events.c.id)
            .where(events.c.project_id == project_id)
            .order_by(events.c.occurred_at.desc())
            .offset(offset)
            .limit(limit)
        )
        rows = [
            {
                "id": r.id,
                "kind": r.kind,
                "occurred_at": as_utc(r.occurred_at),
                "actor_id": r.actor_id,
                "deliveries": r.deliveries or 0,
            }
            for r in await self.conn.execute(query)
        ]
        total_query = select(func.count()).select_from(events).where(events.c.project_id == project_id)
        total = (await self.conn.execute(total_query)).scalar_one()
        return rows, int(total)
