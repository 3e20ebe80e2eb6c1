"""The delivery log: list a hook's deliveries, show one with its attempts, redeliver."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from forgehooks.core.clock import utcnow
from forgehooks.core.deliveries import FINAL_STATES, Attempt, Delivery, DeliveryState
from forgehooks.core.errors import Conflict, NotFound
from forgehooks.core.projects import Project
from forgehooks.services.runtime import Runtime
from forgehooks.store.deliveries import DeliveryRepository
from forgehooks.store.queue import requeue


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryDetail:
    """A delivery with its exact body and every attempt."""

    delivery: Delivery
    body: bytes
    attempts: list[Attempt]


async def list_deliveries(
    rt: Runtime,
    project: Project,
    *,
    hook_id: int | None = None,
    state: DeliveryState | None = None,
    kind: str | None = None,
    event_id: str | None = None,
    created_since: datetime | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[Delivery], int]:
    """Deliveries of a project (or one of its hooks, one event, since a time), newest first."""
    async with rt.db.reading() as conn:
        return await DeliveryRepository(conn).list(
            hook_id=hook_id,
            project_id=project.id,
            state=state,
            kind=kind,
            event_id=event_id,
            created_since=created_since,
            offset=offset,
            limit=limit,
        )


async def get_delivery(rt: Runtime, project: Project, delivery_id: str) -> DeliveryDetail:
    """One delivery of the project with its body and attempts; NotFound otherwise."""
    async with rt.db.reading() as conn:
        repo = DeliveryRepository(conn)
        delivery = await repo.get(delivery_id)
        if delivery is None or delivery.project_id != project.id:
            raise NotFound("404 Delivery Not Found")
        return DeliveryDetail(
            delivery=delivery, body=await repo.body(delivery_id), attempts=await repo.attempts(delivery_id)
        )


async def redeliver(rt: Runtime, project: Project, delivery_id: str) -> Delivery:
    """Send a delivery again: same id, same bytes, as a new attempt."""
    detail = await get_delivery(rt, project, delivery_id)
    if detail.delivery.state is DeliveryState.CANCELLED:
        raise Conflict("the hook of this delivery was deleted")
    if detail.delivery.state not in FINAL_STATES and detail.delivery.state is not DeliveryState.HELD:
        raise Conflict("this delivery is still queued")
    async with rt.db.transaction() as conn:
        if not await requeue(conn, delivery_id, utcnow()):
            raise Conflict("this delivery is being sent right now")
        delivery = await DeliveryRepository(conn).get(delivery_id)
    rt.wake_workers()
    assert delivery is not None
    return delivery


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptDetail:
    """One attempt of a hook with its delivery and the exact body it sent."""

    attempt: Attempt
    delivery: Delivery
    body: bytes


async def list_attempts(
    rt: Runtime,
    project: Project,
    hook_id: int,
    *,
    offset: int = 0,
    limit: int = 20,
    event_id: str | None = None,
    after: datetime | None = None,
    before: datetime | None = None,
) -> tuple[list[tuple[Attempt, Delivery]], int]:
    """The request log of a hook of `project` (checked by the caller), newest first, with the total."""
    async with rt.db.reading() as conn:
        return await DeliveryRepository(conn).hook_attempts(
            hook_id, offset=offset, limit=limit, event_id=event_id, after=after, before=before
        )


async def get_attempt(rt: Runtime, project: Project, hook_id: int, attempt_id: int) -> AttemptDetail:
    """One attempt of a hook of the project by its numeric id; NotFound otherwise."""
    async with rt.db.reading() as conn:
        repo = DeliveryRepository(conn)
        found = await repo.attempt(attempt_id)
        if found is None or found[1].hook_id != hook_id or found[1].project_id != project.id:
            raise NotFound("404 Attempt Not Found")
        attempt, delivery = found
        return AttemptDetail(attempt=attempt, delivery=delivery, body=await repo.body(delivery.id))
