"""Seed 001_0f664279d6eed962.txt, 调试/请求头 (OpenAPI Explorer, SDK, 公共请求头): Alibaba Cloud's Codeup
SDK (alibabacloud_codeup20200414) signs with AK/SK or a bearer token, passes AccessToken; driven for real."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from alibabacloud_codeup20200414 import models
from alibabacloud_codeup20200414.client import Client
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_util import models as util_models

from tests.dialects.codeup_v3.conftest import ORG, Repo
from tests.receivers import Receiver
from tests.servers import LiveServer


def sdk(server: LiveServer, *, bearer: bool = False) -> Client:
    """The official client pointed at the live server over plain HTTP."""
    endpoint = f"127.0.0.1:{server.port}"
    if bearer:
        config = open_api_models.Config(bearer_token="cloud-bearer", endpoint=endpoint, protocol="http")
    else:
        config = open_api_models.Config(
            access_key_id="LTAI-any", access_key_secret="any-secret", endpoint=endpoint, protocol="http"
        )
    config.read_timeout = 20_000
    config.connect_timeout = 5_000
    return Client(config)


def call(client: Client, action: str, method: str, pathname: str, token: str, body: Any = None) -> Any:
    """An action the generated client lacks (or sends without a body), through its own `call_api`."""
    request = open_api_models.OpenApiRequest(
        query={"AccessToken": token, "OrganizationId": ORG}, body=body, headers={}
    )
    params = open_api_models.Params(
        action=action,
        version="2020-04-14",
        protocol="HTTPS",
        pathname=pathname,
        method=method,
        auth_type="AK",
        style="ROA",
        req_body_type="json",
        body_type="json",
    )
    return client.call_api(params, request, util_models.RuntimeOptions())["body"]


def life_cycle(server: LiveServer, repo: Repo, url: str) -> None:
    client = sdk(server)
    pid = str(repo.project.id)
    listed = client.list_repository_webhook(
        pid,
        models.ListRepositoryWebhookRequest(
            access_token=repo.token, organization_id=ORG, page=1, page_size=10
        ),
    )
    assert listed.status_code == 200 and listed.body.success is True and listed.body.total == 0
    hooks = f"/api/v3/projects/{pid}/hooks"
    body = {"url": url, "merge_reqeusts_events": True, "secret_token": "s"}
    created = call(client, "AddWebhook", "POST", hooks, repo.token, body)
    assert created["Success"] is True
    hook_id = created["Result"]["Id"]
    assert created["Result"]["MergeRequestsEvents"] is True and created["Result"]["SecretToken"] == "s"
    path = f"{hooks}/{hook_id}"
    updated = call(client, "UpdateRepositoryWebhook", "PUT", path, repo.token, {"push_events": False})
    assert updated["Result"]["PushEvents"] is False and updated["Result"]["MergeRequestsEvents"] is True
    tested = call(client, "TestRepositoryWebhook", "POST", f"{path}/test", repo.token, {"trigger": "push"})
    assert tested["Result"]["StatusCode"] == 200 and tested["Result"]["LastTestResult"] == "ok"
    listed = client.list_repository_webhook(
        pid,
        models.ListRepositoryWebhookRequest(
            access_token=repo.token, organization_id=ORG, page=1, page_size=10
        ),
    )
    assert listed.body.total == 1
    hook = listed.body.result[0]
    assert (
        hook.id == hook_id and hook.url == url and hook.push_events is False and hook.last_test_result == "ok"
    )
    assert hook.created_at.endswith("+08:00") and hook.project_id == repo.project.id
    deleted = client.delete_repository_webhook(
        pid, str(hook_id), models.DeleteRepositoryWebhookRequest(access_token=repo.token, organization_id=ORG)
    )
    assert deleted.body.success is True and deleted.body.result.id == hook_id
    empty = sdk(server, bearer=True).list_repository_webhook(
        pid, models.ListRepositoryWebhookRequest(access_token=repo.token, organization_id=ORG)
    )
    assert empty.body.success is True and empty.body.total == 0 and empty.body.result == []


def refusals(server: LiveServer, repo: Repo) -> None:
    client = sdk(server)
    pid = str(repo.project.id)
    with pytest.raises(ClientException) as bodiless:
        client.add_webhook(pid, models.AddWebhookRequest(access_token=repo.token, organization_id=ORG))
    assert bodiless.value.status_code == 400
    assert bodiless.value.data["ErrorCode"] == "InvalidParameter" and bodiless.value.data["Success"] is False
    with pytest.raises(ClientException) as wrong:
        client.list_repository_webhook(
            pid, models.ListRepositoryWebhookRequest(access_token="fh_no", organization_id=ORG)
        )
    assert wrong.value.status_code == 401 and wrong.value.data["ErrorCode"] == "Unauthorized"


async def test_sdk_drives_the_life_cycle(live_server: LiveServer, repo: Repo, receiver: Receiver) -> None:
    await asyncio.to_thread(life_cycle, live_server, repo, f"{receiver.url}/sdk")
    sent = receiver.received[-1]
    assert sent.path == "/sdk" and sent.header("Codeup-Event") == "Push Hook"
    assert sent.header("X-Codeup-Token") == "s"


async def test_sdk_sees_envelope_errors_as_client_errors(live_server: LiveServer, repo: Repo) -> None:
    await asyncio.to_thread(refusals, live_server, repo)
