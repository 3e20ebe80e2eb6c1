"""Alerts: when a hook is paused or disabled, tell its project's maintainers.

A watcher in every API and worker process claims newly disabled hooks (each disable is
claimed once, whichever process sees it first) and POSTs an operational event with the
failing delivery's details to `FORGEHOOKS_ALERT_URL`. The console shows a banner too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from forgehooks.core.clock import utcnow
from forgehooks.core.codec import to_jsonable
from forgehooks.core.hooks import Hook
from forgehooks.core.ids import new_uuid
from forgehooks.core.projects import Role
from forgehooks.core.wire import USER_AGENT
from forgehooks.engine.sender import Sender
from forgehooks.services.runtime import Runtime
from forgehooks.store.accounts import MembershipRepository
from forgehooks.store.alerts import claim_unannounced, last_failure
from forgehooks.store.hooks import HookRepository
from forgehooks.store.projects import ProjectRepository

log = logging.getLogger("forgehooks.alerts")


async def _alert_body(rt: Runtime, hook: Hook) -> dict[str, Any]:
    async with rt.db.reading() as conn:
        project = await ProjectRepository(conn).get(hook.project_id)
        members = await MembershipRepository(conn).list_for_project(hook.project_id)
        failure = await last_failure(conn, hook.id)
    return {
        "id": new_uuid(),
        "type": "hook.disabled" if hook.disabled else "hook.paused",
        "at": utcnow(),
        "project": {"id": hook.project_id, "path": project.path if project else ""},
        "hook": {
            "id": hook.id,
            "face": hook.dialect,
            "url": hook.url,  # variables stay as {name}: their values are never shown
            "consecutive_failures": hook.consecutive_failures,
            "disabled_until": hook.disabled_until,
            "disabled": hook.disabled,
            "last_status_code": hook.last_status_code,
            "last_message": hook.last_message,
        },
        "maintainers": [
            {"username": user.username, "email": user.email}
            for user, role in members
            if role >= Role.MAINTAINER
        ],
        "failing_delivery": failure,
    }


async def announce_disabled(rt: Runtime, sender: Sender) -> int:
    """Claim every hook disabled or paused since it was last announced, and send one alert each."""
    async with rt.db.transaction() as conn:
        hook_ids = await claim_unannounced(conn, utcnow())
    if not hook_ids:
        return 0
    async with rt.db.reading() as conn:
        found = await HookRepository(conn, rt.box).many(hook_ids)
    for hook in found.values():
        body = json.dumps(to_jsonable(await _alert_body(rt, hook)), default=str).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Forgehooks-Alert": "hook.disabled",
        }
        outcome = await sender.send(rt.settings.alert_url, headers, body, ssl_verify=True)
        log.warning(
            "hook %s of project %s %s; alert sent: %s",
            hook.id,
            hook.project_id,
            "disabled" if hook.disabled else f"paused until {hook.disabled_until}",
            outcome.summary,
        )
    return len(found)


async def watch(rt: Runtime, stop: asyncio.Event, interval: float = 5.0) -> None:
    """Announce disables until `stop` is set (no-op without FORGEHOOKS_ALERT_URL)."""
    if not rt.settings.alert_url:
        return
    # the alert URL is the operator's own, so it may be an internal address
    sender = Sender(allow_local=True, total_timeout=rt.settings.send_timeout, proxy=rt.settings.egress_proxy)
    try:
        while not stop.is_set():
            try:
                await announce_disabled(rt, sender)
            except Exception:
                log.exception("announcing disabled hooks failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
    finally:
        await sender.close()
