"""Alerts: a disabled or paused hook is announced once, with the failing delivery's details."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import update

from forgehooks.core.clock import utcnow
from forgehooks.core.hooks import HookSpec
from forgehooks.core.projects import Role
from forgehooks.engine.sender import Sender
from forgehooks.services import alerts, hooks
from forgehooks.services.runtime import Runtime
from forgehooks.store.tables import hooks as hooks_table
from tests.conftest import Seed, member
from tests.receivers import Receiver


async def test_each_disable_is_announced_once_to_the_alert_url(runtime: Runtime, seed: Seed) -> None:
    await member(runtime, seed, "mona", Role.MAINTAINER)
    await member(runtime, seed, "rick", Role.REPORTER)
    hook = await hooks.create_hook(
        runtime, seed.project, HookSpec(url="http://127.0.0.1:9/gone"), "forgehooks"
    )
    with Receiver() as inbox:
        runtime.settings = runtime.settings.model_copy(update={"alert_url": inbox.url + "/alerts"})
        sender = Sender(allow_local=True)
        try:
            assert await alerts.announce_disabled(runtime, sender) == 0
            until = utcnow() + timedelta(minutes=1)
            async with runtime.db.transaction() as conn:
                await conn.execute(
                    update(hooks_table)
                    .where(hooks_table.c.id == hook.id)
                    .values(disabled_until=until, consecutive_failures=4, last_message="HTTP 503")
                )
            assert await alerts.announce_disabled(runtime, sender) == 1
            assert await alerts.announce_disabled(runtime, sender) == 0  # announced once
            async with runtime.db.transaction() as conn:
                await conn.execute(
                    update(hooks_table).where(hooks_table.c.id == hook.id).values(disabled=True)
                )
            assert await alerts.announce_disabled(runtime, sender) == 1  # escalation is news
            await hooks.reenable_hook(
                runtime, seed.project, await hooks.get_hook(runtime, seed.project, hook.id)
            )
            assert await alerts.announce_disabled(runtime, sender) == 0
        finally:
            await sender.close()
        first, second = (json.loads(r.body) for r in inbox.wait_for(2))
    assert first["type"] == "hook.paused" and second["type"] == "hook.disabled"
    assert first["project"]["path"] == "acme/widgets"
    assert first["hook"]["id"] == hook.id and first["hook"]["last_message"] == "HTTP 503"
    assert {m["username"] for m in first["maintainers"]} == {"alice", "mona"}
