"""Real databases for tests: a fresh SQLite file or a fresh PostgreSQL schema per test."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import asyncpg
import pytest

PG_DSN = os.environ.get("FORGEHOOKS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pg_url() -> str:
    """The SQLAlchemy URL of the test PostgreSQL database."""
    return PG_DSN.replace("postgresql://", "postgresql+asyncpg://", 1)


async def _pg_reachable() -> str | None:
    try:
        conn = await asyncpg.connect(PG_DSN, timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        return str(exc)
    await conn.close()
    return None


async def require_postgres() -> None:
    """Skip when PostgreSQL is down locally; fail under CI=true, where it must be there."""
    problem = await _pg_reachable()
    if problem is None:
        return
    message = f"PostgreSQL at {PG_DSN} unreachable: {problem}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


async def create_schema() -> str:
    """A new empty schema in the test database."""
    name = "t_" + uuid.uuid4().hex[:16]
    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(f'CREATE SCHEMA "{name}"')
    finally:
        await conn.close()
    return name


async def drop_schema(name: str) -> None:
    """Remove a test schema and everything in it."""
    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    finally:
        await conn.close()


def sqlite_url(folder: Path) -> str:
    """A SQLite file in the test's temporary folder."""
    return f"sqlite+aiosqlite:///{folder / 'forgehooks.db'}"
