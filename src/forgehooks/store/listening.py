"""NOTIFY and LISTEN on PostgreSQL: sending within a transaction, listening from a
connection of its own, reconnecting after failures.

Used to wake workers when deliveries are due (store/wakeups.py) and to drop each process's
access cache when another process changes tokens or roles (store/access_cache.py). While
not listening a process cannot know what it missed: `live(False)` tells it so, and
`live(True)` that it listens again (and should assume it missed something).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy import String, bindparam, func, select
from sqlalchemy.engine import make_url

from forgehooks.store.driver import Connection

log = logging.getLogger("forgehooks.listening")

#: Pause before listening again after the listening connection failed (seconds).
RECONNECT_PAUSE = 2.0


_NOTIFY = select(func.pg_notify(bindparam("channel", type_=String), bindparam("payload", type_=String)))


async def notify(conn: Connection, channel: str, payload: str) -> None:
    """Within a transaction on `conn`: tell `channel`'s listeners `payload` when it commits."""
    await conn.fetch(_NOTIFY, {"channel": channel, "payload": payload})


async def listen(
    url: str,
    channel: str,
    heard: Callable[[str], None],
    live: Callable[[bool], None],
    stop: asyncio.Event,
    *,
    purpose: str,
) -> None:
    """Call `heard(payload)` for every notification on `channel` until `stop`."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    def on_notification(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
        heard(payload)

    while not stop.is_set():
        try:
            conn = await asyncpg.connect(dsn, server_settings={"application_name": "forgehooks:listen"})
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("cannot listen for %s: %s", purpose, exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RECONNECT_PAUSE)
            continue
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
        try:
            await conn.add_listener(channel, on_notification)
            live(True)
            await _first(stop.wait(), lost.wait())
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("listening for %s failed: %s", purpose, exc)
        finally:
            live(False)
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)
        with contextlib.suppress(TimeoutError):  # a connection lost at once is not retried at once
            await asyncio.wait_for(stop.wait(), RECONNECT_PAUSE)


async def _first(*waits: Any) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
