"""The delivery log read by event id and by creation time, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from forgehooks.core.clock import utcnow
from forgehooks.core.events import EventKind
from forgehooks.core.hooks import HookSpec
from forgehooks.core.samples import sample_body
from forgehooks.services import events, hooks
from forgehooks.services.runtime import Runtime
from forgehooks.store.deliveries import DeliveryRepository
from forgehooks.store.tables import deliveries as deliveries_table
from tests.conftest import Seed


async def _emit(runtime: Runtime, seed: Seed) -> str:
    actor = events.actor_of(seed.user)
    body = sample_body(EventKind.PUSH, seed.project.snapshot("http://x"), actor, utcnow())
    event = events.build_event(runtime, seed.project, EventKind.PUSH, body, actor)
    await events.publish(runtime, event)
    return event.id


async def test_deliveries_filter_by_event_id_and_creation_time(runtime: Runtime, seed: Seed) -> None:
    for n in range(2):  # two hooks: each event has two deliveries
        spec = HookSpec(url=f"https://ci.example/{n}", events=frozenset({EventKind.PUSH}))
        await hooks.create_hook(runtime, seed.project, spec, "gitcode_v4")
    old_event, new_event = await _emit(runtime, seed), await _emit(runtime, seed)
    an_hour_ago = utcnow() - timedelta(hours=1)
    async with runtime.db.transaction() as conn:
        moved = update(deliveries_table).where(deliveries_table.c.event_id == old_event)
        await conn.execute(moved.values(created_at=an_hour_ago - timedelta(minutes=5)))
    async with runtime.db.reading() as conn:
        repo = DeliveryRepository(conn)
        of_old, total = await repo.list(project_id=seed.project.id, event_id=old_event)
        assert total == 2 and {d.event_id for d in of_old} == {old_event}
        recent, total = await repo.list(project_id=seed.project.id, created_since=an_hour_ago)
        assert total == 2 and {d.event_id for d in recent} == {new_event}
        both, total = await repo.list(
            project_id=seed.project.id, event_id=old_event, created_since=an_hour_ago
        )
        assert both == [] and total == 0
        page, total = await repo.list(project_id=seed.project.id, created_since=an_hour_ago, limit=1)
        assert len(page) == 1 and total == 2
        everything, total = await repo.list(project_id=seed.project.id)
        assert total == 4 and len(everything) == 4
        assert await repo.list(project_id=seed.project.id, event_id="no-such-event") == ([], 0)
