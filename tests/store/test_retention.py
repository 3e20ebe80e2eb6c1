"""Pruning the delivery log and rotating the encryption key of hook secrets."""

from __future__ import annotations

from datetime import timedelta

from cryptography.fernet import Fernet
from sqlalchemy import func, select

from forgehooks.core.clock import utcnow
from forgehooks.core.events import EventKind
from forgehooks.core.hooks import HookSpec
from forgehooks.core.samples import sample_body
from forgehooks.services import events, hooks
from forgehooks.services.runtime import Runtime
from forgehooks.store.hooks import HookRepository
from forgehooks.store.retention import prune_events, reencrypt_secrets
from forgehooks.store.secrets import SecretBox, load_keys
from forgehooks.store.tables import deliveries
from forgehooks.store.tables import events as events_table
from tests.conftest import Seed


async def _publish(runtime: Runtime, seed: Seed, days_ago: int) -> str:
    actor = events.actor_of(seed.user)
    at = utcnow() - timedelta(days=days_ago)
    body = sample_body(EventKind.PUSH, seed.project.snapshot("http://x"), actor, at)
    event = events.build_event(runtime, seed.project, EventKind.PUSH, body, actor, at)
    await events.publish(runtime, event)
    return event.id


async def test_prune_keeps_recent_and_unfinished_events(runtime: Runtime, seed: Seed) -> None:
    await hooks.create_hook(runtime, seed.project, HookSpec(url="http://127.0.0.1:9/"), "forgehooks")
    old_done = await _publish(runtime, seed, 40)
    old_pending = await _publish(runtime, seed, 40)
    recent = await _publish(runtime, seed, 1)
    async with runtime.db.transaction() as conn:
        await conn.execute(
            deliveries.update().where(deliveries.c.event_id.in_([old_done, recent])).values(state="succeeded")
        )
        assert await prune_events(conn, utcnow() - timedelta(days=30)) == 1
        left = {r.id for r in await conn.execute(select(events_table.c.id))}
        count = (await conn.execute(select(func.count()).select_from(deliveries))).scalar_one()
    assert left == {old_pending, recent}
    assert count == 2


async def test_rotating_the_key_keeps_secrets_readable(runtime: Runtime, seed: Seed) -> None:
    hook = await hooks.create_hook(
        runtime, seed.project, HookSpec(url="http://127.0.0.1:9/", secret="abc"), "forgehooks"
    )
    new_key = Fernet.generate_key().decode()
    old_keys = load_keys(runtime.settings.secret_key, runtime.settings.data_dir)
    rotated = SecretBox([new_key, *old_keys])
    async with runtime.db.transaction() as conn:
        assert await reencrypt_secrets(conn, rotated) == 1
    only_new = SecretBox([new_key])
    async with runtime.db.reading() as conn:
        stored = await HookRepository(conn, only_new).get(hook.id)
    assert stored is not None and stored.secret == "abc"
