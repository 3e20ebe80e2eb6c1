"""`forgehooks demo` against a live service: hooks through each face, a real push, deliveries shown."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console
from typer.testing import CliRunner

from forgehooks.cli import app
from forgehooks.config import Settings
from forgehooks.services import accounts, hooks, projects
from forgehooks.services.runtime import Runtime
from forgehooks.sources.demo import DemoFailed, run_demo
from tests.conftest import Seed
from tests.servers import LiveServer

pytestmark = pytest.mark.e2e


async def test_demo_shows_every_served_face_receiving_the_push(
    runtime: Runtime, seed: Seed, live_server: LiveServer
) -> None:
    console = Console(file=io.StringIO(), width=140, record=True)

    result = await run_demo(live_server.url, seed.token, console, wait=30)

    text = console.export_text()
    assert result.ok, text
    assert result.project["path"] == "alice/forgehooks-demo"
    created = [h for h in result.hooks if h.status == "created"]
    assert created[0].face == "forgehooks"
    assert not [h for h in result.hooks if h.status == "failed"], text
    served = {h.face for h in created}
    for hook in result.hooks:
        assert hook.face in served or "404" in hook.detail
    canonical = [json.loads(c.body) for c in result.received["forgehooks"]]
    assert sorted(e["kind"] for e in canonical) == ["branch_create", "push", "tag_create"]
    push = next(e for e in canonical if e["kind"] == "push")
    assert [c["title"] for c in push["body"]["commits"]] == ["Update the README"]
    assert push["body"]["commits"][0]["author_name"] == "Alice Liddell"
    for face in served:
        assert f"{next(h.title for h in created if h.face == face)}:" in text
    assert "Every hook got its deliveries" in text
    tokens = await accounts.list_tokens(runtime, seed.user)
    assert [t.name for t in tokens if not t.revoked] == ["default"], (
        "the git hook's token is revoked at the end"
    )


async def test_demo_with_a_bad_token_fails_cleanly(live_server: LiveServer) -> None:
    console = Console(file=io.StringIO(), width=140)
    with pytest.raises(DemoFailed) as failed:
        await run_demo(live_server.url, "not-a-token", console, wait=1)
    assert failed.value.status == 401 and "--token" in failed.value.advice()


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
async def test_a_service_refusing_local_targets_is_named_and_nothing_is_left_but_the_project(
    settings: Settings, runtime: Runtime, seed: Seed
) -> None:
    strict = settings.model_copy(update={"allow_local_targets": False})
    console = Console(file=io.StringIO(), width=140)
    with LiveServer(strict) as server, pytest.raises(DemoFailed) as failed:
        await run_demo(server.url, seed.token, console, wait=1)
    assert failed.value.local_targets_refused
    assert "FORGEHOOKS_ALLOW_LOCAL_TARGETS=true" in failed.value.advice()
    project = await projects.find_project(runtime, "alice/forgehooks-demo")
    assert await hooks.list_hooks(runtime, project, offset=0, limit=10) == ([], 0)
    alice = await accounts.find_user(runtime, "alice")
    tokens = await accounts.list_tokens(runtime, alice)
    assert [t.name for t in tokens if not t.revoked] == ["default"], "the git token was never left behind"


def test_the_demo_command_runs_on_a_service_of_its_own() -> None:
    # no --url, no --token: a throwaway service with local targets allowed, gone afterwards
    result = CliRunner().invoke(
        app, ["demo", "--wait", "30"], env={"FORGEHOOKS_URL": "", "FORGEHOOKS_TOKEN": ""}
    )
    assert result.exit_code == 0, result.output
    assert "Every hook got its deliveries." in result.output
