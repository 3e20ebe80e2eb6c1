"""One data path for both databases: statements compiled once per dialect, run on the driver.

A statement is written once with SQLAlchemy Core and compiled once per dialect to the
driver's own SQL; it then runs straight on the driver (asyncpg on PostgreSQL, whose
statement cache prepares each text once per connection; `sqlite3` in the event loop's
thread on SQLite, where a statement takes microseconds and a hand-over to another thread
cost more than running it). SQLAlchemy's execution layer is not on the path: through it a
small read cost about 80 µs of CPU, ten times the query, and the PostgreSQL path added a
greenlet switch per statement and a ping per checkout.

Three ways in, one `Connection`:

- `rows`, `run`, `run_many`, `run_rows`: a `CompiledSQL` (the worker's claims and records,
  the fan-out write) with positional values already in the driver's form (`ValueAdapter`);
- `fetch`, `fetch_each`: a SELECT built once at import with named bindparams (the API's
  per-request reads), values converted by the dialect's own processors;
- `execute`: any Core statement, compiled once per shape (its SQLAlchemy cache key) and
  answered as a `Result` with SQLAlchemy's reading methods (`one`, `scalar_one`, ...).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import asyncpg
import orjson
from sqlalchemy import Executable, TextClause
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import MultipleResultsFound, NoResultFound
from sqlalchemy.sql.compiler import Compiled

from forgehooks.store.tables import attempts, deliveries

if TYPE_CHECKING:
    from forgehooks.store.access_cache import AccessCache

Row = tuple[Any, ...]
T = TypeVar("T")


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
        self._compiled: dict[tuple[str, str, str, str, tuple[Any, ...]], CompiledSQL] = {}

    def get(
        self, dialect: Dialect, build: Callable[..., tuple[Executable, Sequence[str]]], *variant: Any
    ) -> CompiledSQL:
        """The statement `build(*variant)` makes, compiled for `dialect` on first use."""
        slot = (dialect.name, dialect.driver, build.__module__, build.__qualname__, variant)
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


class IntegrityError(Exception):
    """A constraint refused the write (a unique key taken): the driver's error, translated."""


class Backend(Protocol):
    """The few driver calls a `Connection` makes."""

    async def fetch(self, sql: str, args: Sequence[Any]) -> list[Any]:
        """Rows of one statement (a SELECT or a statement with RETURNING)."""
        ...

    async def execute(self, sql: str, args: Sequence[Any]) -> int:
        """Run one statement; how many rows it changed."""
        ...

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run once per parameter set in one driver call; how many rows changed in all."""
        ...


class SQLiteBackend:
    """A `sqlite3` connection used from the event loop's thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def fetch(self, sql: str, args: Sequence[Any]) -> list[Any]:
        try:
            return self.conn.execute(sql, args).fetchall()
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc

    async def execute(self, sql: str, args: Sequence[Any]) -> int:
        try:
            return self.conn.execute(sql, args).rowcount
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        try:
            return self.conn.executemany(sql, rows).rowcount
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc


class SQLiteThreadBackend:
    """A `sqlite3` connection used from a worker thread, one statement at a time: for reads
    that may scan much of the delivery log (SQLite gives up the GIL while it steps, so the
    event loop goes on serving meanwhile)."""

    def __init__(self, conn: sqlite3.Connection, turn: asyncio.Lock) -> None:
        self.conn = conn
        self.turn = turn  # the connection is used by one thread at a time

    async def fetch(self, sql: str, args: Sequence[Any]) -> list[Any]:
        async with self.turn:
            return await asyncio.to_thread(lambda: self.conn.execute(sql, args).fetchall())

    async def execute(self, sql: str, args: Sequence[Any]) -> int:
        async with self.turn:
            return await asyncio.to_thread(lambda: self.conn.execute(sql, args).rowcount)

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        async with self.turn:
            return await asyncio.to_thread(lambda: self.conn.executemany(sql, rows).rowcount)


