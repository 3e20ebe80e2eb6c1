"""Custom headers, URL variables, secret rotation and JSON attempt lines, end to end on both databases."""

from __future__ import annotations

import base64
import io
import json
import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from forgehooks.core.events import EventKind
from forgehooks.core.hooks import HookSpec, SecretScheme
from forgehooks.core.retry import RetryPolicy
from forgehooks.engine import attempt_log
from forgehooks.engine.attempts import MASK
from forgehooks.engine.sender import Sender
from forgehooks.services import hooks
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed
from tests.engine.conftest import attempts_of, deliveries_of, publish_pushes, wait_until_settled, working
from tests.receivers import Received, Receiver

API = "/api/forgehooks/v1"
URL_SECRET, PATH_SECRET, HEADER_SECRET = "url-var-s3cret", "path-s3cret", "header-s3cret"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def whsec(raw: bytes) -> str:
    return "whsec_" + base64.b64encode(raw.ljust(32, b"-")).decode()


def verifies(secret: str, got: Received) -> bool:
    try:
        Webhook(secret).verify(got.body, got.headers)
    except WebhookVerificationError:
        return False
    return True


async def test_custom_headers_and_url_variables_reach_the_receiver_and_the_log_stays_masked(
    runtime: Runtime, seed: Seed, receiver: Receiver, client: httpx.AsyncClient
) -> None:
    created = await client.post(
        f"{API}/projects/{seed.project.id}/hooks",
        json={
            "url": receiver.url + "/in/{path_key}?key={api_key}",
            "url_variables": {"api_key": URL_SECRET, "path_key": PATH_SECRET},
            "custom_headers": {"X-Team-Key": HEADER_SECRET, "Authorization": "Bearer " + HEADER_SECRET},
            "secret": "sign-s3cret",
        },
        headers=auth(seed.token),
    )
    assert created.status_code == 201, created.text
    assert created.json()["custom_headers"] == {"X-Team-Key": "****", "Authorization": "****"}
    await publish_pushes(runtime, seed, 1)
    async with working(runtime):
        [got] = await receiver.await_count(1)
        await wait_until_settled(runtime, {"succeeded"}, 1)
    assert got.path == f"/in/{PATH_SECRET}" and got.query == f"key={URL_SECRET}"
    assert got.header("X-Team-Key") == HEADER_SECRET
    assert got.header("Authorization") == "Bearer " + HEADER_SECRET
    assert got.header("X-Forgehooks-Signature") is not None

    hook = await hooks.get_hook(runtime, seed.project, created.json()["id"])
    [delivery] = await deliveries_of(runtime, seed.project, hook)
    [attempt] = await attempts_of(runtime, delivery.id)
    assert attempt.request_url == receiver.url + "/in/{path_key}?key={api_key}"
    assert attempt.request_headers["X-Team-Key"] == MASK
    assert attempt.request_headers["Authorization"] == MASK
    shown = await client.get(
        f"{API}/projects/{seed.project.id}/deliveries/{delivery.id}", headers=auth(seed.token)
    )
    assert shown.status_code == 200
    [shown_attempt] = shown.json()["attempts"]
    assert shown_attempt["request_url"] == receiver.url + "/in/{path_key}?key={api_key}"
    assert shown_attempt["request_headers"]["X-Team-Key"] == MASK
    for secret in (URL_SECRET, PATH_SECRET, HEADER_SECRET, "sign-s3cret"):
        assert secret not in shown.text


