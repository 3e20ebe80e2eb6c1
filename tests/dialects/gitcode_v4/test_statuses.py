"""Seed 000 (GitCode v4) sections 7-8: report a PR pipeline's build status and quality report;
GitLab's listing of a commit's statuses; pipeline events published to subscribed hooks."""

from __future__ import annotations

import asyncio
import json
import re

import httpx

from forgehooks.core.projects import Role
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed, member
from tests.receivers import Receiver

SHA = "dd39828ef7ab863d7108d527c26d27f7c67708d5"
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00$")
STATUS_FIELDS = {
    "id",
    "sha",
    "ref",
    "status",
    "name",
    "target_url",
    "created_at",
    "started_at",
    "finished_at",
    "allow_failure",
    "trigger_user",
    "updated_at",
    "rebuild_failed_url",
    "third_build_id",
    "description",
    "author",
}
AUTHOR_FIELDS = {
    "id",
    "name",
    "username",
    "nick_name",
    "state",
    "avatar_url",
    "avatar_path",
    "email",
    "name_cn",
    "web_url",
    "tenant_name",
}
QUALITY_DATA = {
    "result": [
        {
            "time": "308",
            "tool": "codecheck",
            "result": [
                {"real": "0", "field": "critical", "is_gray": False, "expected": "<=0", "field_url": None}
            ],
            "status": "failed",
            "log_url": "https://example.com",
            "indicator": "",
            "line_break_flag": False,
        }
    ]
}


def auth(seed: Seed) -> dict[str, str]:
    return {"PRIVATE-TOKEN": seed.token}


async def post_status(client: httpx.AsyncClient, seed: Seed, **fields: object) -> httpx.Response:
    return await client.post(
        f"/api/v4/projects/{seed.project.id}/statuses/{SHA}", json=fields, headers=auth(seed)
    )


async def test_status_answers_the_documented_object(client: httpx.AsyncClient, seed: Seed) -> None:
    r = await post_status(
        client,
        seed,
        state="success",
        ref="test",
        name="cloudpipeline",
        target_url="https://example.com",
        description="",
        build_id="2b5c17e12f8640a38ab609263724d595",
        merge_request_iid=3,
        stage="build",
        stop_url="https://example.com/stop",  # sent by real CIs; ignored like any unknown field
        pipeline_detail='{"hook_id": 1}',
    )
    assert r.status_code == 201
    status = r.json()
    assert set(status) == STATUS_FIELDS and set(status["author"]) == AUTHOR_FIELDS
    assert isinstance(status["id"], int)
    assert (status["sha"], status["ref"], status["status"], status["name"]) == (
        SHA,
        "test",
        "success",
        "cloudpipeline",
    )
    assert status["target_url"] == "https://example.com" and status["description"] == ""
    assert TIME.match(status["created_at"]) and TIME.match(status["updated_at"])
    assert TIME.match(status["finished_at"]) and status["started_at"] is None
    assert status["allow_failure"] is False and status["trigger_user"] is None
    assert status["rebuild_failed_url"] is None
    assert status["third_build_id"] == "2b5c17e12f8640a38ab609263724d595"
    author = status["author"]
    assert (author["id"], author["username"], author["email"]) == (seed.user.id, "alice", "alice@example.com")
    assert author["name"] == "Alice Liddell" and author["state"] == "active"
    assert author["web_url"].endswith("/alice") and author["name_cn"] is None


async def test_same_name_updates_in_place_and_keeps_start_time(client: httpx.AsyncClient, seed: Seed) -> None:
    running = (await post_status(client, seed, state="running", ref="main", name="ci")).json()
    assert TIME.match(running["started_at"]) and running["finished_at"] is None
    failed = (await post_status(client, seed, state="failed", ref="main", name="ci")).json()
    assert failed["id"] == running["id"] and failed["created_at"] == running["created_at"]
    assert failed["started_at"] == running["started_at"] and TIME.match(failed["finished_at"])
    other = (await post_status(client, seed, state="pending", ref="main", context="lint")).json()
    assert other["id"] != running["id"] and other["name"] == "lint"


async def test_gitlab_listing_of_a_commits_statuses(client: httpx.AsyncClient, seed: Seed) -> None:
    for name in ("a", "b", "c"):
        await post_status(client, seed, state="pending", ref="main", name=name, stage="test")
    await post_status(client, seed, state="success", ref="dev", name="a")
    base = f"/api/v4/projects/acme%2Fwidgets/repository/commits/{SHA}/statuses"
    r = await client.get(base, params={"per_page": 2}, headers=auth(seed))
    assert r.status_code == 200 and r.headers["X-Total"] == "4" and r.headers["X-Total-Pages"] == "2"
    assert [s["name"] for s in r.json()] == ["a", "c"]  # newest first
    assert 'rel="next"' in r.headers["Link"]
    r = await client.get(base, params={"ref": "main", "name": "b"}, headers=auth(seed))
    assert [(s["name"], s["ref"]) for s in r.json()] == [("b", "main")]
    r = await client.get(
        f"/api/v4/projects/{seed.project.id}/repository/commits/{'0' * 40}/statuses", headers=auth(seed)
    )
    assert r.json() == [] and r.headers["X-Total"] == "0"


