"""The installed post-receive hook: install rules, spooling while the service is down, flushing later."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from forgehooks.core.events import EventKind
from forgehooks.core.hooks import HookSpec
from forgehooks.core.projects import Role
from forgehooks.services import accounts, hooks, projects
from forgehooks.services.runtime import Runtime
from forgehooks.sources import post_receive
from forgehooks.sources.spool import Spool, Verdict
from tests.conftest import Seed
from tests.receivers import Receiver
from tests.servers import LiveServer, free_port
from tests.sources.workspace import Workspace

REF_KINDS = frozenset(
    {
        EventKind.PUSH,
        EventKind.BRANCH_CREATE,
        EventKind.BRANCH_DELETE,
        EventKind.TAG_CREATE,
        EventKind.TAG_PUSH,
    }
)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers (a hung service)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def spooled(ws: Workspace) -> list[Path]:
    return Spool(ws.bare / post_receive.SPOOL_FOLDER).pending()


def test_install_writes_an_executable_hook_and_the_configuration(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    target = post_receive.install(ws.bare, "acme/widgets", "http://forge.test/", "tok-1")
    assert target == ws.bare / "hooks" / "post-receive" and target.stat().st_mode & 0o111
    assert post_receive.HOOK_MARKER in target.read_text()
    config = post_receive.HookConfig.read(ws.bare)
    assert (config.url, config.token, config.project) == ("http://forge.test", "tok-1", "acme/widgets")
    assert config.web_url == "http://forge.test/acme/widgets"
    assert (ws.bare / "config").stat().st_mode & 0o077 == 0  # the token is not world-readable


def test_install_refuses_to_replace_a_foreign_hook_and_bad_paths(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    (ws.bare / "hooks" / "post-receive").write_text("#!/bin/sh\necho mine\n")
    with pytest.raises(post_receive.HookSetupError, match="--force"):
        post_receive.install(ws.bare, "acme/widgets", "http://forge.test", "t")
    post_receive.install(ws.bare, "acme/widgets", "http://forge.test", "t", force=True)
    with pytest.raises(post_receive.HookSetupError, match="OWNER/NAME"):
        post_receive.install(ws.bare, "widgets", "http://forge.test", "t")
    with pytest.raises(post_receive.HookSetupError, match="not a git repository"):
        post_receive.install(tmp_path / "nowhere", "acme/widgets", "http://forge.test", "t")


def test_a_push_succeeds_and_spools_when_the_service_is_down(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    post_receive.install(ws.bare, "acme/widgets", f"http://127.0.0.1:{free_port()}", "t")
    ws.commit("First")
    output = ws.push("main")
    assert "1 event(s) wait in" in output and "git-hook flush" in output
    [entry] = [json.loads(p.read_text()) for p in spooled(ws)]
    assert entry["project"] == "acme/widgets" and entry["event"]["kind"] == "branch_create"
    assert entry["event"]["body"]["commits"][0]["title"] == "First"


def test_a_hung_service_cannot_hold_a_push_beyond_the_budget(tmp_path: Path, silent_port: int) -> None:
    ws = Workspace(tmp_path)
    post_receive.install(ws.bare, "acme/widgets", f"http://127.0.0.1:{silent_port}", "t")
    ws.git("config", "--file", str(ws.bare / "config"), "forgehooks.budget", "2")
    ws.commit("First")
    started = time.monotonic()
    output = ws.push("main")
    assert time.monotonic() - started < 10
    assert "wait in" in output and len(spooled(ws)) == 1


def test_a_repository_without_configuration_does_not_break_the_push(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    post_receive.install(ws.bare, "acme/widgets", "http://forge.test", "t")
    ws.run_git(ws.root, "config", "--file", str(ws.bare / "config"), "--unset", "forgehooks.token")
    ws.commit("First")
    assert "events not published" in ws.push("main")


async def test_spooled_events_are_flushed_in_order_once_the_service_is_back(
    tmp_path: Path, runtime: Runtime, seed: Seed, receiver: Receiver, live_server: LiveServer
) -> None:
    await hooks.create_hook(runtime, seed.project, HookSpec(url=receiver.url, events=REF_KINDS), "forgehooks")
    ws = Workspace(tmp_path)
    post_receive.install(ws.bare, seed.project.path, f"http://127.0.0.1:{free_port()}", seed.token)
    ws.commit("One")
    ws.push("main")
    ws.commit("Two")
    ws.push("main")
    assert len(spooled(ws)) == 2
    ws.git("config", "--file", str(ws.bare / "config"), "forgehooks.url", live_server.url)

    report = post_receive.flush(ws.bare)

    assert (report.sent, report.left, report.rejected) == (2, 0, 0) and spooled(ws) == []
    got = await receiver.await_count(2)
    kinds = sorted(
        (json.loads(r.body)["kind"], json.loads(r.body)["body"]["commits"][-1]["title"]) for r in got
    )
    assert kinds == [("branch_create", "One"), ("push", "Two")]


async def test_bad_events_are_set_aside_and_a_bad_token_keeps_them_waiting(
    tmp_path: Path, seed: Seed, live_server: LiveServer
) -> None:
    config = post_receive.HookConfig(url=live_server.url, token=seed.token, project=seed.project.path)
    send = post_receive.native_sender(config, timeout=5)
    bad = {"project": seed.project.path, "event": {"kind": "push", "body": {"ref": 5}}}
    verdict, detail = send(bad)
    assert verdict is Verdict.REJECTED and ("400" in detail or "422" in detail)
    wrong_token = post_receive.native_sender(
        post_receive.HookConfig(url=live_server.url, token="nope", project=seed.project.path), timeout=5
    )
    good = {"project": seed.project.path, "event": {"kind": "push", "body": {"ref": "refs/heads/main"}}}
    assert wrong_token(good)[0] is Verdict.RETRY
    assert send(good)[0] is Verdict.SENT

    spool = Spool(tmp_path / "spool")
    spool.add(bad)
    spool.add(good)
    report = spool.flush(send, time.monotonic() + 10)
    assert (report.sent, report.rejected) == (1, 1) and len(list(spool.rejected.glob("*.json"))) == 1


def test_the_cli_installs_and_flushes(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from forgehooks.cli import app

    ws = Workspace(tmp_path)
    runner = CliRunner()
    args = ["git-hook", "install", str(ws.bare), "--project", "acme/widgets"]
    refused = runner.invoke(app, args, env={"FORGEHOOKS_TOKEN": ""})
    assert refused.exit_code != 0 and "token" in refused.output
    done = runner.invoke(app, [*args, "--url", "http://127.0.0.1:1", "--token", "t"])
    assert done.exit_code == 0, done.output
    assert post_receive.HookConfig.read(ws.bare).url == "http://127.0.0.1:1"
    flushed = runner.invoke(app, ["git-hook", "flush", str(ws.bare)])
    assert flushed.exit_code == 0 and "sent 0" in flushed.output


def test_the_pusher_comes_from_the_servers_environment_then_the_user_map(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    post_receive.install(ws.bare, "acme/widgets", "http://127.0.0.1:1", "t")
    config = post_receive.HookConfig.read(ws.bare)
    assert config.pusher({"GL_USERNAME": "grace", "REMOTE_USER": "www"}) == "grace"  # GitLab shell first
    assert config.pusher({"GL_USER": "linus"}) == "linus"  # gitolite
    assert config.pusher({"REMOTE_USER": "ada"}) == "ada"  # smart HTTP behind a web server's login
    assert config.pusher({"USER": "git"}) is None  # the shared ssh account names nobody
    ws.git("config", "--file", str(ws.bare / "config"), "--add", "forgehooks.usermap", "ada=ada.lovelace")
    ws.git("config", "--file", str(ws.bare / "config"), "forgehooks.userfromenv", "SSH_PUSHER")
    config = post_receive.HookConfig.read(ws.bare)
    assert config.pusher({"SSH_PUSHER": "ada", "GL_USERNAME": "grace"}) == "ada.lovelace"
    assert config.pusher({"GL_USERNAME": "grace"}) is None  # only the configured variable counts


async def test_a_real_push_names_the_pusher_not_the_tokens_owner(
    tmp_path: Path, runtime: Runtime, seed: Seed, receiver: Receiver, live_server: LiveServer
) -> None:
    pusher = await accounts.create_user(runtime, "grace", name="Grace Hopper", email="grace@example.com")
    await hooks.create_hook(runtime, seed.project, HookSpec(url=receiver.url, events=REF_KINDS), "forgehooks")
    ws = Workspace(tmp_path)
    post_receive.install(ws.bare, seed.project.path, live_server.url, seed.token)
    ws.commit("One")
    ws.env["GL_USERNAME"] = "grace"  # what GitLab's shell or gitolite sets for the hook
    ws.push("main")
    ws.env["GL_USERNAME"] = "someone-unknown"
    ws.commit("Two")
    ws.push("main")
    first, second = sorted(
        (json.loads(r.body) for r in await receiver.await_count(2)), key=lambda e: e["kind"]
    )
    assert first["actor"]["username"] == "grace" and first["actor"]["id"] == pusher.id != seed.user.id
    assert first["actor"]["email"] == "grace@example.com"
    assert second["actor"]["username"] == "someone-unknown" and second["actor"]["id"] == 0


async def test_only_a_maintainers_token_may_name_another_pusher(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    developer = await accounts.create_user(runtime, "dev")
    await projects.add_member(runtime, seed.project, "dev", Role.DEVELOPER)
    token = (await accounts.issue_token(runtime, developer)).value
    url = "/api/forgehooks/v1/projects/acme%2Fwidgets/events"
    event = {"kind": "push", "body": {"ref": "refs/heads/main"}}
    as_dev = {"Authorization": f"Bearer {token}"}
    assert (await client.post(url, json=event | {"pusher": "dev"}, headers=as_dev)).status_code == 201
    assert (await client.post(url, json=event | {"pusher": "alice"}, headers=as_dev)).status_code == 403
    owner = {"Authorization": f"Bearer {seed.token}"}
    assert (await client.post(url, json=event | {"pusher": "dev"}, headers=owner)).status_code == 201