async def test_a_custom_header_named_like_the_faces_token_header_does_not_replace_it(
    runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    spec = HookSpec(
        url=receiver.url,
        events=frozenset({EventKind.PUSH}),
        secret="real-token",
        secret_scheme=SecretScheme.TOKEN,
        custom_headers={"x-gitcode-token": "forged", "x-gitcode-event": "Forged Hook", "X-Extra": "kept"},
    )
    hook = await hooks.create_hook(runtime, seed.project, spec, "gitcode_v4")
    await publish_pushes(runtime, seed, 1)
    async with working(runtime):
        [got] = await receiver.await_count(1)
        await wait_until_settled(runtime, {"succeeded"}, 1)
    assert got.header("X-GitCode-Token") == "real-token"
    assert got.header("X-GitCode-Event") == "Push Hook"
    assert got.header("X-Extra") == "kept"
    assert "forged" not in json.dumps(got.headers)
    [delivery] = await deliveries_of(runtime, seed.project, hook)
    [attempt] = await attempts_of(runtime, delivery.id)
    assert attempt.request_headers["X-GitCode-Token"] == MASK
    assert attempt.request_headers["X-Extra"] == MASK


async def test_rotation_signs_with_both_secrets_during_the_grace_period_only(
    runtime: Runtime, seed: Seed, receiver: Receiver, client: httpx.AsyncClient
) -> None:
    old, new, newer = whsec(b"old"), whsec(b"new"), whsec(b"newer")
    created = await client.post(
        f"{API}/projects/{seed.project.id}/hooks",
        json={"url": receiver.url, "secret": old, "standard_webhooks": True},
        headers=auth(seed.token),
    )
    hook_url = f"{API}/projects/{seed.project.id}/hooks/{created.json()['id']}"
    rotated = await client.post(f"{hook_url}/rotate-secret", json={"secret": new}, headers=auth(seed.token))
    assert rotated.status_code == 200, rotated.text
    until = datetime.fromisoformat(rotated.json()["previous_secret_until"])
    assert abs(until - (datetime.now(UTC) + timedelta(hours=24))) < timedelta(minutes=1)

    async with working(runtime):
        await publish_pushes(runtime, seed, 1)
        [during] = await receiver.await_count(1)
        assert len(during.header("webhook-signature").split(" ")) == 2  # type: ignore[union-attr]
        assert verifies(new, during) and verifies(old, during)

        ended = await client.post(
            f"{hook_url}/rotate-secret", json={"secret": newer, "grace_hours": 0}, headers=auth(seed.token)
        )
        assert ended.status_code == 200
        await publish_pushes(runtime, seed, 1)
        after = (await receiver.await_count(2))[1]
        await wait_until_settled(runtime, {"succeeded"}, 2)
    assert len(after.header("webhook-signature").split(" ")) == 1  # type: ignore[union-attr]
    assert verifies(newer, after)
    assert not verifies(new, after) and not verifies(old, after)


async def test_each_attempt_writes_one_json_line_without_secrets(
    runtime: Runtime, seed: Seed, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=attempt_log.LOGGER_NAME)
    spec = HookSpec(
        url=receiver.url + "/in?key={api_key}",
        url_variables={"api_key": URL_SECRET},
        custom_headers={"X-Team-Key": HEADER_SECRET},
        secret="token-s3cret",
        secret_scheme=SecretScheme.TOKEN,
    )
    hook = await hooks.create_hook(runtime, seed.project, spec, "forgehooks")
    [event_id] = await publish_pushes(runtime, seed, 1)
    async with working(runtime):
        await receiver.await_count(1)
        await wait_until_settled(runtime, {"succeeded"}, 1)
    lines = [r for r in caplog.records if r.name == attempt_log.LOGGER_NAME]
    assert len(lines) == 1
    text = lines[0].getMessage()
    fields = json.loads(text)
    [delivery] = await deliveries_of(runtime, seed.project, hook)
    assert fields["delivery_id"] == delivery.id and fields["event_id"] == event_id
    assert fields["hook_id"] == hook.id and fields["project_id"] == seed.project.id
    assert fields["dialect"] == "forgehooks" and fields["event_kind"] == "push"
    assert fields["attempt"] == 1 and fields["status"] == 200 and fields["verdict"] == "success"
    assert fields["state"] == "succeeded" and fields["next_attempt_at"] is None
    assert fields["url"] == receiver.url + "/in?key={api_key}"
    assert fields["duration_ms"] > 0
    for secret in (URL_SECRET, HEADER_SECRET, "token-s3cret"):
        assert secret not in text


def test_configure_writes_bare_json_lines_or_keeps_them_quiet() -> None:
    logger = logging.getLogger(attempt_log.LOGGER_NAME)
    saved = (logger.level, logger.propagate, list(logger.handlers))
    stream = io.StringIO()
    try:
        attempt_log.configure("json", stream)
        attempt_log.configure("json", stream)  # idempotent: still one handler
        logger.info('{"attempt":1}')
        assert stream.getvalue() == '{"attempt":1}\n'
        attempt_log.configure("off")
        logger.info('{"attempt":2}')
        assert stream.getvalue() == '{"attempt":1}\n'
        assert not logger.isEnabledFor(logging.INFO)
    finally:
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logger.handlers[:] = saved[2]


async def test_the_ssrf_guard_checks_the_expanded_host_at_send_time(
    runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    spec = HookSpec(
        url=f"http://{{target}}:{receiver.port}/in",
        events=frozenset({EventKind.PUSH}),
        url_variables={"target": "localhost"},
    )
    hook = await hooks.create_hook(runtime, seed.project, spec, "forgehooks")  # tests allow local targets
    await publish_pushes(runtime, seed, 1)
    guarded = Sender(allow_local=False)
    try:
        async with working(runtime, sender=guarded, retry=RetryPolicy(schedule=(0,))):
            await wait_until_settled(runtime, {"failed"}, 1)
    finally:
        await guarded.close()
    assert receiver.received == []
    [delivery] = await deliveries_of(runtime, seed.project, hook)
    [attempt] = await attempts_of(runtime, delivery.id)
    assert attempt.error.startswith("blocked: receiver address is not public"), attempt.error
    assert "localhost" not in attempt.error and attempt.request_url == spec.url


async def test_setting_the_secret_outright_ends_a_rotation_overlap(
    runtime: Runtime, seed: Seed, receiver: Receiver, client: httpx.AsyncClient
) -> None:
    old, new, replaced = whsec(b"old"), whsec(b"new"), whsec(b"replaced")
    created = await client.post(
        f"{API}/projects/{seed.project.id}/hooks",
        json={"url": receiver.url, "secret": old, "standard_webhooks": True},
        headers=auth(seed.token),
    )
    hook_url = f"{API}/projects/{seed.project.id}/hooks/{created.json()['id']}"
    await client.post(f"{hook_url}/rotate-secret", json={"secret": new}, headers=auth(seed.token))
    patched = await client.patch(hook_url, json={"secret": replaced}, headers=auth(seed.token))
    assert patched.status_code == 200, patched.text
    async with working(runtime):
        await publish_pushes(runtime, seed, 1)
        [got] = await receiver.await_count(1)
    assert verifies(replaced, got)
    assert not verifies(new, got) and not verifies(old, got), "a leaked secret is replaced, not rotated"
