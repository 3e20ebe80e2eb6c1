"""Secrets at rest: tokens only as hashes, hook secrets encrypted, in the raw database."""

from __future__ import annotations

from sqlalchemy import text

from forgehooks.core.hooks import HookSpec, SecretScheme
from forgehooks.services import hooks
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed

SECRET = "hook-secret-that-must-not-leak-7f3a"


async def _raw_dump(runtime: Runtime) -> str:
    parts = []
    async with runtime.db.reading() as conn:
        for table in ("tokens", "hooks", "users", "projects"):
            rows = await conn.execute(text(f"SELECT * FROM {table}"))
            parts.extend(repr(tuple(r)) for r in rows)
    return "\n".join(parts)


async def test_raw_tables_hold_no_token_or_secret_in_clear(runtime: Runtime, seed: Seed) -> None:
    await hooks.create_hook(
        runtime,
        seed.project,
        HookSpec(url="http://127.0.0.1:9/x", secret=SECRET, secret_scheme=SecretScheme.SIGNATURE),
        "forgehooks",
    )
    dump = await _raw_dump(runtime)
    assert seed.token not in dump
    assert SECRET not in dump
    stored = await hooks.list_hooks(runtime, seed.project, offset=0, limit=10)
    assert stored[0][0].secret == SECRET  # and it decrypts with the key


async def test_sqlite_file_bytes_hold_no_secret(runtime: Runtime, seed: Seed) -> None:
    if not runtime.db.is_sqlite:
        return
    await hooks.create_hook(
        runtime, seed.project, HookSpec(url="http://127.0.0.1:9/y", secret=SECRET), "forgehooks"
    )
    await runtime.db.dispose()  # checkpoint and close so every page is in the files
    folder = runtime.settings.data_dir
    content = b"".join(p.read_bytes() for p in folder.glob("forgehooks.db*"))
    assert SECRET.encode() not in content
    assert seed.token.encode() not in content
