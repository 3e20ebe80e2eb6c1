"""Publishing: store an event, render it per dialect and create its deliveries, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from forgehooks.core.clock import utcnow
from forgehooks.core.codec import from_jsonable
from forgehooks.core.errors import InvalidInput
from forgehooks.core.events import BODY_TYPES, Actor, Body, Event, EventKind
from forgehooks.core.ids import new_ordered_uuid
from forgehooks.core.projects import Project, User
from forgehooks.engine.fanout import plan
from forgehooks.services.runtime import Runtime
from forgehooks.store import wakeups
from forgehooks.store.events import EventRepository


@dataclass(frozen=True, slots=True, kw_only=True)
class Published:
    """What a publish created."""

    event_id: str
    deliveries: int


def actor_of(user: User) -> Actor:
    """The event actor for a forgehooks user."""
    return Actor(id=user.id, username=user.username, name=user.name, email=user.email)


def parse_body(kind: EventKind, body: Any) -> Body:
    """The canonical body of `kind` from JSON data; InvalidInput names the bad field."""
    return from_jsonable(BODY_TYPES[kind.family], body, "body")


def build_event(
    rt: Runtime, project: Project, kind: EventKind, body: Body, actor: Actor, at: datetime | None = None
) -> Event:
    """A canonical event of `project`, stamped now."""
    try:
        return Event(
            id=new_ordered_uuid(),
            kind=kind,
            project=project.snapshot(rt.settings.base_url()),
            actor=actor,
            occurred_at=at or utcnow(),
            body=body,
        )
    except TypeError as exc:
        raise InvalidInput("body", str(exc)) from exc


async def publish(rt: Runtime, event: Event) -> Published:
    """Fan `event` out to every matching hook of its project; nothing is written unless all is."""
    now = utcnow()
    async with rt.db.driver_transaction() as conn:
        events = EventRepository(conn)
        await events.insert(event)
        hooks = await events.subscribers(event.project.id)
        fanout = plan(event, hooks, rt.wires, now, max_body_bytes=rt.settings.max_payload_bytes)
        body_ids = await events.insert_bodies(event.id, fanout.bodies)
        for row in fanout.deliveries:
            row["body_id"] = body_ids[row["dialect"]]
        await events.insert_deliveries(fanout.deliveries)
        if fanout.deliveries:
            await wakeups.notify_due(rt.db, conn)  # workers of other processes, at commit
    if fanout.deliveries:
        rt.wake_workers()
    return Published(event_id=event.id, deliveries=len(fanout.deliveries))
