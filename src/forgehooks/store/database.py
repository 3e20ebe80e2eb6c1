"""The databases: SQLite (embedded) and PostgreSQL (scale-out), with what each connection needs.

Requests and workers run on `store.driver.Connection`s straight on the drivers: an asyncpg
pool on PostgreSQL; on a SQLite file, one writer and one read-only `sqlite3` connection per
process, used in the event loop's thread. SQLAlchemy compiles the statements; its engine is
kept for DDL only (the Alembic migrations).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import asyncpg
import orjson
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import asyncpg as pg_asyncpg
from sqlalchemy.dialects.sqlite import pysqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from forgehooks.core.errors import InvalidInput, Unavailable
from forgehooks.store.access_cache import CHANNEL as ACCESS_CHANNEL
from forgehooks.store.access_cache import AccessCache
from forgehooks.store.driver import (
    BuiltObjects,
    Connection,
    ConnectionCache,
    PostgresBackend,
    PostgresOnFirstUse,
    SQLiteBackend,
    SQLiteThreadBackend,
)
from forgehooks.store.listening import listen
from forgehooks.store.tables import metadata

log = logging.getLogger("forgehooks.store")
WRITER_WAIT = 30.0  # seconds a write waits for this process's other writers (as busy_timeout)
READ_BUSY_MS = 2000  # how long a read waits for a lock (only WAL recovery takes one)
#: SQLite's "another connection holds the lock" codes: BEGIN is retried on them.
BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


class Database:
    """One database: transactions and reads on `Connection`s straight on the driver."""

    def __init__(self, url: str, *, schema: str | None = None, pool_size: int = 10) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.schema = schema
        self.pool_size = pool_size
        self.dialect: Dialect = pysqlite.dialect() if self.is_sqlite else pg_asyncpg.dialect()  # type: ignore[no-untyped-call]
        self._engine: AsyncEngine | None = None  # migrations and tests' DDL only (see `engine`)
        self._connect_hooks: list[Callable[[Any], None]] = []
        # SQLite: this process's writer and reader connections, used in the loop's thread
        self._file = parsed.database if self.is_sqlite else None
        if self.is_sqlite and (not self._file or self._file == ":memory:"):
            raise ValueError(
                "forgehooks needs a SQLite file (an in-memory database has no second connection)"
            )
        self._write_lock: asyncio.Lock | None = None  # made in the running loop
        self._writer_conn: sqlite3.Connection | None = None
        self._reader_conn: sqlite3.Connection | None = None
        self._reader_cache: ConnectionCache | None = None
        self._scan_conn: sqlite3.Connection | None = None  # see `reading(scan=True)`
        self._scan_turn: asyncio.Lock | None = None
        self._checkpointer: Checkpointer | None = None
        # PostgreSQL: an asyncpg pool, made in the running loop on first use
        self._pool: asyncpg.Pool | None = None
        self._pool_made: asyncio.Lock | None = None
        # Turns at the pool, handed out first come, first served. asyncpg's own wait lets a
        # newcomer take a connection just given back before the coroutine woken for it runs:
        # at 64 connections on a pool of 20 the hook list's p99 was 100-300 ms for a 28 ms
        # mean. One turn per connection the pool may open, so the pool itself never waits.
        self._turns: asyncio.Semaphore | None = None
        # who tokens are and members' roles, per process (PostgreSQL: while LISTENing)
        self.access = AccessCache(notified=not self.is_sqlite, schema=schema or "")
        self._objects = BuiltObjects()  # what reads built from rows (SQLite: in its reader's cache)
        self._listener: asyncio.Task[None] | None = None
        self._listener_stop = asyncio.Event()

    @property
    def file(self) -> str | None:
        """SQLite: the database file's path (None on PostgreSQL)."""
        return self._file

    @property
    def engine(self) -> AsyncEngine:
        """A SQLAlchemy engine for DDL: the Alembic migrations and tests' scratch tables. No
        request or worker runs on it."""
        if self._engine is None:
            connect_args: dict[str, Any] = {}
            if not self.is_sqlite and self.schema:
                connect_args["server_settings"] = {"search_path": self.schema}
            self._engine = create_async_engine(self.url, connect_args=connect_args)
            if self.is_sqlite:
                event.listen(self._engine.sync_engine, "connect", _engine_pragmas)
        return self._engine

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A connection inside one transaction, committed on success.

        On SQLite the transaction takes the write lock up front (BEGIN IMMEDIATE) on this
        process's writer connection, in the event loop's thread. Writers of this process
        queue on an asyncio lock first, handed over the moment a writer commits; while
        another process holds SQLite's lock, BEGIN is retried after short sleeps (SQLite's
        own busy handler would block the loop).
        """
        with domain_errors_of_the_database():
            if self.is_sqlite:
                async with self._writer():
                    conn = await self._begin_writer()
                    try:
                        wrapped = Connection(SQLiteBackend(conn), self.dialect, access=self.access)
                        yield wrapped
                        conn.execute("COMMIT")
                    except BaseException:
                        if conn.in_transaction:  # SQLite ends it itself on some errors (a full disk)
                            conn.execute("ROLLBACK")
                        raise
            else:
                async with self._pooled() as raw, raw.transaction():
                    wrapped = Connection(PostgresBackend(raw), self.dialect, access=self.access)
                    yield wrapped
            if wrapped.changed_access:  # at once here; other processes when they hear of it
                self.access.empty()

    @asynccontextmanager
    async def reading(self, *, scan: bool = False) -> AsyncIterator[Connection]:
        """A connection for a block of reads: no transaction, each statement reads the latest
        commit. On SQLite it is this process's read-only connection, whose rows are cached
        until any connection commits (`ConnectionCache`), used in the loop's thread. `scan`:
        reads that may go through much of the log (overviews, metrics, replay selection) run
        on another read-only connection in a worker thread instead, so the loop serves on."""
        with domain_errors_of_the_database():
            if self.is_sqlite and scan:
                if self._scan_conn is None:
                    self._scan_conn = self._open(read_only=True)
                    self._scan_turn = asyncio.Lock()
                assert self._scan_turn is not None
                yield Connection(SQLiteThreadBackend(self._scan_conn, self._scan_turn), self.dialect)
                return
            if self.is_sqlite:
                conn = self._reader()
                yield Connection(SQLiteBackend(conn), self.dialect, self._reader_cache, self.access)
                return
            backend = PostgresOnFirstUse(self._pooled)
            try:
                yield Connection(backend, self.dialect, access=self.access, objects=self._objects)
            except BaseException as exc:
                await backend.release(exc)
                raise
            await backend.release(None)

    # -- PostgreSQL ---------------------------------------------------------------------------
    @asynccontextmanager
    async def _pooled(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection of the pool; one that failed as an outage does is closed, not reused
        (after a server restart its state is unknown), and the pool opens a new one."""
        pool = await self._postgres()
        turns = self._turns
        assert turns is not None
        async with asyncio.timeout(WRITER_WAIT):  # all taken that long: a 503, not a hang
            await turns.acquire()
        try:
            raw = await pool.acquire()  # a turn held: one is free, or being opened
        except BaseException:
            turns.release()
            raise
        try:
            yield raw
        except POSTGRES_OUTAGES:
            raw.terminate()
            raise
        finally:
            await pool.release(raw)
            turns.release()

    async def _postgres(self) -> asyncpg.Pool:
        if self._pool is not None:
            return self._pool
        if self._pool_made is None:
            self._pool_made = asyncio.Lock()
        async with self._pool_made:
            if self._pool is None:
                # the application name shows operators (pg_stat_activity) whose connections these are
                settings = {"application_name": f"forgehooks:{self.schema}" if self.schema else "forgehooks"}
                if self.schema:
                    settings["search_path"] = self.schema
                dsn = make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)
                self._pool = await asyncpg.create_pool(
                    dsn,
                    min_size=1,
                    max_size=2 * self.pool_size,
                    server_settings=settings,
                    init=_postgres_codecs,
                    reset=_keep_session,
                    statement_cache_size=1024,  # the padded IN lists make a few hundred texts
                )
                self._turns = asyncio.Semaphore(2 * self.pool_size)
                self._listener_stop = asyncio.Event()
                self._listener = asyncio.create_task(
                    listen(
                        self.url,
                        ACCESS_CHANNEL,
                        self.access.heard,
                        self.access.listening,
                        self._listener_stop,
                        purpose="changes to tokens and roles (their cache is off meanwhile)",
                    )
                )
        return self._pool

    # -- SQLite -------------------------------------------------------------------------------
    def _open(self, *, read_only: bool) -> sqlite3.Connection:
        assert self._file is not None
        conn = sqlite3.connect(self._file, isolation_level=None, check_same_thread=False)
        _sqlite_pragmas(conn)
        if read_only:
            conn.execute(f"PRAGMA busy_timeout={READ_BUSY_MS}")
            conn.execute("PRAGMA query_only=ON")
        else:
            conn.execute("PRAGMA busy_timeout=0")  # BEGIN is retried by `_begin_writer`
            conn.execute("PRAGMA wal_autocheckpoint=0")  # the Checkpointer's thread does it
        for hook in self._connect_hooks:
            hook(conn)
        return conn

    def _reader(self) -> sqlite3.Connection:
        if self._reader_conn is None:
            conn = self._reader_conn = self._open(read_only=True)
            self._reader_cache = ConnectionCache(lambda: conn.execute("PRAGMA data_version").fetchone()[0])
        return self._reader_conn

    async def _begin_writer(self) -> sqlite3.Connection:
        if self._writer_conn is None:
            self._writer_conn = self._open(read_only=False)
            assert self._file is not None
            self._checkpointer = Checkpointer(self._file)
        conn = self._writer_conn
        deadline = asyncio.get_running_loop().time() + WRITER_WAIT
        pause = 0.001
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return conn
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode not in BUSY or asyncio.get_running_loop().time() > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    @asynccontextmanager
    async def _writer(self) -> AsyncIterator[None]:
        """SQLite: one write transaction of this process at a time, handed over in order."""
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
        try:
            # not wait_for: cancelled just as the lock is granted, it can leave the lock taken
            async with asyncio.timeout(WRITER_WAIT):
                await self._write_lock.acquire()
        except TimeoutError as exc:
            raise Unavailable("the database is busy; try again shortly") from exc
        try:
            yield
        finally:
            self._write_lock.release()

    def on_connect(self, hook: Callable[[Any], None]) -> Callable[[], None]:
        """SQLite: run `hook` on every `sqlite3` connection opened from now on (settings a
        connection must carry, such as a test's page limit); the open ones are reopened.
        Returns what stops it."""
        self._connect_hooks.append(hook)
        self._close_sqlite()

        def stop() -> None:
            self._connect_hooks.remove(hook)
            self._close_sqlite()

        return stop

    def _close_sqlite(self) -> None:
        for conn in (self._writer_conn, self._reader_conn, self._scan_conn):
            if conn is not None:
                conn.close()
        self._writer_conn = self._reader_conn = self._scan_conn = None
        self._reader_cache = None

    async def create_all(self) -> None:
        """Create every table directly (tests); production uses the Alembic migrations."""
        async with self.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def dispose(self) -> None:
        """Close every connection."""
        if self._checkpointer is not None:
            await asyncio.to_thread(self._checkpointer.stop)
            self._checkpointer = None
        self._close_sqlite()
        if self._listener is not None:
            listener, self._listener = self._listener, None
            self._listener_stop.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(listener, 5)
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """What the pool runs on a connection given back, after asyncpg ends any transaction left
    open: nothing. Its default (`RESET ALL; UNLISTEN *; CLOSE ALL; pg_advisory_unlock_all()`)
    was a round trip after every request, undoing what no request does here: settings are
    fixed at connect, and LISTEN has its own connection (store/wakeups.py)."""


