"""Console fixtures: a signed-in HTTP client, a hook on a real receiver, and a delivery run."""

from __future__ import annotations

import re

import httpx
import pytest

from forgehooks.core.events import EventKind, RefBody
from forgehooks.core.hooks import Hook, HookSpec
from forgehooks.core.projects import Project, User
from forgehooks.services import events, hooks
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed, drain
from tests.receivers import Receiver

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, token: str) -> httpx.Response:
    """Sign in through the form, as a browser does; returns the redirect."""
    form = await client.get("/-/sign-in")
    return await client.post("/-/sign-in", data={"token": token, "csrf_token": csrf_of(form.text)})


@pytest.fixture
async def console(client: httpx.AsyncClient, seed: Seed) -> httpx.AsyncClient:
    """The in-process client signed in as alice."""
    assert (await sign_in(client, seed.token)).status_code == 303
    return client


@pytest.fixture
async def hook(runtime: Runtime, seed: Seed, receiver: Receiver) -> Hook:
    """A push hook of acme/widgets pointing at the real receiver."""
    spec = HookSpec(url=f"{receiver.url}/hook", events=frozenset(EventKind), name="receiver", secret="s3cret")
    return await hooks.create_hook(runtime, seed.project, spec, "forgehooks")


def push_body(n: int = 1) -> RefBody:
    """A push of one commit to main."""
    return RefBody(
        ref="refs/heads/main", before="1" * 40, after=f"{n:040x}", commits=(), total_commits_count=0
    )


async def publish(runtime: Runtime, project: Project, user: User, kind: EventKind = EventKind.PUSH) -> str:
    """Publish one event of the project; returns its id."""
    actor = events.actor_of(user)
    event = events.build_event(runtime, project, kind, push_body(), actor)
    await events.publish(runtime, event)
    return event.id


async def deliver(runtime: Runtime, project: Project, timeout: float = 15.0) -> None:
    """Run one worker until nothing of the project is queued any more."""
    await drain(runtime, project, timeout)
