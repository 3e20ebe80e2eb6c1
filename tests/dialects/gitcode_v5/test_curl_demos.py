"""Seed 003 (GitCode v5 Webhook API), the "Demo" of each of sections 1-6: the document's own
curl lines, run with the real curl binary against a live server, changing only the host,
the token and the hook ids."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess

import pytest

from forgehooks.core.hooks import HookSpec
from forgehooks.services import hooks as hook_service
from forgehooks.services import projects
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed
from tests.receivers import Receiver
from tests.servers import LiveServer

DOC_HOST = "https://api.gitcode.com"
DOC_TOKEN = "{your-token}"

LIST = "curl --location --request GET 'https://api.gitcode.com/api/v5/repos/mactribe/test02/hooks?access_token={your-token}'"
CREATE = """curl --location --request POST 'https://api.gitcode.com/api/v5/repos/mactribe/test02/hooks?access_token={your-token}' \\
--header 'Content-Type: application/json' \\
--data-raw '{
    "url": "http://duxwsqdkyx.cu/px",
    "encryption_type": 0,
    "password": "123445",
    "push_events": false,
    "tag_push_events": false,
    "issues_events": true,
    "note_events": false,
    "merge_requests_events": true
}'"""  # noqa: E501 - the document's lines, verbatim
GET = "curl --location --request GET 'https://api.gitcode.com/api/v5/repos/mactribe/test02/hooks/9524?access_token={your-token}'"
UPDATE = """curl --location --request PATCH 'https://api.gitcode.com/api/v5/repos/mactribe/test02/hooks/9516?access_token={your-token}' \\
--header 'Content-Type: application/json' \\
--data-raw '{
    "url": "http://duxwsqdkyx.cu/dengmm",
    "encryption_type": 0,
    "password": "334455",
    "push_events": true,
    "tag_push_events": true,
    "issues_events": false,
    "note_events": true,
    "merge_requests_events": true
}'"""  # noqa: E501 - the document's lines, verbatim
DELETE = "curl --location --request DELETE 'https://api.gitcode.com/api/v5/repos/mactribe/test02/hooks/9516?access_token={your-token}'"
TEST = "curl --location --request POST 'https://api.gitcode.com/api/v5/repos/mactribe/test02/hooks/9516/tests?access_token={your-token}'"

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl binary")


async def run_demo(demo: str, server: LiveServer, token: str, ids: dict[str, int]) -> tuple[int, str]:
    """Run a document demo through bash, as written, with the host, token and ids swapped."""
    line = demo.replace(DOC_HOST, server.url).replace(DOC_TOKEN, token)
    for doc_id, real_id in ids.items():
        line = line.replace(f"/hooks/{doc_id}", f"/hooks/{real_id}")
    line = line.replace("curl ", "curl -sS --max-time 20 -w '\\n%{http_code}' ", 1)
    done = await asyncio.to_thread(
        subprocess.run, ["bash", "-c", line], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


async def test_the_six_documented_curl_demos_work_as_written(
    runtime: Runtime, seed: Seed, live_server: LiveServer, receiver: Receiver
) -> None:
    repo = await projects.create_project(runtime, seed.user, "mactribe/test02")
    target = await hook_service.create_hook(
        runtime, repo, HookSpec(url=receiver.url + "/tested", secret="pw"), "gitcode_v5"
    )

    status, body = await run_demo(CREATE, live_server, seed.token, {})
    assert status == 201, body
    created = json.loads(body)
    assert created["url"] == "http://duxwsqdkyx.cu/px" and created["issues_events"] is True
    assert created["result"] is None and created["result_code"] == 0

    status, body = await run_demo(LIST, live_server, seed.token, {})
    assert status == 200 and [h["id"] for h in json.loads(body)] == [target.id, created["id"]]

    status, body = await run_demo(GET, live_server, seed.token, {"9524": created["id"]})
    assert status == 200 and json.loads(body) == created

    status, body = await run_demo(UPDATE, live_server, seed.token, {"9516": created["id"]})
    assert status == 200, body
    updated = json.loads(body)
    assert updated["url"] == "http://duxwsqdkyx.cu/dengmm" and updated["password"] == "334455"
    assert (updated["push_events"], updated["issues_events"], updated["note_events"]) == (True, False, True)

    status, body = await run_demo(TEST, live_server, seed.token, {"9516": target.id})
    assert status == 204 and body == ""
    got = (await receiver.await_count(1))[0]
    assert got.path == "/tested" and got.header("X-GitCode-Token") == "pw"

    status, body = await run_demo(DELETE, live_server, seed.token, {"9516": created["id"]})
    assert status == 204 and body == ""
    status, body = await run_demo(GET, live_server, seed.token, {"9524": created["id"]})
    assert status == 404 and json.loads(body)["error_code"] == 404