async def _postgres_codecs(conn: asyncpg.Connection) -> None:
    # JSON columns travel as text both ways, as SQLAlchemy's asyncpg dialect has them: its
    # bind processors (and `ValueAdapter.json`) make the text, orjson reads it back
    for name, prefix in (("json", b""), ("jsonb", b"\x01")):
        await conn.set_type_codec(
            name,
            encoder=(lambda text, prefix=prefix: prefix + text.encode()),
            decoder=(lambda raw, skip=len(prefix): orjson.loads(raw[skip:])),
            schema="pg_catalog",
            format="binary",
        )


class Checkpointer:
    """SQLite: copies the write-ahead log into the database file from a thread of its own.

    The event loop's connection does not checkpoint at commit (wal_autocheckpoint=0): a
    checkpoint of a large log took 30-150 ms, every one of them a stop of the event loop.
    Here it is one long call into SQLite, which releases the GIL for all of it. PASSIVE
    never waits for readers or writers; what it cannot copy now it copies next time.
    """

    def __init__(self, path: str, every: float = 0.5) -> None:
        self._path, self._every = path, every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="forgehooks-sqlite-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            while not self._stopped.wait(self._every):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # another process checkpointing, a full disk
                    log.debug("checkpoint skipped: %s", exc)
        finally:
            conn.close()

    def stop(self) -> None:
        """End the thread (after its current checkpoint)."""
        self._stopped.set()
        self._thread.join(30)


