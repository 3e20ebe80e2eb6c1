"""Rate limits: a sliding window in one process, or minute counts shared by every process.

`SlidingWindow` counts in this process only: enough on SQLite, where one process serves.
On PostgreSQL any number of API processes serve (`serve --processes N`, several machines),
and a limit counted per process would let a client through N times. `SharedWindow` counts
per minute in the database: each process answers from the totals it last read plus its
own calls since, and adds its calls to the shared count every `SYNC_SECONDS` (one upsert
per key, off the request path). Between two syncs a client can pass the limit by what it
sent meanwhile to other processes: what a process knows is at most that old.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import deque
from typing import Protocol

from forgehooks.core.errors import ForgehooksError, RateLimited
from forgehooks.store import rate_counts
from forgehooks.store.database import Database

log = logging.getLogger("forgehooks.limits")

#: How often a process adds its calls to the shared counts (seconds).
SYNC_SECONDS = 0.25


class Window(Protocol):
    """A rate limit: `hit` counts a call or refuses it."""

    def hit(self, key: object, what: str = "calls") -> None:
        """Count one call; RateLimited (with Retry-After seconds) when over the limit."""
        ...


class SlidingWindow:
    """At most `limit` calls per `window` seconds for each key, in this process."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._calls: dict[object, deque[float]] = {}

    def hit(self, key: object, what: str = "calls") -> None:
        """Count one call; RateLimited (with Retry-After seconds) when over the limit."""
        now = time.monotonic()
        calls = self._calls.setdefault(key, deque())
        while calls and calls[0] <= now - self.window:
            calls.popleft()
        if len(calls) >= self.limit:
            retry_after = max(1, int(calls[0] + self.window - now) + 1)
            raise RateLimited(f"too many {what}: at most {self.limit} per minute", retry_after)
        calls.append(now)


class SharedWindow:
    """At most `limit` calls per clock minute for each key, counted by every process."""

    def __init__(self, db: Database, name: str, limit: int) -> None:
        self.db, self.name, self.limit = db, name, limit
        self._known: dict[tuple[str, int], int] = {}  # shared totals as last read
        self._pending: dict[tuple[str, int], int] = {}  # this process's calls not yet added
        self._sync: asyncio.Task[None] | None = None

    def _slot(self, key: object) -> str:
        return hashlib.sha256(f"{self.name}\0{key}".encode()).hexdigest()[:64]

    def hit(self, key: object, what: str = "calls") -> None:
        """Count one call; RateLimited (with Retry-After seconds) when over the limit."""
        now = time.time()
        slot = (self._slot(key), int(now // 60))
        if self._known.get(slot, 0) + self._pending.get(slot, 0) >= self.limit:
            retry_after = max(1, int(60 - now % 60) + 1)
            raise RateLimited(f"too many {what}: at most {self.limit} per minute", retry_after)
        self._pending[slot] = self._pending.get(slot, 0) + 1
        if self._sync is None or self._sync.done():
            self._sync = asyncio.get_running_loop().create_task(self._sync_soon())

    async def _sync_soon(self) -> None:
        await asyncio.sleep(SYNC_SECONDS)  # one sync for the calls of a quarter second
        with contextlib.suppress(ForgehooksError):  # the database is away: count locally meanwhile
            await self.sync()

    async def sync(self) -> None:
        """Add this process's calls to the shared counts and read the totals back."""
        minute = int(time.time() // 60)
        pending, self._pending = self._pending, {}
        # this minute's keys are read back too, with nothing added, to learn other processes' calls
        for slot in self._known:
            if slot[1] == minute:
                pending.setdefault(slot, 0)
        counts = [(key, bucket, n) for (key, bucket), n in pending.items() if bucket >= minute - 1]
        try:
            async with self.db.transaction() as conn:
                totals = await rate_counts.add(conn, counts)
                if minute % 10 == 0:
                    await rate_counts.prune(conn, minute - 2)
        except BaseException:
            for slot, n in pending.items():  # not added: kept for the next sync
                self._pending[slot] = self._pending.get(slot, 0) + n
            raise
        self._known = {(key, bucket): total for (key, bucket, _), total in zip(counts, totals, strict=True)}

    async def close(self) -> None:
        """Add what is still pending."""
        if self._sync is not None and not self._sync.done():
            self._sync.cancel()
        if self._pending:
            with contextlib.suppress(ForgehooksError):
                await self.sync()


def window_for(db: Database, name: str, limit: int) -> Window:
    """The limit `name` of `limit` calls a minute: shared on PostgreSQL, local on SQLite."""
    return SlidingWindow(limit) if db.is_sqlite else SharedWindow(db, name, limit)
