"""SQLite reads in the event loop's own thread, on one plain connection per process.

Through aiosqlite every statement goes to the connection's thread and back: two thread
hand-overs and a greenlet switch, which under load cost more than the statement (an
indexed read of a few rows takes tens of microseconds in SQLite). API reads on a SQLite
file run here instead; in WAL mode a reader never waits for writers, so the loop is not
held up. PostgreSQL (and in-memory SQLite) keep `Database.reading()`.

The statements every API request runs (`fetch`) are compiled once and executed as the
driver's own SQL, their values converted by the dialect's own result processors: through
SQLAlchemy's execution machinery each cost about 80 µs of CPU, ten times the query.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, Engine, Executable, Select, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import StaticPool

from forgehooks.core.errors import Unavailable
from forgehooks.store.database import Database, domain_errors_of_the_database

#: How long a read waits for a lock (only WAL recovery or an exclusive writer takes one).
BUSY_MS = 2000

#: Objects built from rows that a connection remembers (about 1 KB each).
BUILT_CACHE_SIZE = 4096

#: Results (statement and values) a connection remembers while the database is unchanged.
ROWS_CACHE_SIZE = 1024

Processor = Callable[[Any], Any]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CompiledRead:
    """A SELECT as the driver's SQL, its parameters' order, and its columns' conversions."""

    sql: str
    names: tuple[str, ...]
    converted: tuple[tuple[int, Processor], ...]  # (column position, result processor)

    @staticmethod
    def of(statement: Select[Any], dialect: Dialect) -> CompiledRead:
        """Compile `statement` for `dialect` (bind parameters without bind processors only)."""
        compiled = statement.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        for name in names:
            if compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) is not None:
                raise ValueError(f"{name}: a parameter the driver cannot take as is")
        converted = []
        for position, column in enumerate(statement.selected_columns):
            processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if processor is not None:
                converted.append((position, processor))
        return CompiledRead(sql=compiled.string, names=names, converted=tuple(converted))

    def raw(self, conn: sqlite3.Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run it; every row as the driver gives it."""
        return conn.execute(self.sql, tuple(values[n] for n in self.names)).fetchall()

    def convert(self, raw: tuple[Any, ...]) -> list[Any]:
        """A driver's row as Python values, as SQLAlchemy would return them."""
        row = list(raw)
        for position, processor in self.converted:
            row[position] = processor(row[position])
        return row


class LoopConnection:
    """A read-only SQLAlchemy connection used from the event loop's thread, awaited like an
    `AsyncConnection` so the repositories run on it unchanged."""

    def __init__(self, conn: Connection) -> None:
        self.sync = conn
        self.dialect = conn.dialect
        self._compiled: dict[int, tuple[Select[Any], CompiledRead]] = {}
        self._built: dict[tuple[Any, ...], Any] = {}  # see fetch_each
        self._rows: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}  # see _raw
        self._version: int | None = None

    async def execute(
        self, statement: Executable, parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None
    ) -> CursorResult[Any]:
        """Run one statement now; its rows are read right away by the repositories."""
        return self.sync.execute(statement, parameters)

    def _prepared(self, statement: Select[Any]) -> CompiledRead:
        found = self._compiled.get(id(statement))
        if found is None:  # the statement is kept with its compiled form, so its id stays its own
            found = self._compiled[id(statement)] = (statement, CompiledRead.of(statement, self.dialect))
        return found[1]

    def _driver(self) -> sqlite3.Connection:
        driver = self.sync.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        return driver

    def _raw(self, compiled: CompiledRead, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The driver's rows, read again only if the database changed since they were read.

        `PRAGMA data_version` changes whenever another connection commits (this one cannot
        write), and costs a few microseconds against tens to hundreds for a read of whole rows. The
        rows are those of a read made now: a commit landing after the check is one the read
        could have missed as well.
        """
        driver = self._driver()
        version = driver.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self._version = version
            self._rows.clear()
        key = (id(compiled), *(values[n] for n in compiled.names))  # compiled lives in _compiled
        found = self._rows.get(key)
        if found is None:
            if len(self._rows) >= ROWS_CACHE_SIZE:
                self._rows.clear()
            found = self._rows[key] = compiled.raw(driver, values)
        return found

    def fetch(self, statement: Select[Any], values: Mapping[str, Any]) -> list[list[Any]]:
        """Every row of a statement built once at import (compiled on first use)."""
        compiled = self._prepared(statement)
        return [compiled.convert(raw) for raw in self._raw(compiled, values)]

    def fetch_each(
        self, statement: Select[Any], values: Mapping[str, Any], build: Callable[[Sequence[Any]], T]
    ) -> list[T]:
        """`build` of every row; a row read again unchanged gives back what was built from it."""
        compiled = self._prepared(statement)
        made = []
        kind = (id(statement), getattr(build, "__func__", build))  # a bound method's function
        for raw in self._raw(compiled, values):
            key = (kind, raw)
            found = self._built.get(key)
            if found is None:
                if len(self._built) >= BUILT_CACHE_SIZE:
                    self._built.clear()
                found = self._built[key] = build(compiled.convert(raw))
            made.append(found)
        return made


#: What a repository reads through: either kind of connection.
Reader = AsyncConnection | LoopConnection


async def fetch_each(
    conn: Reader, statement: Select[Any], values: Mapping[str, Any], build: Callable[[Sequence[Any]], T]
) -> list[T]:
    """`build` (a function of the row alone) of every row of `statement`, built once at import.

    On the loop's connection the objects built are remembered by the driver's row: the API
    lists the same hooks again and again, and building one (conversions, a frozen dataclass,
    decrypted secrets) cost more than reading it. A changed row is another key, built anew.
    """
    if isinstance(conn, LoopConnection):
        return conn.fetch_each(statement, values, build)
    return [build(row) for row in (await conn.execute(statement, values)).all()]


async def fetch(conn: Reader, statement: Select[Any], values: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
    """Every row of `statement` (built once, at import), read by position."""
    if isinstance(conn, LoopConnection):
        return conn.fetch(statement, values)
    rows: Sequence[Sequence[Any]] = (await conn.execute(statement, values)).all()
    return rows


def _read_only(dbapi_connection: Any, _record: Any) -> None:
    # autocommit statements (each reads the latest commit) on a connection that cannot write
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


class LoopReader:
    """This process's reads of one database, on the loop's thread when it is a SQLite file."""

    def __init__(self, db: Database) -> None:
        self.db = db
        url = make_url(db.url)
        self._conn: LoopConnection | None = None
        self._engine: Engine | None = None
        if db.is_sqlite and url.database and url.database != ":memory:":
            # one connection for the process: reads are serial in the loop's thread anyway
            self._engine = create_engine(
                url.set(drivername="sqlite+pysqlite"),
                poolclass=StaticPool,
                connect_args={"check_same_thread": False},
            )
            event.listen(self._engine, "connect", _read_only)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Reader]:
        """A connection for a block of reads (no snapshot across statements, as `Database.reading`)."""
        if self._engine is None:
            async with self.db.reading() as conn:
                yield conn
            return
        with domain_errors_of_the_database():
            if self._conn is None:
                self._conn = LoopConnection(self._engine.connect())
            try:
                yield self._conn
            except sqlite3.OperationalError as exc:  # from `fetch`, which skips SQLAlchemy's wrapping
                raise Unavailable("the database is unavailable; try again shortly") from exc
            finally:
                self._conn.sync.rollback()  # ends SQLAlchemy's transaction; the driver has none

    def close(self) -> None:
        """Close the connection (the next read opens a new one)."""
        if self._conn is not None:
            self._conn.sync.close()
            self._conn = None
        if self._engine is not None:
            self._engine.dispose()
