"""Rate limits across API processes: the calls of every process count against one limit."""

from __future__ import annotations

import pytest

from forgehooks.config import Settings
from forgehooks.core.errors import RateLimited
from forgehooks.services.limits import SharedWindow, SlidingWindow, window_for
from forgehooks.services.runtime import Runtime
from forgehooks.store.database import Database


async def test_two_processes_share_one_limit(runtime: Runtime, settings: Settings) -> None:
    if runtime.db.is_sqlite:
        assert isinstance(window_for(runtime.db, "api", 5), SlidingWindow), "one process serves SQLite"
        return
    other_db = Database(settings.resolved_database_url, schema=settings.database_schema or None)
    try:
        first = SharedWindow(runtime.db, "api", 5)
        second = SharedWindow(other_db, "api", 5)  # what another API process holds
        for _ in range(4):
            first.hit("token-a")
        await first.sync()
        second.hit("token-a")  # 5th call in all: this process has not heard of the others yet
        await second.sync()  # ... and now knows all five
        with pytest.raises(RateLimited) as refused:
            second.hit("token-a")
        assert 1 <= refused.value.retry_after <= 61
        await first.sync()
        with pytest.raises(RateLimited):
            first.hit("token-a")
        second.hit("token-b")  # another credential has its own count
        other_limit = SharedWindow(runtime.db, "tests", 5)
        other_limit.hit("token-a")  # and so has another limit
    finally:
        await other_db.dispose()


async def test_calls_not_added_while_the_database_is_away_are_kept(
    runtime: Runtime, settings: Settings
) -> None:
    if runtime.db.is_sqlite:
        pytest.skip("SQLite counts in its one process")
    broken = Database("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    window = SharedWindow(broken, "api", 3)
    for _ in range(3):
        window.hit("k")
    with pytest.raises(Exception):  # noqa: B017  (the outage, whichever form it takes)
        await window.sync()
    with pytest.raises(RateLimited):
        window.hit("k")
    await broken.dispose()