async def test_bad_status_input_is_gitlab_shaped(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    r = await post_status(client, seed, ref="main")
    assert r.status_code == 400 and r.json() == {"error": "state is missing"}
    r = await post_status(client, seed, state="exploded")
    assert r.status_code == 400 and r.json() == {"error": "state does not have a valid value"}
    r = await post_status(client, seed, state="success", name="x" * 300)
    assert r.status_code == 400 and r.json() == {"error": "name is invalid"}
    r = await post_status(client, seed, state="success", merge_request_iid=2**40)
    assert r.status_code == 400 and r.json() == {"error": "merge_request_iid is invalid"}
    r = await client.post(
        f"/api/v4/projects/{seed.project.id}/statuses/not-a-sha",
        json={"state": "success"},
        headers=auth(seed),
    )
    assert r.status_code == 404 and r.json() == {"message": "404 Commit Not Found"}
    reporter = await member(runtime, seed, "rita", Role.REPORTER)
    r = await client.post(
        f"/api/v4/projects/{seed.project.id}/statuses/{SHA}",
        json={"state": "success"},
        headers={"PRIVATE-TOKEN": reporter},
    )
    assert r.status_code == 403
    r = await client.get(
        f"/api/v4/projects/{seed.project.id}/repository/commits/{SHA}/statuses",
        headers={"PRIVATE-TOKEN": reporter},
    )
    assert r.status_code == 200


async def test_status_publishes_the_matching_pipeline_event(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    hooks = f"/api/v4/projects/{seed.project.id}/hooks"
    await client.post(
        hooks,
        json={"url": receiver.url + "/ci", "pipeline_events": True, "push_events": False},
        headers=auth(seed),
    )
    await client.post(hooks, json={"url": receiver.url + "/push-only"}, headers=auth(seed))
    for state in ("pending", "running", "success"):
        r = await post_status(
            client, seed, state=state, ref="main", name="build", stage="test", target_url="https://ci/1"
        )
        assert r.status_code == 201
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.new_worker().run(stop))
    try:
        got = await receiver.await_count(3)
    finally:
        stop.set()
        await task
    assert {g.path for g in got} == {"/ci"}
    assert all(g.header("X-GitCode-Event") == "Pipeline Hook" for g in got)
    payloads = sorted(
        (json.loads(g.body) for g in got),
        key=lambda p: ["pending", "running", "success"].index(p["object_attributes"]["status"]),
    )
    assert [p["object_attributes"]["status"] for p in payloads] == ["pending", "running", "success"]
    last = payloads[-1]
    assert last["object_kind"] == "pipeline" and last["object_attributes"]["sha"] == SHA
    assert last["object_attributes"]["ref"] == "main" and last["object_attributes"]["stages"] == ["test"]
    assert last["object_attributes"]["url"] == "https://ci/1" and last["user"]["username"] == "alice"
    assert isinstance(last["object_attributes"]["duration"], int)
    assert last["project"]["path_with_namespace"] == "acme/widgets"


async def test_quality_report_answers_the_documented_object(client: httpx.AsyncClient, seed: Seed) -> None:
    url = f"/api/v4/projects/{seed.project.id}/commits/{SHA}/quality"
    body = {
        "stage": "stage",
        "status": "success",
        "url": "",
        "ref": "main",
        "quality_data": QUALITY_DATA,
        "sha": SHA,
    }
    r = await client.post(url, json=body, headers=auth(seed))
    assert r.status_code == 201
    report = r.json()
    expected = {
        "pipeline_id",
        "stage",
        "status",
        "url",
        "message",
        "result",
        "version",
        "created_at",
        "updated_at",
    }
    assert set(report) == expected
    assert (report["stage"], report["status"], report["url"], report["message"]) == (
        "stage",
        "success",
        "",
        None,
    )
    assert report["result"] == QUALITY_DATA["result"] and report["version"] == 1
    assert TIME.match(report["created_at"]) and TIME.match(report["updated_at"])
    again = (
        await client.post(url, json=body | {"status": "failed", "message": "gate"}, headers=auth(seed))
    ).json()
    assert (
        again["version"] == 2 and again["pipeline_id"] == report["pipeline_id"] and again["message"] == "gate"
    )
    listed = (await client.get(url, headers=auth(seed))).json()
    assert [(q["stage"], q["status"], q["version"]) for q in listed] == [("stage", "failed", 2)]


async def test_quality_report_bad_input(client: httpx.AsyncClient, seed: Seed) -> None:
    url = f"/api/v4/projects/{seed.project.id}/commits/{SHA}/quality"
    r = await client.post(url, json={"quality_data": "text"}, headers=auth(seed))
    assert r.status_code == 400 and r.json() == {"error": "quality_data is invalid"}
    r = await client.post(url, json={"merge_request_id": "x"}, headers=auth(seed))
    assert r.status_code == 400 and r.json() == {"error": "merge_request_id is invalid"}
    r = await client.post(url, json={}, headers={"PRIVATE-TOKEN": "nope"})
    assert r.status_code == 401 and r.json() == {"message": "401 Unauthorized"}