@contextmanager
def domain_errors_of_the_database() -> Iterator[None]:
    """A lost connection, a database that is down, starting up or shutting down, or a full
    disk becomes `Unavailable` (503 with Retry-After): the transaction was rolled back,
    nothing half-written. A value the database cannot store (a NUL character, a number or
    time out of its range, text longer than its column) is bad input, whichever face let
    it in. Other errors (bugs) pass through unchanged."""
    try:
        yield
    except (asyncpg.exceptions.DataError, asyncpg.exceptions._base.DataError) as exc:
        raise InvalidInput("", _bad_value(exc)) from exc
    except POSTGRES_OUTAGES as exc:
        raise _outage(exc) from exc
    except sqlite3.OperationalError as exc:
        raise _outage(exc) from exc
    except (ConnectionError, TimeoutError, OSError) as exc:  # connecting to PostgreSQL failed
        raise _outage(exc) from exc


#: PostgreSQL's states in which a request can only be tried again later: connection
#: failures (class 08), shutdown or start-up (57P), out of resources (53: disk full, too many
#: connections), a deadlock or serialization failure (40), a closed or broken connection.
POSTGRES_OUTAGES = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.TransactionRollbackError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.InterfaceError,
    # a message of the server's ending arrived before the socket closed: the connection is
    # left waiting for a reply that never comes (asyncpg: "another operation is in progress")
    asyncpg.exceptions._base.InternalClientError,
)


def _bad_value(exc: Exception) -> str:
    if isinstance(
        exc,
        asyncpg.exceptions.CharacterNotInRepertoireError | asyncpg.exceptions.UntranslatableCharacterError,
    ):
        return "text must not contain NUL (\\u0000) characters"
    if isinstance(exc, asyncpg.exceptions.StringDataRightTruncationError):
        return "a text value is longer than the database allows"
    return f"a value the database cannot store: {str(exc).splitlines()[0][:200]}"


def _outage(exc: Exception) -> Unavailable:
    reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    log.warning("database unavailable: %s", reason)
    full = isinstance(exc, sqlite3.OperationalError) and exc.sqlite_errorcode == sqlite3.SQLITE_FULL
    if full or isinstance(exc, asyncpg.exceptions.DiskFullError):
        return Unavailable("the database is full; free disk space and try again", retry_after=60)
    return Unavailable("the database is unavailable; try again shortly")


def _engine_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_pragmas(conn: sqlite3.Connection) -> None:
    # WAL lets the API read while the worker writes; NORMAL is durable across process
    # crashes in WAL mode (only an OS crash may lose the last commits).
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
