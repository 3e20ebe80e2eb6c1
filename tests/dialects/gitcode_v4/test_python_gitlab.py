"""Seed 000 (GitCode v4) sections 1-7 driven by the official client, python-gitlab, unchanged,
against the real service on a real port."""

from __future__ import annotations

import asyncio
import json
import warnings
from typing import Any

import gitlab
import pytest

from tests.conftest import Seed
from tests.receivers import Receiver
from tests.servers import LiveServer

SHA = "0123456789abcdef0123456789abcdef01234567"


def hook_life_cycle(base_url: str, token: str, project_id: int, receiver: Receiver) -> dict[str, Any]:
    """What python-gitlab users do with project hooks, end to end."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. a Link header pointing at another base URL
        gl = gitlab.Gitlab(base_url, private_token=token)
        project = gl.projects.get(project_id, lazy=True)
        made = [project.hooks.create({"url": f"{receiver.url}/h{n}", "token": f"t{n}"}) for n in range(5)]
        listed = project.hooks.list(get_all=True, per_page=2)
        one_page = project.hooks.list(per_page=2, page=3)
        hook = project.hooks.get(made[0].id)
        hook.note_events = True
        hook.pipeline_events = True
        hook.save()
        again = project.hooks.get(made[0].id)
        hook.test("push_events")
        made[1].delete()
        with pytest.raises(gitlab.GitlabGetError) as missing:
            project.hooks.get(made[1].id)
        return {
            "listed": [h.url for h in listed],
            "one_page": [h.url for h in one_page],
            "saved": again.attributes,
            "missing": missing.value.response_code,
            "count": len(project.hooks.list(get_all=True)),
        }


def status_life_cycle(base_url: str, token: str, project_path: str) -> dict[str, Any]:
    """Commit statuses through python-gitlab (project given as its path)."""
    gl = gitlab.Gitlab(base_url, private_token=token)
    commit = gl.projects.get(project_path, lazy=True).commits.get(SHA, lazy=True)
    created = commit.statuses.create(
        {"state": "running", "name": "ci", "ref": "main", "target_url": "https://ci"}
    )
    commit.statuses.create({"state": "success", "name": "ci", "ref": "main"})
    commit.statuses.create({"state": "pending", "name": "lint", "ref": "main"})
    return {
        "created": created.attributes,
        "listed": [s.attributes for s in commit.statuses.list(get_all=True)],
    }


async def test_python_gitlab_manages_hooks(live_server: LiveServer, seed: Seed, receiver: Receiver) -> None:
    result = await asyncio.to_thread(hook_life_cycle, live_server.url, seed.token, seed.project.id, receiver)
    assert result["listed"] == [f"{receiver.url}/h{n}" for n in range(5)]  # three pages followed
    assert result["one_page"] == [f"{receiver.url}/h4"]
    saved = result["saved"]
    assert saved["note_events"] is True and saved["pipeline_events"] is True
    assert saved["push_events"] is True and saved["url"] == f"{receiver.url}/h0"
    assert result["missing"] == 404 and result["count"] == 4
    (test_call,) = [r for r in receiver.received if r.path == "/h0"]
    assert test_call.header("X-GitCode-Event") == "Push Hook" and test_call.header("X-GitCode-Token") == "t0"
    assert json.loads(test_call.body)["object_kind"] == "push"


async def test_python_gitlab_hook_test_error_is_raised_on_failure(
    live_server: LiveServer, seed: Seed
) -> None:
    def failing_test() -> str:
        gl = gitlab.Gitlab(live_server.url, private_token=seed.token)
        project = gl.projects.get(seed.project.id, lazy=True)
        with Receiver() as gone:
            url = gone.url
        hook = project.hooks.create({"url": url})
        with pytest.raises(gitlab.GitlabHookTestError) as failed:
            hook.test("push_events")
        return str(failed.value.error_message)

    assert (await asyncio.to_thread(failing_test)).startswith("Hook execution failed")


async def test_python_gitlab_reports_and_lists_commit_statuses(
    live_server: LiveServer, seed: Seed, receiver: Receiver
) -> None:
    result = await asyncio.to_thread(status_life_cycle, live_server.url, seed.token, "acme/widgets")
    created = result["created"]
    assert (
        created["status"] == "running" and created["sha"] == SHA and created["author"]["username"] == "alice"
    )
    listed = result["listed"]
    assert [(s["name"], s["status"]) for s in listed] == [("lint", "pending"), ("ci", "success")]
    assert listed[1]["id"] == created["id"]


async def test_python_gitlab_bad_token_is_an_authentication_error(
    live_server: LiveServer, seed: Seed
) -> None:
    def listing() -> int:
        gl = gitlab.Gitlab(live_server.url, private_token="wrong")
        with pytest.raises(gitlab.GitlabAuthenticationError) as failed:
            gl.projects.get(seed.project.id, lazy=True).hooks.list()
        return int(failed.value.response_code or 0)

    assert await asyncio.to_thread(listing) == 401
