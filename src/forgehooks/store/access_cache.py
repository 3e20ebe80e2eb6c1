"""Who a token is and what a user may do in a project, remembered by each process.

Every API request asks both (two statements, a round trip each on PostgreSQL: about a
quarter of a publish's CPU in bench/e2e.py). Answers are kept until tokens, users, projects
or memberships change in any process:

- the writing transaction marks its connection (`access_changed`), and this process's
  cache is emptied at its COMMIT;
- SQLite: it also raises the `access_generation` number, which every cached look-up reads
  first (a few microseconds, local);
- PostgreSQL: it also NOTIFYs at commit; every process LISTENs on a connection of its own
  and empties its cache on hearing. While not listening (starting, reconnecting) the cache
  is off, since what was missed cannot be known.

A look-up that began before an emptying does not store its answer (the generation it read
is old), so an answer read before a revoke never outlives it. Only found answers are kept:
a token or project made later is found at its first use.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import select, update

from forgehooks.store.driver import Connection
from forgehooks.store.listening import notify
from forgehooks.store.tables import access_generation

T = TypeVar("T")

CHANNEL = "forgehooks_access"

_READ = select(access_generation.c.generation).where(access_generation.c.id == 1)
_RAISE = (
    update(access_generation)
    .where(access_generation.c.id == 1)
    .values(generation=access_generation.c.generation + 1)
)


class AccessCache:
    """The cached answers of one process's database (see the module's text)."""

    SIZE = 10_000  # answers kept (each a few hundred bytes); emptied whole when full

    def __init__(self, *, notified: bool, schema: str = "") -> None:
        self.notified = notified  # PostgreSQL: valid only while listening
        self.schema = schema
        self._listening = False
        self._generation = 0  # how many times this cache was emptied
        self._stored: int | None = None  # SQLite: the table's number when last read
        self._answers: dict[Hashable, Any] = {}

    async def _current(self, conn: Connection) -> int | None:
        """The generation an answer read now belongs to; None while nothing may be cached."""
        if self.notified:
            return self._generation if self._listening else None
        rows = await conn.fetch(_READ, {})
        stored = rows[0][0] if rows else None
        if stored != self._stored:
            self.empty()
            self._stored = stored
        return self._generation

    async def answer(self, conn: Connection, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """The cached answer for `key`, or `load`'s (kept when found and still current)."""
        generation = await self._current(conn)
        if generation is not None and key in self._answers:
            found: T = self._answers[key]
            return found
        loaded = await load()
        if loaded is not None and generation is not None and generation == self._generation:
            if len(self._answers) >= self.SIZE:
                self._answers.clear()
            self._answers[key] = loaded
        return loaded

    def empty(self) -> None:
        """Forget every answer, and any look-up in flight's right to store one."""
        self._generation += 1
        self._answers.clear()

    def heard(self, payload: str) -> None:
        """A NOTIFY: some process changed access in `payload`'s schema."""
        if payload == self.schema:
            self.empty()

    @property
    def on(self) -> bool:
        """Whether answers are kept now (PostgreSQL: only while listening)."""
        return self._listening or not self.notified

    def listening(self, live: bool) -> None:
        """The LISTEN connection is up (or lost): changes made meanwhile were not heard."""
        self._listening = live
        self.empty()


async def cached(conn: Connection, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
    """`load`'s answer through `conn`'s access cache (if it has one)."""
    if conn.access is None:
        return await load()
    return await conn.access.answer(conn, key, load)


async def access_changed(conn: Connection) -> None:
    """Within a transaction that changes tokens, users, projects or memberships: every
    process's cached answers are dropped when it commits."""
    conn.changed_access = True
    if conn.dialect.name == "sqlite":
        await conn.execute(_RAISE)
    else:
        schema = conn.access.schema if conn.access is not None else ""
        await notify(conn, CHANNEL, schema)
