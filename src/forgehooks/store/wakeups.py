"""Wake-ups across processes: a publish tells workers of other processes that work is due.

A worker process claims when a poll interval has passed or something wakes it. In one
process a publish wakes the local workers directly; a worker in another process waited out
the poll, which was most of the publish-to-send latency (p50 39 ms at 200 events/s with the
50 ms default). The claim stays the truth: a wake-up lost costs one poll interval, one sent
twice an empty claim.

- PostgreSQL: a publish NOTIFYs at commit, workers LISTEN. The payload is the schema, so
  services sharing a database in separate schemas wake only their own workers.
- SQLite: the worker process (one claims on SQLite) binds a Unix datagram socket named
  after the database file, in Linux's abstract namespace (no file to clean up); a publish
  sends it a byte after its commit (`nudge`). This lets `serve --workers 0` and a
  `forgehooks worker` use both cores of a machine at the embedded worker's latency. Where
  the socket cannot be bound (another worker has it, not Linux) the worker polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
from collections.abc import Callable

from forgehooks.store.database import Database
from forgehooks.store.driver import Connection
from forgehooks.store.listening import listen, notify

CHANNEL = "forgehooks_due"

log = logging.getLogger("forgehooks.wakeups")
_sender: socket.socket | None = None  # SQLite: this process's socket for nudges


async def notify_due(db: Database, conn: Connection) -> None:
    """Within a transaction on `conn`: wake the workers listening to `db` when it commits."""
    if db.is_sqlite:
        return  # SQLite: the publishing process nudges after its commit (`nudge`)
    await notify(conn, CHANNEL, db.schema or "")


def _address(db: Database) -> str:
    """SQLite: the abstract socket name of `db`'s file (the same in every process)."""
    path = os.path.realpath(db.file or "")
    return "\0forgehooks-due-" + hashlib.sha256(path.encode()).hexdigest()[:32]


def nudge(db: Database) -> None:
    """SQLite, after a commit that made deliveries due: wake the worker of another process,
    if one listens (a datagram; nothing waits, nothing fails when nobody listens)."""
    global _sender
    if not db.is_sqlite:
        return  # PostgreSQL's NOTIFY went with the commit
    try:
        if _sender is None:
            _sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            _sender.setblocking(False)
        _sender.sendto(b"!", _address(db))
    except OSError:  # nobody listens, its queue is full (it is awake), or no such sockets here
        pass


async def _listen_sqlite(db: Database, wake: Callable[[], None], stop: asyncio.Event) -> None:
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        receiver.bind(_address(db))
    except OSError as exc:  # another worker listens for this database, or not Linux
        log.debug("not listening for nudges (polling): %s", exc)
        receiver.close()
        return
    receiver.setblocking(False)
    wake()  # nudges sent while nobody listened are gone: look once

    def heard() -> None:
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while True:
                receiver.recv(64)
        wake()

    loop = asyncio.get_running_loop()
    loop.add_reader(receiver.fileno(), heard)
    try:
        await stop.wait()
    finally:
        loop.remove_reader(receiver.fileno())
        receiver.close()


async def listen_due(db: Database, wake: Callable[[], None], stop: asyncio.Event) -> None:
    """Call `wake` whenever another process made deliveries of `db` due, until `stop`."""
    if db.is_sqlite:
        await _listen_sqlite(db, wake, stop)
        return
    schema = db.schema or ""

    def heard(payload: str) -> None:
        if payload == schema:
            wake()

    def live(listening: bool) -> None:
        if listening:
            wake()  # notifications sent while not listening are gone: look once

    await listen(db.url, CHANNEL, heard, live, stop, purpose="due deliveries (polling meanwhile)")
