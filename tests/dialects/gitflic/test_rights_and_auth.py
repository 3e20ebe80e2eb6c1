"""Seed 002 (GitFlic «Вебхуки»): «для взаимодействия с вебхуками через API вы должны обладать
правами администратора в проекте» and STATUS 403 «Нет прав для доступа»; the API's
`Authorization: token <access token>` credential."""

from __future__ import annotations

import httpx
import pytest

from forgehooks.core.projects import Role
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed, member
from tests.dialects.gitflic.seed_examples import BASE, SEED_BODY, SPRING_ERROR_KEYS, auth, owner

MISSING = "e93b461a-aaaa-aaaa-aaaa-306c3578c989"


async def every_endpoint(client: httpx.AsyncClient, headers: dict[str, str], hook_id: str) -> list[int]:
    """The status of each of the five endpoints for these credentials."""
    calls = (
        client.get(BASE, headers=headers),
        client.get(f"{BASE}/{hook_id}", headers=headers),
        client.post(BASE, json=SEED_BODY, headers=headers),
        client.post(f"{BASE}/{hook_id}", json={"events": {"PUSH": True}}, headers=headers),
        client.post(f"{BASE}/{hook_id}/delete", headers=headers),
    )
    return [(await call).status_code for call in calls]


async def existing_hook(client: httpx.AsyncClient, seed: Seed) -> str:
    r = await client.post(BASE, json=SEED_BODY, headers=owner(seed))
    assert r.status_code == 200
    return str(r.json()["id"])


async def test_token_and_bearer_schemes_are_accepted(client: httpx.AsyncClient, seed: Seed) -> None:
    for value in (f"token {seed.token}", f"Bearer {seed.token}", f"TOKEN {seed.token}"):
        assert (await client.get(BASE, headers={"Authorization": value})).status_code == 200, value


async def test_missing_or_wrong_credentials_are_401(client: httpx.AsyncClient, seed: Seed) -> None:
    for headers in (
        {},
        {"Authorization": "token nope"},
        {"Authorization": seed.token},  # no scheme
        {"Authorization": "Basic " + seed.token},
        {"PRIVATE-TOKEN": seed.token},  # GitLab's header is not GitFlic's
    ):
        r = await client.get(BASE, headers=headers)
        assert r.status_code == 401, headers
        assert set(r.json()) >= SPRING_ERROR_KEYS and r.json()["status"] == 401


@pytest.mark.parametrize("role", [None, Role.REPORTER, Role.DEVELOPER])
async def test_anyone_but_an_administrator_gets_403_everywhere(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, role: Role | None
) -> None:
    hook_id = await existing_hook(client, seed)
    token = await member(runtime, seed, "mallory", role)
    assert await every_endpoint(client, auth(token), hook_id) == [403] * 5
    r = await client.get(BASE, headers=auth(token))
    assert r.json()["error"] == "Forbidden" and r.json()["path"] == BASE
    assert (await client.get(f"{BASE}/{hook_id}", headers=owner(seed))).status_code == 200


async def test_a_maintainer_administers_webhooks(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    hook_id = await existing_hook(client, seed)
    token = await member(runtime, seed, "maria", Role.MAINTAINER)
    assert await every_endpoint(client, auth(token), hook_id) == [200] * 5


async def test_an_unknown_project_is_404_even_for_outsiders(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    token = await member(runtime, seed, "mallory", None)
    r = await client.get("/project/acme/unknown/setting/webhook", headers=auth(token))
    assert r.status_code == 404
    assert r.json()["status"] == 404
    hook_id = await existing_hook(client, seed)
    assert (await client.get(f"{BASE}/{MISSING}", headers=auth(token))).status_code == 403
    assert hook_id != MISSING
