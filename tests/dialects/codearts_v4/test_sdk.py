"""Seed 004 (CodeArts Repo v4): Huawei Cloud's official `huaweicloudsdkcodeartsrepo` client lists,
adds, shows, updates and removes hooks and reads their logs against a live server, with the
credential in `X-Auth-Token` (its AK/SK signature is ignored)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from huaweicloudsdkcodeartsrepo.v4 import (
    AddProjectWebhookRequest,
    CodeArtsRepoClient,
    ListProjectWebhookLogsRequest,
    ListProjectWebhooksRequest,
    RemoveProjectWebhookRequest,
    ShowProjectWebhookLogRequest,
    ShowProjectWebhookRequest,
    UpdateProjectWebhookRequest,
    WebhookParamsDto,
)
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.invoker.invoker import SyncInvoker

from tests.conftest import Seed
from tests.receivers import Receiver
from tests.servers import LiveServer


def sdk_client(server: LiveServer) -> CodeArtsRepoClient:
    """The official client, pointed at the live server, with made-up AK/SK."""
    credentials = BasicCredentials("AKEXAMPLE", "SKEXAMPLE", "0" * 32)
    return CodeArtsRepoClient.new_builder().with_credentials(credentials).with_endpoint(server.url).build()


def call(invoker: SyncInvoker, token: str) -> Any:
    """Send one SDK request with the user token in `X-Auth-Token`."""
    return invoker.add_header("X-Auth-Token", token).invoke()


def life_cycle(server: LiveServer, seed: Seed, receiver: Receiver) -> None:
    client = sdk_client(server)
    pid, token = seed.project.hex_id, seed.token
    params = WebhookParamsDto(
        url=f"{receiver.url}/sdk",
        push_events=True,
        push_events_branch_regex_filter="^main$",
        tag_push_events=True,
        token="sdk-token",
        name="sdk hook",
        description="made by the SDK",
    )
    added = call(
        client.add_project_webhook_invoker(AddProjectWebhookRequest(project_id=pid, body=params)), token
    )
    assert added.id >= 1 and added.url == f"{receiver.url}/sdk"
    assert added.token == "************" and added.token_type == "X-Repo-Token"
    assert added.push_events_branch_regex_filter == "^main$" and added.tag_push_events is True

    listed = call(
        client.list_project_webhooks_invoker(ListProjectWebhooksRequest(project_id=pid, limit=10)), token
    )
    assert listed.x_total == "1" and [h.id for h in listed.body] == [added.id]
    assert listed.body[0].created_at == added.created_at

    shown = call(
        client.show_project_webhook_invoker(ShowProjectWebhookRequest(project_id=pid, hook_id=added.id)),
        token,
    )
    assert shown.name == "sdk hook" and shown.description == "made by the SDK"

    change = WebhookParamsDto(name="renamed", merge_requests_events=True)
    updated = call(
        client.update_project_webhook_invoker(
            UpdateProjectWebhookRequest(project_id=pid, hook_id=added.id, body=change)
        ),
        token,
    )
    assert updated.name == "renamed" and updated.merge_requests_events is True
    assert updated.description == "made by the SDK" and updated.push_events_branch_regex_filter == "^main$"
    assert updated.token == "************"

    logs = call(
        client.list_project_webhook_logs_invoker(
            ListProjectWebhookLogsRequest(project_id=pid, hook_id=added.id)
        ),
        token,
    )
    assert logs.x_total == "0" and not logs.body

    call(
        client.remove_project_webhook_invoker(RemoveProjectWebhookRequest(project_id=pid, hook_id=added.id)),
        token,
    )
    with pytest.raises(ClientRequestException) as missing:
        call(
            client.show_project_webhook_invoker(ShowProjectWebhookRequest(project_id=pid, hook_id=added.id)),
            token,
        )
    assert missing.value.status_code == 404 and missing.value.error_code == "CH.000404"

    with pytest.raises(ClientRequestException) as unauthorized:
        call(client.list_project_webhooks_invoker(ListProjectWebhooksRequest(project_id=pid)), "wrong")
    assert unauthorized.value.status_code == 401
    assert unauthorized.value.error_code == "DEV.00000003"
    assert unauthorized.value.error_msg == "Authentication information expired."


async def test_official_sdk_drives_the_life_cycle(
    live_server: LiveServer, seed: Seed, receiver: Receiver
) -> None:
    await asyncio.to_thread(life_cycle, live_server, seed, receiver)


def logs_of_a_delivery(server: LiveServer, seed: Seed, receiver: Receiver) -> None:
    client = sdk_client(server)
    pid, token = seed.project.hex_id, seed.token
    params = WebhookParamsDto(url=f"{receiver.url}/logged", token="tok", token_type="X-Gitlab-Token")
    added = call(
        client.add_project_webhook_invoker(AddProjectWebhookRequest(project_id=pid, body=params)), token
    )
    r = httpx.post(
        f"{server.url}/api/forgehooks/v1/projects/{pid}/events",
        json={"kind": "push", "body": {"ref": "refs/heads/main", "before": "1" * 40, "after": "2" * 40}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text
    (got,) = receiver.wait_for(1, timeout=30)  # generous: the machine is shared
    assert got.header("X-Gitlab-Token") == "tok" and got.header("X-Codehub-Event") == "Push Hook"
    request = ListProjectWebhookLogsRequest(project_id=pid, hook_id=added.id, offset=0, limit=5)
    deadline = time.monotonic() + 30
    logs = call(client.list_project_webhook_logs_invoker(request), token)
    while logs.x_total == "0" and time.monotonic() < deadline:  # the attempt is recorded after the send
        time.sleep(0.05)
        logs = call(client.list_project_webhook_logs_invoker(request), token)
    assert logs.x_total == "1"
    entry = logs.body[0]
    assert entry.web_hook_id == added.id and entry.response_status == "200" and entry.trigger == "push_hooks"
    assert entry.repository.id == seed.project.id
    detail = call(
        client.show_project_webhook_log_invoker(
            ShowProjectWebhookLogRequest(project_id=pid, hook_id=added.id, log_id=entry.id)
        ),
        token,
    )
    assert detail.uuid == entry.uuid and detail.request_data["ref"] == "refs/heads/main"
    assert detail.request_headers["X-Gitlab-Token"] != "tok"


async def test_official_sdk_reads_the_hook_logs(
    live_server: LiveServer, seed: Seed, receiver: Receiver
) -> None:
    await asyncio.to_thread(logs_of_a_delivery, live_server, seed, receiver)