class PostgresBackend:
    """An asyncpg connection: each SQL text is prepared once per connection (its statement cache)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def fetch(self, sql: str, args: Sequence[Any]) -> list[Any]:
        try:
            rows: list[Any] = await self.conn.fetch(sql, *args)
            return rows
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc

    async def execute(self, sql: str, args: Sequence[Any]) -> int:
        try:
            status = await self.conn.execute(sql, *args)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc
        count = status.rpartition(" ")[2]  # "UPDATE 3", "INSERT 0 5", "DELETE 0"
        return int(count) if count.isdigit() else -1

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        # pipelined: one round trip's wait for all. executemany tells no counts: an UPDATE or
        # DELETE (whose callers count what still held its lease) returns a row per row changed
        counted = sql.lstrip()[:6].upper() in ("UPDATE", "DELETE")
        try:
            if counted:
                return len(await self.conn.fetchmany(sql + " RETURNING 1", rows))
            await self.conn.executemany(sql, rows)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc
        return len(rows)  # an INSERT writes every row or fails


class PostgresOnFirstUse(PostgresBackend):
    """A pooled connection taken at the first statement and given back by `release`: a
    block of reads answered from the access cache (every request's token and project)
    takes none. A checkout and its return cost about 20 µs of the API's CPU each."""

    def __init__(self, checkout: Callable[[], AbstractAsyncContextManager[asyncpg.Connection]]) -> None:
        self._checkout = checkout
        self._held: AsyncExitStack | None = None

    async def _connection(self) -> asyncpg.Connection:
        if self._held is None:
            self._held = AsyncExitStack()
            self.conn = await self._held.enter_async_context(self._checkout())
        return self.conn

    async def fetch(self, sql: str, args: Sequence[Any]) -> list[Any]:
        await self._connection()
        return await super().fetch(sql, args)

    async def execute(self, sql: str, args: Sequence[Any]) -> int:
        await self._connection()
        return await super().execute(sql, args)

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        await self._connection()
        return await super().execute_many(sql, rows)

    async def release(self, error: BaseException | None) -> None:
        """Give the connection back (if taken); `error` is what ended the block, which the
        checkout sees (an outage closes the connection rather than returning it)."""
        held, self._held = self._held, None
        if held is None:
            return
        if error is None:
            await held.aclose()
        else:
            await held.__aexit__(type(error), error, error.__traceback__)


@dataclass(frozen=True, slots=True)
class Shape:
    """How a statement's rows read: column names, and each converted column's processor."""

    keys: tuple[str, ...]
    converted: tuple[tuple[int, Callable[[Any], Any]], ...]
    row: type[tuple[Any, ...]]

    @staticmethod
    def of(statement: Any, dialect: Dialect) -> Shape:
        """The shape of `statement`'s rows (SELECT columns, or RETURNING columns)."""
        columns = list(getattr(statement, "exported_columns", ()) or ())
        keys = tuple(
            getattr(c, "key", None) or getattr(c, "name", None) or f"_{i}" for i, c in enumerate(columns)
        )
        converted = []
        for position, column in enumerate(columns):
            processor = result_processor(column.type, dialect)
            if processor is not None:
                converted.append((position, processor))
        return Shape(keys=keys, converted=tuple(converted), row=row_class(keys))

    def convert(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        """A driver's row as SQLAlchemy would give it: converted values, readable by name."""
        if not self.keys:  # a text() statement: columns unknown until it runs
            return tuple(raw)
        if not self.converted:
            return self.row(*raw)
        values = list(raw)
        for position, processor in self.converted:
            values[position] = processor(values[position])
        return self.row(*values)


def result_processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """What turns the driver's value of a column of `type_` into SQLAlchemy's."""
    impl = type_.dialect_impl(dialect)
    try:
        found: Callable[[Any], Any] | None = impl.result_processor(dialect, None)
    except TypeError:  # asyncpg's numerics need the column's type oid: Decimal or float as asked
        if getattr(impl, "asdecimal", False):
            return _to_decimal
        return _to_float
    return found


def _to_decimal(value: Any) -> Any:
    return value if value is None or isinstance(value, Decimal) else Decimal(str(value))


def _to_float(value: Any) -> Any:
    return None if value is None else float(value)


_ROW_CLASSES: dict[tuple[str, ...], type[tuple[Any, ...]]] = {}


def row_class(keys: tuple[str, ...]) -> type[tuple[Any, ...]]:
    """A tuple class whose rows read by position and by column name (`row.id`, `row._mapping`)."""
    found = _ROW_CLASSES.get(keys)
    if found is None:
        base = namedtuple("Row", keys, rename=True)  # type: ignore[misc]
        names: dict[str, str] = dict(zip(keys, base._fields, strict=True))

        def mapping(self: Any) -> dict[str, Any]:
            return {key: getattr(self, field_name) for key, field_name in names.items()}

        found = _ROW_CLASSES[keys] = type("Row", (base,), {"__slots__": (), "_mapping": property(mapping)})
    return found


@dataclass(frozen=True, slots=True)
class Prepared:
    """A Core statement compiled for one dialect: SQL, parameters and their processors, rows' shape."""

    sql: str
    names: tuple[str, ...]
    processors: Mapping[str, Callable[[Any], Any]]
    shape: Shape
    returns_rows: bool | None
    compiled: Any  # SQLAlchemy's compiled form (its parameters and expanding IN lists)
    expanding: bool
    defaults: Mapping[str, Any]  # the values the statement itself holds (literals, limits)

    @staticmethod
    def of(statement: Any, dialect: Dialect, cache_key: Any = None) -> Prepared:
        """Compile `statement` (with its cache key, so later copies can pass their values)."""
        compiled = dialect.statement_compiler(dialect, statement, cache_key=cache_key)
        # None: a text() statement, which may or may not return rows
        returns_rows = (
            None if isinstance(statement, TextClause) else bool(compiled.returning) or statement.is_select
        )
        return Prepared(
            sql=compiled.string,
            names=tuple(compiled.positiontup or ()),
            processors=dict(compiled._bind_processors),  # type: ignore[arg-type]  # no multi-valued binds here
            shape=Shape.of(statement, dialect),
            returns_rows=returns_rows,
            compiled=compiled,
            expanding=bool(compiled.post_compile_params or compiled.literal_execute_params),
            defaults={
                name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required
            },
        )

    def bind(self, params: Mapping[str, Any]) -> tuple[str, list[Any]]:
        """The SQL and the driver's positional values for a full set of `params`."""
        sql, names, processors = self.sql, self.names, self.processors
        if self.expanding:  # `IN (...)` lists: SQLAlchemy renders one parameter per element
            expanded = self.compiled._process_parameters_for_postcompile(params)
            sql, names, params = expanded.statement, expanded.positiontup, expanded.parameters
            processors = {**processors, **expanded.processors}
        args = []
        for name in names:
            value = params[name]
            processor = processors.get(name)
            args.append(processor(value) if processor is not None and value is not None else value)
        return sql, args


class Result:
    """A statement's rows, read the ways SQLAlchemy's results are."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self.rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def all(self) -> list[Any]:
        """Every row."""
        return self.rows

    def first(self) -> Any | None:
        """The first row, or None."""
        return self.rows[0] if self.rows else None

    def one(self) -> Any:
        """The only row; NoResultFound or MultipleResultsFound otherwise."""
        if len(self.rows) != 1:
            raise (NoResultFound if not self.rows else MultipleResultsFound)("expected exactly one row")
        return self.rows[0]

    def one_or_none(self) -> Any | None:
        """The only row, or None; MultipleResultsFound when there are more."""
        if len(self.rows) > 1:
            raise MultipleResultsFound("expected at most one row")
        return self.first()

    def scalar(self) -> Any:
        """The first column of the first row, or None."""
        return self.rows[0][0] if self.rows else None

    def scalar_one(self) -> Any:
        """The first column of the only row."""
        return self.one()[0]

    def scalar_one_or_none(self) -> Any:
        """The first column of the only row, or None."""
        row = self.one_or_none()
        return row[0] if row is not None else None

    def scalars(self) -> Result:
        """The first column of every row."""
        return Result([r[0] for r in self.rows], self.rowcount)

    def mappings(self) -> Result:
        """Every row as a dict by column name."""
        return Result([r._mapping for r in self.rows], self.rowcount)


class Connection:
    """A connection of either database (inside a transaction or not), for every repository."""

    def __init__(
        self,
        backend: Backend,
        dialect: Dialect,
        cache: ConnectionCache | None = None,
        access: AccessCache | None = None,
        objects: BuiltObjects | None = None,
    ) -> None:
        self.backend = backend
        self.dialect = dialect
        self.cache = cache
        self.objects = objects  # PostgreSQL: objects built from rows, by the rows' content
        self.access = access  # the process's cache of tokens and roles (store/access_cache.py)
        self.changed_access = False  # this transaction changed them: empty `access` at COMMIT

    # -- compiled statements with positional values (the worker and fan-out) ------------------
    async def rows(self, statement: CompiledSQL, values: Mapping[str, Any]) -> list[Row]:
        """Run once; the rows it returns (RETURNING or SELECT)."""
        return await self.backend.fetch(statement.sql, statement.args(values))

    async def run(self, statement: CompiledSQL, values: Mapping[str, Any]) -> int:
        """Run once; how many rows it changed."""
        return await self.backend.execute(statement.sql, statement.args(values))

    async def run_many(self, statement: CompiledSQL, batch: Sequence[Mapping[str, Any]]) -> int:
        """Run once per parameter set in one driver call; how many rows changed in all."""
        return await self.run_rows(statement, [statement.args(v) for v in batch])

    async def run_rows(self, statement: CompiledSQL, rows: Sequence[Row]) -> int:
        """As `run_many`, with each parameter set already in `statement.names` order."""
        if not rows:
            return 0
        return await self.backend.execute_many(statement.sql, rows)

    # -- statements built once at import, values by bindparam name (the API's reads) ----------
    def _prepared(self, statement: Any) -> Prepared:
        key = (self.dialect.name, id(statement))
        found = _BY_IDENTITY.get(key)
        if found is None:  # kept with the statement, so its id stays its own
            found = _BY_IDENTITY[key] = (statement, Prepared.of(statement, self.dialect))
        return found[1]

    async def _raw(self, prepared: Prepared, values: Mapping[str, Any]) -> list[Any]:
        # a statement built at import holds no values but its own: merged, not run through
        # SQLAlchemy's construct_params (a tenth of a millisecond per read)
        params = (
            prepared.compiled.construct_params(values)
            if prepared.expanding
            else {**prepared.defaults, **values}
        )
        sql, args = prepared.bind(params)
        if self.cache is not None:
            return await self.cache.rows(self.backend, sql, args)
        return await self.backend.fetch(sql, args)

    async def fetch(self, statement: Any, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Every row of a statement built once at import (compiled on first use)."""
        prepared = self._prepared(statement)
        return [prepared.shape.convert(raw) for raw in await self._raw(prepared, values)]

    async def fetch_each(
        self, statement: Any, values: Mapping[str, Any], build: Callable[[Sequence[Any]], T]
    ) -> list[T]:
        """`build` (a function of the row alone) of every row; on a connection with a cache,
        a row read again unchanged gives back what was built from it: the API lists the same
        hooks again and again, and building one (conversions, decrypted secrets) cost more
        than reading it. A changed row is another key, built anew."""
        prepared = self._prepared(statement)
        raws = await self._raw(prepared, values)
        objects = self.cache.objects if self.cache is not None else self.objects
        if objects is None:
            return [build(prepared.shape.convert(raw)) for raw in raws]
        kind = (id(statement), getattr(build, "__func__", build))  # a bound method's function
        key_of = tuple if self.cache is not None else row_key  # SQLite's rows hold no JSON objects
        convert = prepared.shape.convert
        return [objects.built((kind, key_of(raw)), partial(_build, build, convert, raw)) for raw in raws]

    # -- any Core statement ------------------------------------------------------------------
    async def execute(
        self, statement: Any, parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None
    ) -> Result:
        """Run a Core statement (compiled once per shape); its rows as a `Result`."""
        key = statement._generate_cache_key()
        if key is None:  # a statement SQLAlchemy cannot cache: compiled every time
            prepared, extracted = Prepared.of(statement, self.dialect), None
        else:
            slot = (self.dialect.name, key.key)
            prepared = _BY_SHAPE.get(slot)  # type: ignore[assignment]
            if prepared is None:
                if len(_BY_SHAPE) >= SHAPE_CACHE_SIZE:
                    _BY_SHAPE.clear()
                prepared = _BY_SHAPE[slot] = Prepared.of(statement, self.dialect, key)
            extracted = key.bindparams
        if isinstance(parameters, Sequence) and not isinstance(parameters, Mapping):
            many = [prepared.bind(self._params(prepared, key, extracted, p))[1] for p in parameters]
            return Result([], await self.backend.execute_many(prepared.sql, many) if many else 0)
        sql, args = prepared.bind(self._params(prepared, key, extracted, parameters))
        if prepared.returns_rows or prepared.returns_rows is None:
            rows = [prepared.shape.convert(raw) for raw in await self.backend.fetch(sql, args)]
            return Result(rows, len(rows))
        return Result([], await self.backend.execute(sql, args))

    @staticmethod
    def _params(prepared: Prepared, key: Any, extracted: Any, values: Mapping[str, Any] | None) -> Any:
        if key is None:
            return prepared.compiled.construct_params(values)
        return prepared.compiled.construct_params(values, extracted_parameters=extracted)

    @asynccontextmanager
    async def begin_nested(self) -> AsyncIterator[None]:
        """A savepoint: what fails inside is undone, the outer transaction goes on."""
        name = f"sp_{next(_SAVEPOINTS)}"
        await self.backend.execute(f"SAVEPOINT {name}", ())
        try:
            yield
        except BaseException:
            await self.backend.execute(f"ROLLBACK TO SAVEPOINT {name}", ())
            raise
        await self.backend.execute(f"RELEASE SAVEPOINT {name}", ())


def _build(build: Callable[[Sequence[Any]], T], convert: Callable[[Sequence[Any]], Any], raw: Any) -> T:
    return build(convert(raw))


#: Statements built at import, compiled per dialect (few, and kept for the process's life).
_BY_IDENTITY: dict[tuple[str, int], tuple[Any, Prepared]] = {}
#: Other statements by dialect and shape (SQLAlchemy's cache key without the values).
_BY_SHAPE: dict[tuple[str, Any], Prepared] = {}
SHAPE_CACHE_SIZE = 2000
_SAVEPOINTS = itertools.count(1)


class BuiltObjects:
    """Objects built from rows, keyed by the rows' whole content: a row changed in any way
    (by any process) is another key and is built anew, so nothing here is ever stale and
    nothing needs invalidating; the oldest simply go when it is full."""

    SIZE = 4096  # objects kept (about 1 KB each)

    def __init__(self) -> None:
        self._built: dict[Any, Any] = {}

    def built(self, key: Any, build: Callable[[], T]) -> T:
        """What `build` made of the row in `key` (the row's values are part of the key)."""
        found = self._built.get(key)
        if found is None:
            if len(self._built) >= self.SIZE:
                self._built.clear()
            found = self._built[key] = build()
        return found


def row_key(raw: Sequence[Any]) -> tuple[Any, ...]:
    """A row's content as a dictionary key: asyncpg hands JSON columns over decoded, as
    dicts and lists, which are written out to be hashed."""
    return tuple(orjson.dumps(v) if type(v) in (dict, list) else v for v in raw)


class ConnectionCache:
    """Rows read, and objects built from them, while the database is unchanged (SQLite).

    `version` is asked before each read (SQLite's `PRAGMA data_version`, which changes
    whenever another connection commits, this process's writer included): the cache is
    cleared on any change, so a read never returns rows older than the latest commit it
    could have seen. The check costs a few microseconds against tens to hundreds for a read.
    """

    ROWS = 1024  # results (statement and values) remembered

    def __init__(self, version: Callable[[], int]) -> None:
        self._version_of = version
        self._version: int | None = None
        self._rows: dict[tuple[Any, ...], list[Any]] = {}
        self.objects = BuiltObjects()

    async def rows(self, backend: Backend, sql: str, args: Sequence[Any]) -> list[Any]:
        """The rows of `sql`, read again only if the database changed since."""
        version = self._version_of()
        if version != self._version:
            self._version = version
            self._rows.clear()
        key = (sql, *args)
        found = self._rows.get(key)
        if found is None:
            if len(self._rows) >= self.ROWS:
                self._rows.clear()
            found = self._rows[key] = await backend.fetch(sql, args)
        return found


def padded(values: Sequence[T], sizes: Sequence[int], filler: T) -> list[T]:
    """`values` padded with `filler` to the smallest of `sizes` that holds them (or cut to the
    largest): a variable-length IN list becomes one of a few compiled statements."""
    size = next((s for s in sizes if s >= len(values)), sizes[-1])
    return list(values[:size]) + [filler] * (size - min(len(values), size))
