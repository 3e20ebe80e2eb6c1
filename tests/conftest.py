"""Shared fixtures: a runtime on a real database (SQLite and PostgreSQL), a seeded project,
an in-process API client, a live server and a real receiver."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from forgehooks.api.app import build_runtime, create_app
from forgehooks.config import Settings
from forgehooks.core.deliveries import DeliveryState
from forgehooks.core.projects import Project, Role, User
from forgehooks.services import accounts, deliveries, projects
from forgehooks.services.runtime import Runtime
from tests.databases import PgDatabase, PgTemplate, SqliteTemplate, require_postgres
from tests.receivers import Receiver
from tests.servers import LiveServer

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def outside_the_loop(step: Callable[[], None]) -> None:
    """Run a blocking step in a thread of its own: session fixtures are first asked for from
    inside a test's running event loop, where the migrations' own asyncio.run would fail."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(step).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    """The migrated SQLite file of this session, built at its first use."""
    template = SqliteTemplate(tmp_path_factory.mktemp("template"))
    outside_the_loop(template.build)
    return template


@pytest.fixture(scope="session")
def pg_template() -> Iterator[PgTemplate]:
    """The migrated PostgreSQL template database of this session, built at its first use."""
    template = PgTemplate()
    outside_the_loop(template.build)
    yield template
    outside_the_loop(template.remove)


@pytest.fixture(params=BACKENDS)
async def settings(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Settings]:
    """Settings on a fresh, migrated database of each backend (a copy of the session's template)."""
    copy: PgDatabase | None = None
    if request.param == "postgres":
        await require_postgres()
        template: PgTemplate = request.getfixturevalue("pg_template")
        copy = await template.copy()
        url, schema = copy.url, copy.schema
    else:
        url, schema = request.getfixturevalue("sqlite_template").copy(tmp_path), ""
    result = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=url,
        database_schema=schema,
        allow_local_targets=True,
        poll_interval=0.01,
    )
    yield result
    if copy is not None:
        await PgTemplate.discard(copy)


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """A runtime on the fresh database with every face's wire format."""
    rt = build_runtime(settings)
    yield rt
    await rt.close()


@dataclass
class Seed:
    """A user with a token, owning one project."""

    user: User
    token: str
    project: Project


@pytest.fixture
async def seed(runtime: Runtime) -> Seed:
    """alice, her token, and her project acme/widgets."""
    user = await accounts.create_user(runtime, "alice", name="Alice Liddell", email="alice@example.com")
    issued = await accounts.issue_token(runtime, user)
    project = await projects.create_project(runtime, user, "acme/widgets", description="Widgets")
    return Seed(user=user, token=issued.value, project=project)


async def member(runtime: Runtime, seed: Seed, username: str, role: Role | None) -> str:
    """A new user with `role` in the seeded project (None: no membership); returns their token."""
    user = await accounts.create_user(runtime, username)
    if role is not None:
        await projects.add_member(runtime, seed.project, username, role)
    return (await accounts.issue_token(runtime, user)).value


async def drain(runtime: Runtime, project: Project, timeout: float = 15.0) -> None:
    """Run one worker until none of the project's deliveries is queued; its stop waits for the
    sends in flight. What has not arrived by then was never going to: a check that a delivery
    does not arrive can rely on this, where a fixed sleep only hopes."""
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.new_worker().run(stop))
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            _, queued = await deliveries.list_deliveries(
                runtime, project, state=DeliveryState.QUEUED, limit=1
            )
            if not queued:
                return
            await asyncio.sleep(0.02)
        raise AssertionError("deliveries still queued")
    finally:
        stop.set()
        await task


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process (no embedded worker)."""
    app = create_app(runtime=runtime, workers=0)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP receiver answering 200."""
    with Receiver() as r:
        yield r


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """The whole service on a real port with one embedded worker."""
    with LiveServer(settings) as server:
        yield server
