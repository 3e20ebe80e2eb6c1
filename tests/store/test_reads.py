"""The API's reads: on SQLite they run on a read-only connection in the loop's thread;
a page carries its project's total; a hook reads back exactly as it was written."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, update

from forgehooks.core.errors import Unauthenticated, Unavailable
from forgehooks.core.hooks import HookSpec
from forgehooks.services import accounts, hooks, projects
from forgehooks.services.runtime import Runtime
from forgehooks.store.driver import SQLiteBackend, SQLiteThreadBackend
from forgehooks.store.hooks import HookRepository
from forgehooks.store.tables import hooks as hooks_table
from tests.conftest import Seed


async def _add(runtime: Runtime, seed: Seed, count: int) -> list[int]:
    specs = [HookSpec(url=f"https://ci.example/{n}", secret=f"s{n}", name=f"h{n}") for n in range(count)]
    return [(await hooks.create_hook(runtime, seed.project, spec, "gitcode_v4")).id for spec in specs]


async def test_every_page_carries_the_project_total(runtime: Runtime, seed: Seed) -> None:
    ids = await _add(runtime, seed, 5)
    first, total = await hooks.list_hooks(runtime, seed.project, offset=0, limit=2)
    assert [h.id for h in first] == ids[:2] and total == 5
    last, total = await hooks.list_hooks(runtime, seed.project, offset=4, limit=2)
    assert [h.id for h in last] == ids[4:] and total == 5
    beyond, total = await hooks.list_hooks(runtime, seed.project, offset=10, limit=2)
    assert beyond == [] and total == 5


async def test_an_empty_project_lists_nothing_and_counts_zero(runtime: Runtime, seed: Seed) -> None:
    await _add(runtime, seed, 2)
    other = await projects.create_project(runtime, seed.user, "acme/empty")
    assert await hooks.list_hooks(runtime, other, offset=0, limit=20) == ([], 0)
    assert await hooks.list_hooks(runtime, other, offset=40, limit=20) == ([], 0)


async def test_a_hook_reads_back_exactly_as_written(runtime: Runtime, seed: Seed) -> None:
    spec = HookSpec(
        url="https://ci.example/{path}",
        secret="s3cret",
        name="n",
        custom_headers={"X-Team": "blue"},
        url_variables={"path": "p"},
        extras={"token_type": "X-Gitlab-Token"},
        ordered=True,
    )
    made = await hooks.create_hook(runtime, seed.project, spec, "codearts_v4")
    listed, _ = await hooks.list_hooks(runtime, seed.project, offset=0, limit=20)
    assert listed == [made]
    assert await hooks.get_hook(runtime, seed.project, made.id) == made
    assert await hooks.get_hook(runtime, seed.project, made.uuid) == made


async def test_a_read_sees_the_latest_commit_at_once(runtime: Runtime, seed: Seed) -> None:
    (hook_id,) = await _add(runtime, seed, 1)
    async with runtime.db.transaction() as conn:
        await conn.execute(update(hooks_table).where(hooks_table.c.id == hook_id).values(name="renamed"))
    assert (await hooks.get_hook(runtime, seed.project, hook_id)).name == "renamed"


async def test_a_revoked_token_stops_working_at_once(runtime: Runtime, seed: Seed) -> None:
    assert (await accounts.authenticate(runtime, seed.token)).id == seed.user.id
    (token,) = await accounts.list_tokens(runtime, seed.user)
    await accounts.revoke_token(runtime, seed.user, token.id)
    with pytest.raises(Unauthenticated, match="revoked"):
        await accounts.authenticate(runtime, seed.token)


async def test_the_loop_connection_cannot_write(runtime: Runtime, seed: Seed) -> None:
    if not runtime.db.is_sqlite:
        pytest.skip("PostgreSQL reads use the ordinary pool")
    (hook_id,) = await _add(runtime, seed, 1)
    with pytest.raises(Unavailable):
        async with runtime.db.reading() as conn:
            assert isinstance(conn.backend, SQLiteBackend)
            await HookRepository(conn, runtime.box).delete(hook_id, seed.project.created_at)
    assert (await hooks.get_hook(runtime, seed.project, hook_id)).id == hook_id


async def test_a_read_is_run_again_only_after_a_commit(runtime: Runtime, seed: Seed) -> None:
    if not runtime.db.is_sqlite:
        pytest.skip("PostgreSQL reads use the ordinary pool")
    (hook_id,) = await _add(runtime, seed, 1)
    statements: list[str] = []
    async with runtime.db.reading() as conn:
        assert isinstance(conn.backend, SQLiteBackend)
        conn.backend.conn.set_trace_callback(statements.append)
    for _ in range(3):
        assert (await hooks.get_hook(runtime, seed.project, hook_id)).name == "h0"
    hook_reads = [s for s in statements if s.startswith("SELECT hooks.id")]
    assert len(hook_reads) == 1
    async with runtime.db.transaction() as conn:
        await conn.execute(update(hooks_table).where(hooks_table.c.id == hook_id).values(name="renamed"))
    assert (await hooks.get_hook(runtime, seed.project, hook_id)).name == "renamed"
    assert len([s for s in statements if s.startswith("SELECT hooks.id")]) == 2


async def test_a_scanning_read_runs_off_the_event_loop(runtime: Runtime, seed: Seed) -> None:
    if not runtime.db.is_sqlite:
        pytest.skip("PostgreSQL reads wait on the server, not in this process")
    await _add(runtime, seed, 3)
    threads: list[int] = []
    async with runtime.db.reading(scan=True) as conn:
        assert isinstance(conn.backend, SQLiteThreadBackend)
        conn.backend.conn.set_trace_callback(lambda _sql: threads.append(threading.get_ident()))
        assert (await conn.execute(select(func.count()).select_from(hooks_table))).scalar_one() == 3
    assert threads and threading.get_ident() not in threads
    with pytest.raises(Unavailable):  # read-only, like the loop's reader
        async with runtime.db.reading(scan=True) as conn:
            await conn.execute(update(hooks_table).values(name="x"))
