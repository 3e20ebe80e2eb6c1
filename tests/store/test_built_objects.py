"""Hooks built from rows are kept by the rows' whole content: a change made by another
process, to any column (JSON ones included), is seen at the next read."""

from __future__ import annotations

from sqlalchemy import update

from forgehooks.core.events import EventKind
from forgehooks.core.hooks import HookSpec
from forgehooks.services import hooks
from forgehooks.services.runtime import Runtime
from forgehooks.store.driver import row_key
from forgehooks.store.tables import hooks as hooks_table
from tests.conftest import Seed


async def _listed(rt: Runtime, seed: Seed) -> list[tuple[str, frozenset[EventKind], dict[str, object]]]:
    found, _ = await hooks.list_hooks(rt, seed.project, offset=0, limit=20)
    return [(h.url, frozenset(h.events), dict(h.extras)) for h in found]


async def test_a_hook_changed_elsewhere_is_listed_as_it_is_now(runtime: Runtime, seed: Seed) -> None:
    spec = HookSpec(url="https://ci.example/a", events=frozenset({EventKind.PUSH}), secret="s")
    await hooks.create_hook(runtime, seed.project, spec, "gitcode_v4")
    other = Runtime.build(runtime.settings)  # another process reading
    try:
        first = await _listed(other, seed)
        assert first == await _listed(other, seed)  # the second from what was built
        assert first[0][0] == "https://ci.example/a"
        async with runtime.db.transaction() as conn:  # behind every cache's back
            await conn.execute(update(hooks_table).values(events=["push", "tag_push"], extras={"k": "v"}))
        (_, kinds, extras), *_ = await _listed(other, seed)
        assert kinds == {EventKind.PUSH, EventKind.TAG_PUSH} and extras == {"k": "v"}
        async with runtime.db.transaction() as conn:
            await conn.execute(update(hooks_table).values(url="https://ci.example/b"))
        assert (await _listed(other, seed))[0][0] == "https://ci.example/b"
    finally:
        await other.close()


def test_a_rows_key_tells_json_values_apart() -> None:
    assert row_key((1, {"a": 1}, ["x"])) != row_key((1, {"a": 2}, ["x"]))
    assert row_key((1, {"a": 1}, ["x"])) == row_key((1, {"a": 1}, ["x"]))
    hash(row_key((1, {"a": [1, {"b": 2}]}, None)))  # hashable whatever the JSON holds
