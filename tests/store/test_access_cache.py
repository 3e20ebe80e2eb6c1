"""Each process caches who a token is and members' roles; a change made by any process
ends what it cached (SQLite: the access generation; PostgreSQL: NOTIFY)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text

from forgehooks.core.errors import PermissionDenied, Unauthenticated
from forgehooks.core.projects import Role
from forgehooks.services import accounts, projects
from forgehooks.services.runtime import Runtime
from forgehooks.store.access_cache import AccessCache
from tests.conftest import Seed, member


@pytest.fixture
async def elsewhere(runtime: Runtime) -> AsyncIterator[Runtime]:
    """A second process's runtime on the same database, its cache on (PostgreSQL: listening)."""
    other = Runtime.build(runtime.settings)
    await accounts.ensure_admin(other)  # opens its pool, and with it the LISTEN connection
    await _until(lambda: _true(other.db.access.on), "the other process listens")
    yield other
    await other.close()


async def _true(value: bool) -> bool:
    return value


async def _until(check: Callable[[], Awaitable[bool]], what: str, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within} s: {what}")
        await asyncio.sleep(0.01)


async def _refused(rt: Runtime, token: str) -> bool:
    try:
        await accounts.authenticate(rt, token)
    except Unauthenticated:
        return True
    return False


async def test_a_token_revoked_by_another_process_stops_working(
    runtime: Runtime, elsewhere: Runtime, seed: Seed
) -> None:
    for _ in range(2):  # the second from the cache
        assert (await accounts.authenticate(elsewhere, seed.token)).id == seed.user.id
    token = (await accounts.list_tokens(runtime, seed.user))[0]
    await accounts.revoke_token(runtime, seed.user, token.id)
    if runtime.db.is_sqlite:  # the generation is read before every cached answer
        assert await _refused(elsewhere, seed.token)
    else:  # as soon as the other process hears the NOTIFY
        await _until(lambda: _refused(elsewhere, seed.token), "the revoke is heard")
    assert await _refused(runtime, seed.token)  # and at once in the revoking process


async def test_a_role_lowered_by_another_process_is_heard(
    runtime: Runtime, elsewhere: Runtime, seed: Seed
) -> None:
    await member(runtime, seed, "bob", Role.DEVELOPER)
    bob = await accounts.find_user(runtime, "bob")
    found = await projects.access(elsewhere, bob, str(seed.project.id), Role.DEVELOPER)
    assert found.id == seed.project.id
    await projects.add_member(runtime, seed.project, "bob", Role.REPORTER)

    async def lost() -> bool:
        try:
            await projects.access(elsewhere, bob, str(seed.project.id), Role.DEVELOPER)
        except PermissionDenied:
            return True
        return False

    await _until(lost, "the removal is heard", within=0.0 if runtime.db.is_sqlite else 5.0)


async def test_while_not_listening_nothing_is_cached(
    runtime: Runtime, elsewhere: Runtime, seed: Seed
) -> None:
    if runtime.db.is_sqlite:
        pytest.skip("SQLite reads the generation; PostgreSQL listens")
    await accounts.authenticate(elsewhere, seed.token)
    async with runtime.db.transaction() as conn:  # the other process's LISTEN connection ends
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'forgehooks:listen' AND pid <> pg_backend_pid()"
            )
        )
    await _until(lambda: _true(not elsewhere.db.access.on), "the lost connection is noticed")
    token = (await accounts.list_tokens(runtime, seed.user))[0]
    await accounts.revoke_token(runtime, seed.user, token.id)  # not heard by the other
    assert await _refused(elsewhere, seed.token)
    await _until(lambda: _true(elsewhere.db.access.on), "it listens again", within=10.0)


async def test_an_answer_read_across_an_emptying_is_not_kept() -> None:
    cache = AccessCache(notified=True)
    cache.listening(True)
    loads = 0

    async def load() -> str:
        nonlocal loads
        loads += 1
        cache.empty()  # a revoke heard while this read was in flight
        return "old"

    unused: Any = None  # notified, the cache reads no generation: no connection is needed
    assert await cache.answer(unused, "k", load) == "old"
    assert await cache.answer(unused, "k", load) == "old"
    assert loads == 2  # read again: the first answer was not kept
