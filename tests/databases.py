"""Real databases for tests, migrated once per session and copied for each test.

SQLite: the migrations run once into a template file; each test gets a copy of it.
PostgreSQL: the migrations run once into schema `template` of a template database; each
test gets `CREATE DATABASE ... TEMPLATE` (a block copy, ~40 ms against ~250 ms for the
migrations) with that schema renamed to the test's own name, so every test's connections
still carry a unique `forgehooks:<schema>` application name.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from forgehooks.store.migrate import upgrade

PG_DSN = os.environ.get("FORGEHOOKS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
TEMPLATE_SCHEMA = "template"


def pg_url(database: str | None = None) -> str:
    """The SQLAlchemy URL of the test PostgreSQL database (or of `database` on that server)."""
    url = make_url(PG_DSN).set(drivername="postgresql+asyncpg")
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


def pg_dsn(database: str) -> str:
    """The asyncpg DSN of `database` on the test server."""
    return make_url(PG_DSN).set(database=database).render_as_string(hide_password=False)


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


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def create_schema() -> str:
    """A new empty schema in the test database."""
    name = "t_" + uuid.uuid4().hex[:16]
    await _admin(f'CREATE SCHEMA "{name}"')
    return name


async def drop_schema(name: str) -> None:
    """Remove a test schema and everything in it."""
    await _admin(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


#: Databases a test session makes, named after the process that made them.
SESSION_DATABASE = re.compile(r"^(?:fh_template|t)_(\d+)_[0-9a-f]+$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _drop_orphans() -> None:
    """Drop the databases of test processes that no longer run."""
    conn = await asyncpg.connect(PG_DSN)
    try:
        names = [r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")]
        for name in names:
            found = SESSION_DATABASE.match(name)
            if found and not _alive(int(found.group(1))):
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@dataclass(frozen=True, slots=True)
class PgDatabase:
    """One test's PostgreSQL database and the schema its tables are in."""

    url: str
    database: str
    schema: str


class PgTemplate:
    """A migrated template database on the test server, copied once per test."""

    def __init__(self) -> None:
        self.name = f"fh_template_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    def build(self) -> None:
        """Create the template database and run the migrations into it (blocking); first drop
        what sessions that were killed before their teardown left behind."""
        asyncio.run(_drop_orphans())
        asyncio.run(_admin(f'CREATE DATABASE "{self.name}"'))
        upgrade(pg_url(self.name), "head", TEMPLATE_SCHEMA)

    def remove(self) -> None:
        """Drop the template database (blocking)."""
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))

    async def copy(self) -> PgDatabase:
        """A new database copied from the template, its schema renamed after it."""
        name = f"t_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}" STRATEGY WAL_LOG')
        conn = await asyncpg.connect(pg_dsn(name))
        try:
            await conn.execute(f'ALTER SCHEMA "{TEMPLATE_SCHEMA}" RENAME TO "{name}"')
        finally:
            await conn.close()
        return PgDatabase(url=pg_url(name), database=name, schema=name)

    @staticmethod
    async def discard(copy: PgDatabase) -> None:
        """Drop a test's database, closing whatever connections are still open on it."""
        await _admin(f'DROP DATABASE IF EXISTS "{copy.database}" WITH (FORCE)')


class SqliteTemplate:
    """A migrated SQLite file, copied once per test."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "template.db"

    def build(self) -> None:
        """Run the migrations into the template file (blocking)."""
        upgrade(sqlite_url_of(self.path))
        leftovers = [p for p in (Path(f"{self.path}-wal"), Path(f"{self.path}-shm")) if p.exists()]
        assert not leftovers, f"the template was left with {leftovers}: a copy would miss their pages"

    def copy(self, folder: Path) -> str:
        """A copy of the template in `folder`; returns its URL."""
        target = folder / "forgehooks.db"
        shutil.copyfile(self.path, target)
        return sqlite_url_of(target)


def sqlite_url_of(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite+aiosqlite:///{path}"


def sqlite_url(folder: Path) -> str:
    """A SQLite file in the test's temporary folder."""
    return sqlite_url_of(folder / "forgehooks.db")
