"""Seed 002 (GitFlic «Вебхуки», Создание вебхука / Обновление вебхука по id): STATUS 422
«Тело запроса не прошло валидацию на сервере», with a body naming the failing field."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Seed
from tests.dialects.gitflic.seed_examples import BASE, SEED_BODY, SPRING_ERROR_KEYS, owner

BAD_CREATE_BODIES: list[tuple[object, str]] = [
    ({"secret": "s"}, "url"),
    ({"url": ""}, "url"),
    ({"url": "not a url"}, "url"),
    ({"url": "ftp://example.com/hook"}, "url"),
    ({"url": "https://"}, "url"),
    ({"url": "http://example.com:99999/"}, "url"),
    ({"url": 42}, "url"),
    ({"url": ["https://example.com"]}, "url"),
    ({"url": None}, "url"),
    ({"url": "https://example.com/" + "a" * 2100}, "url"),
    ({"url": "https://example.com", "secret": 7}, "secret"),
    ({"url": "https://example.com", "events": {"NOT_AN_EVENT": True}}, "events.NOT_AN_EVENT"),
    ({"url": "https://example.com", "events": {"push": True}}, "events.push"),
    ({"url": "https://example.com", "events": {"PUSH": "yes"}}, "events.PUSH"),
    ({"url": "https://example.com", "events": {"PUSH": 1}}, "events.PUSH"),
    ({"url": "https://example.com", "events": {"PUSH": None}}, "events.PUSH"),
    ({"url": "https://example.com", "events": ["PUSH"]}, "events"),
    ({"url": "https://example.com", "events": "PUSH"}, "events"),
    (["https://example.com"], "body"),
]


def assert_names(r: httpx.Response, field: str) -> None:
    assert r.status_code == 422, r.text
    body = r.json()
    assert set(body) >= SPRING_ERROR_KEYS
    assert body["status"] == 422 and body["error"] == "Unprocessable Entity"
    assert body["errors"][0]["field"] == field
    assert field in body["message"]


@pytest.mark.parametrize(("body", "field"), BAD_CREATE_BODIES)
async def test_a_bad_create_body_is_422_naming_the_field(
    client: httpx.AsyncClient, seed: Seed, body: object, field: str
) -> None:
    assert_names(await client.post(BASE, json=body, headers=owner(seed)), field)
    assert (await client.get(BASE, headers=owner(seed))).json()["page"]["totalElements"] == 0


async def test_a_bad_update_body_is_422_and_changes_nothing(client: httpx.AsyncClient, seed: Seed) -> None:
    hook = (await client.post(BASE, json=SEED_BODY, headers=owner(seed))).json()
    url = f"{BASE}/{hook['id']}"
    assert_names(await client.post(url, json={"url": "nope"}, headers=owner(seed)), "url")
    assert_names(await client.post(url, json={"url": None}, headers=owner(seed)), "url")
    assert_names(await client.post(url, json={"events": {"PUSH": "on"}}, headers=owner(seed)), "events.PUSH")
    assert_names(
        await client.post(url, json={"events": {"BOGUS": False}}, headers=owner(seed)), "events.BOGUS"
    )
    assert (await client.get(url, headers=owner(seed))).json() == hook


async def test_malformed_json_is_a_422_never_a_500(client: httpx.AsyncClient, seed: Seed) -> None:
    headers = owner(seed) | {"Content-Type": "application/json"}
    for content in (b"{not json", b"", b"\xff\xfe", b"null"):
        r = await client.post(BASE, content=content, headers=headers)
        assert r.status_code == 422, content
        assert r.json()["status"] == 422


async def test_unknown_top_level_fields_are_ignored_as_spring_does(
    client: httpx.AsyncClient, seed: Seed
) -> None:
    r = await client.post(BASE, json={"url": "https://example.com", "active": True}, headers=owner(seed))
    assert r.status_code == 200
    assert "active" not in r.json()
