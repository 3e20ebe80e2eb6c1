"""The one secret policy of every face: a secret is shown in clear only by the face that made
the hook, where its document shows one (Codeup v3, GitFlic, GitCode v5); masked everywhere
else. A password in a hook URL is never shown, and is stored encrypted, not in the URL column."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest
from sqlalchemy import select

from forgehooks.core.hooks import HookSpec
from forgehooks.services import hooks
from forgehooks.services.runtime import Runtime
from forgehooks.store.tables import hooks as hooks_table
from tests.api.faces import DIALECTS, FACES, face_paths
from tests.conftest import Seed
from tests.receivers import Received, Receiver, Reply

#: Faces whose documents show a hook's secret in their answers.
SHOWING = {"codeup_v3": "SecretToken", "gitflic": "secret", "gitcode_v5": "password"}


def secret_of(dialect: str) -> str:
    return f"s3cret-of-{dialect}"


async def made_through_every_face(runtime: Runtime, seed: Seed) -> None:
    for dialect in DIALECTS.values():
        spec = HookSpec(url=f"http://alice:pw-of-{dialect}@127.0.0.1:9/{dialect}", secret=secret_of(dialect))
        await hooks.create_hook(runtime, seed.project, spec, dialect)


@pytest.mark.parametrize("face", FACES)
async def test_no_answer_shows_a_secret_set_through_another_face(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, face: str
) -> None:
    await made_through_every_face(runtime, seed)
    url, headers = face_paths(seed)[face]
    listed = await client.get(url, headers=headers)
    assert listed.status_code == 200, listed.text
    path, _, query = url.partition("?")
    shown = [listed.text]
    for hook in (await hooks.list_hooks(runtime, seed.project, offset=0, limit=100))[0]:
        hook_id = hook.uuid if face == "gitflic" else hook.id
        one = await client.get(f"{path}/{hook_id}" + (f"?{query}" if query else ""), headers=headers)
        assert one.status_code == 200, one.text
        shown.append(one.text)
    everything = "\n".join(shown)
    assert "pw-of-" not in everything  # no URL password, on any hook
    for dialect in DIALECTS.values():
        visible = face in SHOWING and dialect == DIALECTS[face]
        assert (secret_of(dialect) in everything) is visible, dialect


async def test_a_url_password_is_stored_encrypted_and_still_sent(runtime: Runtime, seed: Seed) -> None:
    hook = await hooks.create_hook(
        runtime, seed.project, HookSpec(url="https://alice:pa%40ss@example.com/in"), "gitcode_v4"
    )
    assert hook.url == "https://alice:{url_password}@example.com/in"
    async with runtime.db.reading() as conn:
        stored = (await conn.execute(select(hooks_table).where(hooks_table.c.id == hook.id))).one()
    assert "pa%40ss" not in repr(stored)
    again = await hooks.get_hook(runtime, seed.project, hook.id)
    basic = base64.b64encode(b"alice:pa@ss").decode()
    assert again.url_variables == {"url_password": "pa%40ss", "url_basic_credentials": basic}


async def test_an_echoed_authorization_header_is_masked_in_the_delivery_log(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    def echo(request: Received) -> Reply:
        auth = request.header("Authorization") or ""
        return Reply(body=f"you sent {auth}".encode(), headers={"X-Echo": auth})

    with Receiver(echo) as receiver:
        url = receiver.url.replace("http://", "http://ci:hunter2@") + "/in"
        hook = await hooks.create_hook(runtime, seed.project, HookSpec(url=url), "forgehooks")
        base, headers = face_paths(seed)["native"]
        body = {"ref": "refs/heads/main", "before": "a" * 40, "after": "b" * 40}
        events = base.removesuffix("/hooks") + "/events"
        assert (
            await client.post(events, json={"kind": "push", "body": body}, headers=headers)
        ).status_code == 201
        stop = asyncio.Event()
        worker = asyncio.create_task(runtime.new_worker().run(stop))
        got = (await receiver.await_count(1))[0]
        stop.set()
        await worker
    basic = base64.b64encode(b"ci:hunter2").decode()
    assert got.header("Authorization") == f"Basic {basic}"  # sent as before
    log = await client.get(f"{base}/{hook.id}/deliveries", headers=headers)
    assert log.status_code == 200 and log.json()[0]["attempts"], log.text
    assert basic not in log.text and "hunter2" not in log.text
    attempt = log.json()[0]["attempts"][0]
    assert (
        attempt["response_body"].startswith("you sent Basic ")
        and attempt["response_body"] != f"you sent Basic {basic}"
    )


async def test_a_url_sent_back_masked_keeps_its_password(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    url, headers = face_paths(seed)["gitcode_v4"]
    created = await client.post(url, json={"url": "http://bob:hunter2@127.0.0.1:9/h"}, headers=headers)
    assert created.status_code == 201 and created.json()["url"] == "http://bob:****@127.0.0.1:9/h"
    hook_url = f"{url}/{created.json()['id']}"
    updated = await client.put(
        hook_url, json={"url": created.json()["url"], "push_events": False}, headers=headers
    )
    assert updated.status_code == 200
    hook = await hooks.get_hook(runtime, seed.project, created.json()["id"])
    assert hook.url_variables["url_password"] == "hunter2"
    await client.put(hook_url, json={"url": "http://127.0.0.1:9/h"}, headers=headers)
    hook = await hooks.get_hook(runtime, seed.project, created.json()["id"])
    assert hook.url_variables == {}


async def test_standard_webhooks_beside_a_token_scheme_is_refused(
    client: httpx.AsyncClient, seed: Seed
) -> None:
    """The token scheme sends the secret in clear: it cannot also be the signing key."""
    url, headers = face_paths(seed)["native"]
    hook = {"url": "http://127.0.0.1:9/h", "secret": "k", "secret_scheme": "token", "standard_webhooks": True}
    r = await client.post(url, json=hook, headers=headers)
    assert r.status_code == 400 and r.json()["error"]["field"] == "standard_webhooks"
    signed = await client.post(url, json=hook | {"secret_scheme": "signature"}, headers=headers)
    assert signed.status_code == 201
    r = await client.patch(f"{url}/{signed.json()['id']}", json={"secret_scheme": "token"}, headers=headers)
    assert r.status_code == 400
