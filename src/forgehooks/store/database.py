"""Engines for SQLite (embedded) and PostgreSQL (scale-out), with the pragmas they need."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from forgehooks.core.errors import InvalidInput, Unavailable
from forgehooks.store.driver import DriverConnection, SQLAlchemyDriver, SQLiteDriver
from forgehooks.store.tables import metadata

log = logging.getLogger("forgehooks.store")
WRITER_WAIT = 30.0  # seconds a write waits for this process's other writers (as busy_timeout)


class Database:
    """One async engine and the transactions on it."""

    def __init__(
        self, url: str, *, schema: str | None = None, pool_size: int = 10, pre_ping: bool = True
    ) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self.schema = schema
        self.pre_ping = pre_ping
        self.engine: AsyncEngine = self._create_engine(pool_size)
        self._write_lock: asyncio.Lock | None = None  # SQLite only, made in the running loop
        self._loop_connection: sqlite3.Connection | None = None  # SQLite: see driver_transaction
        self._checkpointer: Checkpointer | None = None  # SQLite, with the loop connection
        database = make_url(url).database if self.is_sqlite else None
        self._file = database if database and database != ":memory:" else None  # SQLite file
        self._connect_hooks: list[Callable[[Any], None]] = []

    def _create_engine(self, pool_size: int) -> AsyncEngine:
        if self.is_sqlite:
            engine = create_async_engine(self.url, connect_args={"timeout": 30})
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(engine.sync_engine, "begin", _sqlite_begin)
            return engine
        # the application name shows operators (pg_stat_activity) whose connections these are
        server_settings = {"application_name": f"forgehooks:{self.schema}" if self.schema else "forgehooks"}
        if self.schema:
            server_settings["search_path"] = self.schema
        connect_args: dict[str, Any] = {"server_settings": server_settings}
        return create_async_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=pool_size,
            # a ping (one round trip) before each checkout spares an API request a dead
            # connection; a worker process turns it off (see `Runtime.build`)
            pool_pre_ping=self.pre_ping,
            connect_args=connect_args,
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside one transaction, committed on success.

        On SQLite the transaction takes the write lock up front (BEGIN IMMEDIATE): a deferred
        transaction that reads and then writes fails at once with "database is locked" when
        another writer got there first, instead of waiting for the busy timeout. Writers of
        this process also queue on an asyncio lock first: SQLite's own busy handler waits by
        sleeping (up to 100 ms a turn), which made every publish, claim and record behind a
        busy writer late; the lock hands over the moment the writer commits.
        """
        with domain_errors_of_the_database():
            async with self._writer(), self.engine.connect() as conn:
                if self.is_sqlite:
                    await conn.execution_options(sqlite_begin="IMMEDIATE")
                async with conn.begin():
                    yield conn

    @asynccontextmanager
    async def driver_transaction(self) -> AsyncIterator[DriverConnection]:
        """A transaction for the worker's compiled statements (store/driver.py).

        On SQLite it runs on this process's own `sqlite3` connection in the event loop's
        thread, after this process's other writers (the same lock as `transaction`). The
        write lock is taken without SQLite's busy handler, which would block the loop: while
        another process holds it, BEGIN is retried after short sleeps.
        """
        path = self._file
        if path is None:
            async with self.transaction() as conn:
                yield SQLAlchemyDriver(conn)
            return
        with domain_errors_of_the_database():
            async with self._writer():
                sqlite = await self._begin_on_loop_connection(path)
                try:
                    yield SQLiteDriver(sqlite, self.engine.dialect)
                    sqlite.execute("COMMIT")
                except BaseException:
                    if sqlite.in_transaction:  # SQLite ends it itself on some errors (a full disk)
                        sqlite.execute("ROLLBACK")
                    raise

    async def _begin_on_loop_connection(self, path: str) -> sqlite3.Connection:
        if self._loop_connection is None:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            _sqlite_pragmas(conn, None)
            conn.execute("PRAGMA busy_timeout=0")
            conn.execute("PRAGMA wal_autocheckpoint=0")  # the Checkpointer's thread does it
            for hook in self._connect_hooks:
                hook(conn)
            self._loop_connection = conn
            self._checkpointer = Checkpointer(path)
        conn = self._loop_connection
        deadline = asyncio.get_running_loop().time() + WRITER_WAIT
        pause = 0.001
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return conn
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or asyncio.get_running_loop().time() > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    @asynccontextmanager
    async def _writer(self) -> AsyncIterator[None]:
        """SQLite: one write transaction of this process at a time, handed over in order."""
        if not self.is_sqlite:
            yield
            return
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

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads (its implicit transaction is rolled back).

        On SQLite no BEGIN is sent: each statement reads the latest commit on its own, which
        saves a round trip to the driver's thread per block (reads need no snapshot here).
        """
        with domain_errors_of_the_database():
            async with self.engine.connect() as conn:
                if self.is_sqlite:
                    await conn.execution_options(sqlite_begin="")
                yield conn

    def on_connect(self, hook: Callable[[Any], None]) -> Callable[[], None]:
        """Run `hook` on every driver connection opened from now on (the pool's and SQLite's
        loop connection): settings a connection must carry, such as a test's page limit.
        Returns what stops it."""
        listener = _first_argument(hook)
        self._connect_hooks.append(hook)
        event.listen(self.engine.sync_engine, "connect", listener)

        def stop() -> None:
            self._connect_hooks.remove(hook)
            event.remove(self.engine.sync_engine, "connect", listener)

        return stop

    async def create_all(self) -> None:
        """Create every table directly (tests); production uses the Alembic migrations."""
        async with self.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        if self._checkpointer is not None:
            await asyncio.to_thread(self._checkpointer.stop)
            self._checkpointer = None
        if self._loop_connection is not None:
            self._loop_connection.close()
            self._loop_connection = None
        await self.engine.dispose()


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
    """A lost connection, a database that is down or restarting, or a full disk becomes
    `Unavailable` (503, try again): the transaction was rolled back, nothing half-written.
    Text PostgreSQL cannot store (a NUL character) is bad input, whichever face let it in.
    Other database errors (constraint violations, bugs) pass through unchanged."""
    try:
        yield
    except DataError as exc:
        if "0x00" not in str(exc) and "\\u0000" not in str(exc):
            raise
        raise InvalidInput("", "text must not contain NUL (\\u0000) characters") from exc
    except (OperationalError, InterfaceError, sqlite3.OperationalError) as exc:
        raise _outage(exc) from exc
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        raise _outage(exc) from exc
    except (ConnectionError, TimeoutError) as exc:  # connecting to PostgreSQL failed
        raise _outage(exc) from exc


def _outage(exc: Exception) -> Unavailable:
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
    log.warning("database unavailable: %s", reason)
    if "full" in reason:
        return Unavailable("the database is full; free disk space and try again", retry_after=60)
    return Unavailable("the database is unavailable; try again shortly")


def _first_argument(hook: Callable[[Any], None]) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        hook(dbapi_connection)

    return on_connect


def _sqlite_begin(conn: Connection) -> None:
    # the driver's own implicit BEGIN is off (isolation_level None): we say which kind
    kind = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    if kind:  # "" for reads: autocommit statements
        conn.exec_driver_sql(f"BEGIN {kind}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the API read while the worker writes; NORMAL is durable across process
    # crashes in WAL mode (only an OS crash may lose the last commits).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
