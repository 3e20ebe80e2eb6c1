"""Publishing: store an event, render it per dialect and create its deliveries, in one transaction."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from forgehooks.core.clock import utcnow
from forgehooks.core.codec import from_jsonable
from forgehooks.core.errors import Conflict, InvalidInput, Unavailable
from forgehooks.core.events import BODY_TYPES, Actor, Body, Event, EventKind
from forgehooks.core.hooks import Subscriber
from forgehooks.core.ids import new_ordered_uuid
from forgehooks.core.projects import Project, User
from forgehooks.engine.fanout import plan
from forgehooks.services.group_commit import GroupCommit
from forgehooks.services.runtime import Runtime
from forgehooks.store import idempotency, wakeups
from forgehooks.store.driver import Connection, IntegrityError
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


#: How long a publish's Idempotency-Key is honoured (Stripe keeps keys 24 hours).
IDEMPOTENCY_WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True, kw_only=True)
class IdempotencyKey:
    """A caller's key for one publish request, and what identifies the request."""

    user_id: int
    key: str
    fingerprint: str  # `fingerprint_of` the request

    def __post_init__(self) -> None:
        if not 1 <= len(self.key) <= 255 or not self.key.isprintable():
            raise InvalidInput("Idempotency-Key", "must be 1 to 255 printable characters")


def fingerprint_of(path: str, body: Any) -> str:
    """A hash of a request's path and JSON body (keys in any order hash the same)."""
    canonical = orjson.dumps([path, body], option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(canonical).hexdigest()


async def publish(rt: Runtime, event: Event, key: IdempotencyKey | None = None) -> Published:
    """Fan `event` out to every matching hook of its project; nothing is written unless all is."""
    return (await publish_all(rt, [event], key))[0]


async def publish_all(
    rt: Runtime, events: Sequence[Event], key: IdempotencyKey | None = None
) -> list[Published]:
    """Publish `events` at once; with a key, a request seen before answers as it did then.

    Publishes of this process that arrive together commit in one transaction (`rt.publishes`,
    services/group_commit.py); each is still all or nothing.

    A different request under a key already used is a Conflict. Two requests racing with
    one key: the second waits for the first's commit, creates nothing, and answers the same.
    """
    if key is not None:
        found = await _remembered(rt, key)
        if found is not None:
            return found
    try:
        return await _group_of(rt).submit(Publishing(events, key))
    except IntegrityError:
        found = await _remembered(rt, key) if key is not None else None
        if found is None:
            raise
        return found


@dataclass(frozen=True, slots=True)
class Publishing:
    """One publish request: its events and its Idempotency-Key."""

    events: Sequence[Event]
    key: IdempotencyKey | None

    def weight(self) -> int:
        return len(self.events)


#: Events one group transaction takes at most (a batch request's maximum).
GROUP_EVENTS = 1000


def _group_of(rt: Runtime) -> GroupCommit[Publishing, list[Published]]:
    if rt.publish_group is None:
        commit = functools.partial(_publish_group, rt)
        rt.publish_group = GroupCommit(
            commit, weight=Publishing.weight, limit=GROUP_EVENTS, shared=(Unavailable,)
        )
    group: GroupCommit[Publishing, list[Published]] = rt.publish_group
    return group


async def _remembered(rt: Runtime, key: IdempotencyKey) -> list[Published] | None:
    async with rt.db.reading() as conn:
        found = await idempotency.find(conn, key.user_id, key.key, utcnow() - IDEMPOTENCY_WINDOW)
    if found is None:
        return None
    if found.fingerprint != key.fingerprint:
        raise Conflict(f"Idempotency-Key {key.key!r} was used for a different request")
    return [Published(event_id=r["event_id"], deliveries=r["deliveries"]) for r in found.response]


async def _publish_group(rt: Runtime, requests: Sequence[Publishing]) -> list[list[Published]]:
    """Fan out every event of `requests` in one transaction: all are stored with their
    deliveries, or none.

    The statements do not grow with the hooks or the events: the events in one driver call,
    each project's hooks read once, every rendered body in one multi-row INSERT, every
    delivery in one driver call (pipelined on PostgreSQL).
    """
    now = utcnow()
    events = [event for request in requests for event in request.events]
    async with rt.db.transaction() as conn:
        repository = EventRepository(conn)
        await repository.insert(events)
        subscribers: dict[int, list[Subscriber]] = {}
        plans = []
        for event in events:
            project_id = event.project.id
            if project_id not in subscribers:
                subscribers[project_id] = await repository.subscribers(project_id)
            fanout = plan(
                event, subscribers[project_id], rt.wires, now, max_body_bytes=rt.settings.max_payload_bytes
            )
            plans.append(fanout)
        rendered = [
            (e.id, dialect, body)
            for e, p in zip(events, plans, strict=True)
            for dialect, body in p.bodies.items()
        ]
        body_ids = await repository.insert_bodies(rendered)
        rows = []
        for event, fanout in zip(events, plans, strict=True):
            for row in fanout.deliveries:
                row["body_id"] = body_ids[(event.id, row["dialect"])]
                rows.append(row)
        await repository.insert_deliveries(rows)
        answers: list[list[Published]] = []
        done = 0
        for request in requests:
            answer = [
                Published(event_id=e.id, deliveries=len(p.deliveries))
                for e, p in zip(request.events, plans[done : done + len(request.events)], strict=True)
            ]
            done += len(request.events)
            answers.append(answer)
            if request.key is not None:
                await _remember(conn, request.key, answer, now)
        if rows:
            await wakeups.notify_due(rt.db, conn)  # workers of other processes, at commit
    if rows:
        rt.wake_workers()
    return answers


async def _remember(conn: Connection, key: IdempotencyKey, answer: list[Published], now: datetime) -> None:
    response = [{"event_id": p.event_id, "deliveries": p.deliveries} for p in answer]
    since = now - IDEMPOTENCY_WINDOW
    await idempotency.remember(conn, key.user_id, key.key, key.fingerprint, response, now, since)
