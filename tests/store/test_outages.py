"""The database failing under the service: a full SQLite disk, PostgreSQL dropping every
connection (as a restart does) under load. The API answers 503 in the face's shape, never
500; nothing is half-written or lost; once the database is back, everything goes out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import func, select, text

from forgehooks.api.app import create_app
from forgehooks.config import Settings
from forgehooks.core.deliveries import DeliveryState
from forgehooks.core.errors import Unavailable
from forgehooks.services.runtime import Runtime
from forgehooks.store.database import Database
from forgehooks.store.tables import deliveries, events
from tests.conftest import Seed
from tests.databases import PG_DSN
from tests.engine.conftest import add_hook, publish_pushes, wait_until_settled, working
from tests.receivers import Receiver, Reply

API = "/api/forgehooks/v1"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def push(n: int, padding: int = 0) -> dict[str, Any]:
    commit = {"id": f"{n:040x}", "message": "x" * padding, "timestamp": "2026-11-23T10:00:00Z"}
    body = {"ref": "refs/heads/main", "before": "0" * 40, "after": f"{n:040x}", "commits": [commit]}
    return {"kind": "push", "body": body}


async def count(runtime: Runtime, table: Any) -> int:
    async with runtime.db.reading() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


def limit_pages(runtime: Runtime, pages: int) -> Callable[[], None]:
    """Every new connection may grow the file to `pages` pages only (SQLITE_FULL beyond),
    which is what a full disk looks like to SQLite. Returns what lifts the limit."""

    def on_connect(dbapi_connection: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count={pages}")
        cursor.close()

    return runtime.db.on_connect(on_connect)


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
async def test_a_full_sqlite_disk_is_a_503_and_nothing_is_half_written(
    runtime: Runtime,
    seed: Seed,
    client: httpx.AsyncClient,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await add_hook(runtime, seed, receiver.url)
    async with runtime.db.reading() as conn:
        pages = int((await conn.execute(text("PRAGMA page_count"))).scalar_one())
    lift_limit = limit_pages(runtime, pages + 40)
    await runtime.db.dispose()  # open connections predate the limit
    url = f"{API}/projects/{seed.project.id}/events"
    accepted = 0
    for n in range(400):
        r = await client.post(url, json=push(n, padding=20_000), headers=auth(seed.token))
        if r.status_code != 201:
            break
        accepted += 1
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "Unavailable" and "full" in r.json()["error"]["message"]
    assert r.headers["Retry-After"]
    assert 0 < accepted < 400
    assert "database unavailable" in caplog.text and "full" in caplog.text
    # the service keeps answering reads, and the failed publish left nothing behind
    assert (
        await client.get(f"{API}/projects/{seed.project.id}/hooks", headers=auth(seed.token))
    ).status_code == 200
    assert await count(runtime, events) == accepted
    assert await count(runtime, deliveries) == accepted
    async with runtime.db.reading() as conn:
        assert (await conn.execute(text("PRAGMA integrity_check"))).scalar_one() == "ok"
    # space is freed: the next publish goes through and every accepted event is delivered
    lift_limit()
    await runtime.db.dispose()
    r = await client.post(url, json=push(999), headers=auth(seed.token))
    assert r.status_code == 201, r.text
    async with working(runtime):
        await wait_until_settled(runtime, {DeliveryState.SUCCEEDED.value}, accepted + 1, timeout=60)
    assert len({req.header("X-Forgehooks-Delivery") for req in receiver.received}) == accepted + 1


async def drop_connections(application_name: str) -> int:
    """What a PostgreSQL restart does to clients: every backend of the service is terminated."""
    conn = await asyncpg.connect(PG_DSN)
    try:
        rows = await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            application_name,
        )
    finally:
        await conn.close()
    return len(rows)


@pytest.mark.parametrize("settings", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_postgresql_dropping_every_connection_under_load_loses_nothing(
    runtime: Runtime, seed: Seed, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    application_name = f"forgehooks:{runtime.settings.database_schema}"
    with Receiver(Reply(status=200, delay=0.005)) as receiver:
        await add_hook(runtime, seed, receiver.url)
        await publish_pushes(runtime, seed, 300)
        statuses: list[int] = []
        async with working(runtime, concurrency=32, claim_batch=32):
            await receiver.await_count(50, timeout=60)
            dropped = 0
            for round_ in range(3):
                dropped += await drop_connections(application_name)
                # clients keep calling during the outage; they may be told to retry, never 500
                for n in range(5):
                    r = await client.post(
                        f"{API}/projects/{seed.project.id}/events",
                        json=push(1000 + round_ * 10 + n),
                        headers=auth(seed.token),
                    )
                    statuses.append(r.status_code)
                    if r.status_code == 503:
                        assert r.headers["Retry-After"] and r.json()["error"]["code"] == "Unavailable"
                await asyncio.sleep(0.2)
            assert dropped > 0, "the service's connections were there to drop"
            published = 300 + statuses.count(201)
            await wait_until_settled(runtime, {DeliveryState.SUCCEEDED.value}, published, timeout=90)
        got = {req.header("X-Forgehooks-Delivery") for req in receiver.received}
    assert set(statuses) <= {201, 503}, statuses
    assert statuses.count(201) > 0, "the service reconnected"
    assert await count(runtime, deliveries) == published == len(got)
    async with runtime.db.reading() as conn:
        leased = select(func.count()).where(deliveries.c.lease_token.is_not(None))
        assert (await conn.execute(leased)).scalar_one() == 0


@pytest.mark.parametrize("settings", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_a_dropped_connection_is_replaced_without_a_ping(settings: Settings) -> None:
    # no ping before a transaction: asyncpg sees a connection the server closed as closed
    # when the pool hands it out (or the first use fails it as Unavailable, which the caller
    # retries); either way the pool opens a new one, and no request gets a 500
    db = Database(settings.resolved_database_url, schema=settings.database_schema)
    try:
        async with db.transaction() as conn:
            before = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert await drop_connections(f"forgehooks:{settings.database_schema}") == 1
        failures, after = 0, None
        for _ in range(3):
            try:
                async with db.transaction() as conn:
                    after = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                break
            except Unavailable:
                failures += 1
        assert failures <= 1, "a dead connection fails one transaction at most"
        assert after is not None and after != before, "a new connection replaced the dropped one"
    finally:
        await db.dispose()


class StartingUp(asyncio.Protocol):
    """A PostgreSQL server that is starting up: it refuses TLS, then answers any start-up
    message with FATAL 57P03, as a real server does until recovery ends."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if data[4:8] == (80877103).to_bytes(4, "big"):  # SSLRequest: not here
            self.transport.write(b"N")
            return
        fields = b"SFATAL\0C57P03\0Mthe database system is starting up\0\0"
        self.transport.write(b"E" + (len(fields) + 4).to_bytes(4, "big") + fields)
        self.transport.close()


async def test_a_database_starting_up_is_a_503_with_retry_after(tmp_path: Any) -> None:
    server = await asyncio.get_running_loop().create_server(StartingUp, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{port}/test",
        secret_key="",
    )
    runtime = Runtime.build(settings)
    try:
        app = create_app(runtime=runtime, workers=0)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            for path in (f"{API}/projects/1/hooks", "/api/v4/projects/1/hooks"):
                r = await http.get(path, headers={"Authorization": "Bearer fh_x", "PRIVATE-TOKEN": "fh_x"})
                assert r.status_code == 503, r.text
                assert r.headers["Retry-After"].isdigit()
    finally:
        await runtime.close()
        server.close()
