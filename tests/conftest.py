"""Shared fixtures: a runtime on a real database (SQLite and PostgreSQL), a seeded project,
an in-process API client, a live server and a real receiver."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from forgehooks.api.app import build_runtime, create_app
from forgehooks.config import Settings
from forgehooks.core.projects import Project, Role, User
from forgehooks.services import accounts, projects
from forgehooks.services.runtime import Runtime
from forgehooks.store.migrate import upgrade
from tests.databases import create_schema, drop_schema, pg_url, require_postgres, sqlite_url
from tests.receivers import Receiver
from tests.servers import LiveServer

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
async def settings(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Settings]:
    """Settings on a fresh, migrated database of each backend."""
    schema = ""
    url = sqlite_url(tmp_path)
    if request.param == "postgres":
        await require_postgres()
        schema = await create_schema()
        url = pg_url()
    result = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        database_url=url,
        database_schema=schema,
        allow_local_targets=True,
        poll_interval=0.01,
    )
    await asyncio.to_thread(upgrade, url, "head", schema or None)
    yield result
    if schema:
        await drop_schema(schema)


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
