"""The worker's hot statements, compiled once per dialect and run as the driver's own SQL.

Every claim and every batch of records used to build its SQLAlchemy statement anew, derive
its cache key and process each row's parameters: about 10 ms of CPU per 256-row claim and
18 ms per 256-row record, more than the database itself spent. Here a statement is still
written once with SQLAlchemy (one definition for both databases), compiled once to the
dialect's SQL text, and executed with positional parameters through a `DriverConnection`:

- `SQLAlchemyDriver` runs it on an async SQLAlchemy connection (`exec_driver_sql`): used on
  PostgreSQL, and wherever a caller already holds such a connection;
- `SQLiteDriver` runs it on a plain `sqlite3` connection in the event loop's own thread:
  the worker's claims and records on SQLite, where a batch takes 2-5 ms in SQLite itself
  and handing each statement to aiosqlite's thread cost more than running it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any, Protocol, TypeVar

import orjson
from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import Compiled

from forgehooks.store.tables import attempts, deliveries

Row = tuple[Any, ...]
T = TypeVar("T")


class DriverConnection(Protocol):
    """A connection inside a transaction that runs compiled statements."""

    dialect: Dialect

    async def rows(self, statement: CompiledSQL, values: Mapping[str, Any]) -> list[Row]:
        """Run once; the rows it returns (RETURNING or SELECT)."""
        ...

    async def run(self, statement: CompiledSQL, values: Mapping[str, Any]) -> int:
        """Run once; how many rows it changed."""
        ...

    async def run_many(self, statement: CompiledSQL, batch: Sequence[Mapping[str, Any]]) -> int:
        """Run once per parameter set in one driver call; how many rows changed in all, or
        -1 where the driver cannot tell (asyncpg's executemany)."""
        ...

    async def run_rows(self, statement: CompiledSQL, rows: Sequence[Row]) -> int:
        """As `run_many`, with each parameter set already in `statement.names` order."""
        ...


@dataclass(frozen=True, slots=True)
class CompiledSQL:
    """A statement's SQL text in the dialect's paramstyle and the order of its parameters."""

    sql: str
    names: tuple[str, ...]
    constants: Mapping[str, Any]  # literals SQLAlchemy turned into parameters (limits, states)
    _pick: Callable[[Mapping[str, Any]], Row] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # one C call per parameter set instead of a Python loop over the names (records and
        # fan-out build thousands of these a second)
        pick: Callable[[Mapping[str, Any]], Any] = itemgetter(*self.names) if self.names else lambda _: ()
        single = len(self.names) == 1
        object.__setattr__(self, "_pick", (lambda values: (pick(values),)) if single else pick)

    def args(self, values: Mapping[str, Any]) -> Row:
        """The positional parameters for `values` (named as in the statement's bindparams)."""
        return self._pick({**self.constants, **values} if self.constants else values)


def compile_once(dialect: Dialect, statement: Executable, placeholders: Sequence[str]) -> CompiledSQL:
    """Compile `statement`, whose variable parts are bindparams named in `placeholders`."""
    compiled: Compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    params = compiled.construct_params(dict.fromkeys(placeholders)) or {}
    constants = {name: value for name, value in params.items() if name not in placeholders}
    names = tuple(compiled.positiontup or ())  # type: ignore[attr-defined]
    return CompiledSQL(sql=compiled.string, names=names, constants=constants)


class StatementCache:
    """Compiled statements by dialect and key, built on first use."""

    def __init__(self) -> None:
        self._compiled: dict[tuple[str, str, str, tuple[Any, ...]], CompiledSQL] = {}

    def get(
        self, dialect: Dialect, build: Callable[..., tuple[Executable, Sequence[str]]], *variant: Any
    ) -> CompiledSQL:
        """The statement `build(*variant)` makes, compiled for `dialect` on first use."""
        slot = (dialect.name, dialect.driver, build.__qualname__, variant)
        found = self._compiled.get(slot)
        if found is None:
            statement, placeholders = build(*variant)
            found = self._compiled[slot] = compile_once(dialect, statement, placeholders)
        return found


@dataclass(frozen=True, slots=True)
class ValueAdapter:
    """Python values as the dialect's bind processors would send them (the driver gets them raw)."""

    time: Callable[[datetime | None], Any]
    json: Callable[[Any], Any]
    read_time: Callable[[Any], Any]  # a time column's raw value back as a datetime
    read_json: Callable[[Any], Any]  # a JSON column's raw value back as data

    @staticmethod
    def of(dialect: Dialect) -> ValueAdapter:
        """The adapter of `dialect`: SQLite stores times as text, both store JSON as text."""
        time_type = deliveries.c.next_attempt_at.type.dialect_impl(dialect)
        json_type = attempts.c.request_headers.type.dialect_impl(dialect)
        to_time: Callable[[Any], Any] | None = time_type.bind_processor(dialect)
        to_json = json_type.bind_processor(dialect)
        from_time = time_type.result_processor(dialect, None)
        from_json = json_type.result_processor(dialect, None)
        if dialect.name == "sqlite":
            to_time = sqlite_time  # SQLAlchemy's own format, written by C code (tests compare)
        if to_json is not None:
            to_json = json_text  # any JSON text reads back the same; orjson writes it ~20x faster
        return ValueAdapter(
            time=to_time or _same,
            json=to_json or _same,
            read_time=from_time or _same,
            read_json=from_json or _same,
        )


def _same(value: Any) -> Any:
    return value


def sqlite_time(moment: datetime | None) -> str | None:
    """A UTC time as SQLAlchemy stores it in SQLite (`2026-11-23 14:05:07.928764`), a few
    times faster than its `%`-formatting: fan-out writes three per delivery."""
    if moment is None:
        return None
    # the wall time as written, offset cut off (SQLAlchemy ignores tzinfo here too)
    text = moment.isoformat(" ")
    return text[:26] if moment.microsecond else text[:19] + ".000000"


def json_text(value: Any) -> str:
    """`value` as compact JSON text (what a JSON column stores)."""
    try:
        # string subclasses as keys too (a multidict's `istr` header names, say)
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # what orjson does not take (integers beyond 64 bits): the slow way
        return json.dumps(value, separators=(",", ":"))


class SQLAlchemyDriver:
    """Compiled statements on an async SQLAlchemy connection (its transaction is the caller's)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.dialect = conn.dialect

    async def rows(self, statement: CompiledSQL, values: Mapping[str, Any]) -> list[Row]:
        result = await self.conn.exec_driver_sql(statement.sql, statement.args(values))
        return [tuple(r) for r in result]

    async def run(self, statement: CompiledSQL, values: Mapping[str, Any]) -> int:
        result = await self.conn.exec_driver_sql(statement.sql, statement.args(values))
        return int(result.rowcount)

    async def run_many(self, statement: CompiledSQL, batch: Sequence[Mapping[str, Any]]) -> int:
        return await self.run_rows(statement, [statement.args(v) for v in batch])

    async def run_rows(self, statement: CompiledSQL, rows: Sequence[Row]) -> int:
        if not rows:
            return 0
        result = await self.conn.exec_driver_sql(statement.sql, list(rows))
        return int(result.rowcount)


class SQLiteDriver:
    """Compiled statements on a `sqlite3` connection used from the event loop's thread."""

    def __init__(self, conn: sqlite3.Connection, dialect: Dialect) -> None:
        self.conn = conn
        self.dialect = dialect

    async def rows(self, statement: CompiledSQL, values: Mapping[str, Any]) -> list[Row]:
        return self.conn.execute(statement.sql, statement.args(values)).fetchall()

    async def run(self, statement: CompiledSQL, values: Mapping[str, Any]) -> int:
        return self.conn.execute(statement.sql, statement.args(values)).rowcount

    async def run_many(self, statement: CompiledSQL, batch: Sequence[Mapping[str, Any]]) -> int:
        return await self.run_rows(statement, [statement.args(v) for v in batch])

    async def run_rows(self, statement: CompiledSQL, rows: Sequence[Row]) -> int:
        if not rows:
            return 0
        return self.conn.executemany(statement.sql, rows).rowcount


def driver_of(conn: AsyncConnection | DriverConnection) -> DriverConnection:
    """A driver connection for either kind of connection the store's callers hold."""
    return SQLAlchemyDriver(conn) if isinstance(conn, AsyncConnection) else conn


def padded(values: Sequence[T], sizes: Sequence[int], filler: T) -> list[T]:
    """`values` padded with `filler` to the smallest of `sizes` that holds them (or cut to the
    largest): a variable-length IN list becomes one of a few compiled statements."""
    size = next((s for s in sizes if s >= len(values)), sizes[-1])
    return list(values[:size]) + [filler] * (size - min(len(values), size))
