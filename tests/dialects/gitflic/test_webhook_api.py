"""Seed 002 (GitFlic «Вебхуки»): Просмотр вебхуков проекта, Просмотр вебхука по id, Создание
вебхука, Обновление вебхука по id, Удаление вебхука — every endpoint with the document's body."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Seed
from tests.dialects.gitflic.seed_examples import (
    BASE,
    FLAGS,
    SEED_BODY,
    SPRING_ERROR_KEYS,
    UTC_MICROS,
    UUID,
    owner,
)


async def create(client: httpx.AsyncClient, seed: Seed, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(BASE, json=body, headers=owner(seed))
    assert r.status_code == 200, r.text
    created: dict[str, Any] = r.json()
    return created


async def test_create_with_the_seed_body_answers_200_with_the_documented_fields(
    client: httpx.AsyncClient, seed: Seed
) -> None:
    r = await client.post(BASE, json=SEED_BODY, headers=owner(seed))
    assert r.status_code == 200
    hook = r.json()
    assert set(hook) == {"id", "url", "secret", "events", "projectId", "createdAt", "updatedAt"}
    assert UUID.match(hook["id"])
    assert hook["url"] == "https://example.com"
    assert hook["secret"] == "SOME SECRET CODE"
    assert hook["events"] == SEED_BODY["events"]
    assert len(hook["events"]) == 24
    assert hook["projectId"] == seed.project.uuid
    assert UTC_MICROS.match(hook["createdAt"]) and UTC_MICROS.match(hook["updatedAt"])


async def test_events_left_out_on_create_are_false(client: httpx.AsyncClient, seed: Seed) -> None:
    hook = await create(client, seed, {"url": "https://example.com", "events": {"MERGE": True}})
    events = hook["events"]
    assert isinstance(events, dict)
    assert events["MERGE"] is True
    assert [f for f in FLAGS if events[f]] == ["MERGE"]
    bare = await create(client, seed, {"url": "https://example.com/bare"})
    assert bare["secret"] is None
    assert not any(bare["events"].values())


async def test_get_by_id_shows_the_created_webhook(client: httpx.AsyncClient, seed: Seed) -> None:
    hook = await create(client, seed, SEED_BODY)
    r = await client.get(f"{BASE}/{hook['id']}", headers=owner(seed))
    assert r.status_code == 200
    assert r.json() == hook
    upper = str(hook["id"]).upper()
    assert (await client.get(f"{BASE}/{upper}", headers=owner(seed))).json()["id"] == hook["id"]


async def test_list_is_a_hal_page_with_default_size_10(client: httpx.AsyncClient, seed: Seed) -> None:
    first = await create(client, seed, SEED_BODY)
    second = await create(client, seed, SEED_BODY)
    r = await client.get(BASE, headers=owner(seed))
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"_embedded", "page"}
    assert [h["id"] for h in body["_embedded"]["webhookList"]] == [first["id"], second["id"]]
    assert body["_embedded"]["webhookList"][0] == first
    assert body["page"] == {"size": 10, "totalElements": 2, "totalPages": 1, "number": 0}


async def test_page_and_size_are_zero_based_spring_paging(client: httpx.AsyncClient, seed: Seed) -> None:
    ids = [(await create(client, seed, {"url": f"https://example.com/{n}"}))["id"] for n in range(5)]
    page0 = (await client.get(BASE, params={"page": 0, "size": 2}, headers=owner(seed))).json()
    page2 = (await client.get(BASE, params={"page": 2, "size": 2}, headers=owner(seed))).json()
    beyond = (await client.get(BASE, params={"page": 3, "size": 2}, headers=owner(seed))).json()
    assert [h["id"] for h in page0["_embedded"]["webhookList"]] == ids[:2]
    assert [h["id"] for h in page2["_embedded"]["webhookList"]] == ids[4:]
    assert page2["page"] == {"size": 2, "totalElements": 5, "totalPages": 3, "number": 2}
    assert beyond["_embedded"]["webhookList"] == []
    assert beyond["page"]["number"] == 3


async def test_an_oversized_page_is_clamped_to_100(client: httpx.AsyncClient, seed: Seed) -> None:
    r = await client.get(BASE, params={"size": 5000}, headers=owner(seed))
    assert r.status_code == 200
    assert r.json()["page"] == {"size": 100, "totalElements": 0, "totalPages": 0, "number": 0}


async def test_bad_paging_parameters_are_422_naming_the_parameter(
    client: httpx.AsyncClient, seed: Seed
) -> None:
    for params, field in (({"page": -1}, "page"), ({"size": 0}, "size"), ({"page": "abc"}, "page")):
        r = await client.get(BASE, params=params, headers=owner(seed))
        assert r.status_code == 422, params
        assert r.json()["errors"][0]["field"] == field


async def test_update_changes_only_the_fields_and_flags_given(client: httpx.AsyncClient, seed: Seed) -> None:
    hook = await create(client, seed, SEED_BODY)
    url = f"{BASE}/{hook['id']}"
    r = await client.post(url, json={"events": {"PUSH": True, "MERGE": False}}, headers=owner(seed))
    assert r.status_code == 200
    updated = r.json()
    assert updated["events"] == SEED_BODY["events"] | {"PUSH": True, "MERGE": False}
    assert updated["url"] == "https://example.com" and updated["secret"] == "SOME SECRET CODE"
    assert updated["id"] == hook["id"] and updated["createdAt"] == hook["createdAt"]
    assert updated["updatedAt"] >= hook["updatedAt"]
    r = await client.post(url, json={"url": "https://example.org/new", "secret": None}, headers=owner(seed))
    assert r.json()["url"] == "https://example.org/new"
    assert r.json()["secret"] is None
    assert r.json()["events"] == updated["events"]


async def test_update_with_the_seed_body_replaces_every_flag(client: httpx.AsyncClient, seed: Seed) -> None:
    hook = await create(client, seed, {"url": "https://example.com/a", "events": {"PUSH": True}})
    r = await client.post(f"{BASE}/{hook['id']}", json=SEED_BODY, headers=owner(seed))
    assert r.status_code == 200
    assert r.json()["events"] == SEED_BODY["events"]
    assert r.json()["secret"] == "SOME SECRET CODE"


async def test_delete_answers_200_and_the_webhook_is_gone(client: httpx.AsyncClient, seed: Seed) -> None:
    hook = await create(client, seed, SEED_BODY)
    r = await client.post(f"{BASE}/{hook['id']}/delete", headers=owner(seed))
    assert r.status_code == 200
    assert r.content == b""
    assert (await client.get(f"{BASE}/{hook['id']}", headers=owner(seed))).status_code == 404
    assert (await client.post(f"{BASE}/{hook['id']}/delete", headers=owner(seed))).status_code == 404
    assert (await client.get(BASE, headers=owner(seed))).json()["page"]["totalElements"] == 0


async def test_unknown_or_malformed_ids_are_404_in_spring_shape(
    client: httpx.AsyncClient, seed: Seed
) -> None:
    missing = "e93b461a-aaaa-aaaa-aaaa-306c3578c989"
    for method, path in (
        ("GET", f"{BASE}/{missing}"),
        ("GET", f"{BASE}/12345"),
        ("GET", f"{BASE}/not-a-uuid"),
        ("POST", f"{BASE}/{missing}"),
        ("POST", f"{BASE}/42/delete"),
        ("GET", "/project/acme/nothing/setting/webhook"),
        ("GET", "/project/nobody/widgets/setting/webhook/" + missing),
    ):
        r = await client.request(method, path, json={}, headers=owner(seed))
        assert r.status_code == 404, (method, path)
        body = r.json()
        assert set(body) >= SPRING_ERROR_KEYS
        assert body["status"] == 404 and body["error"] == "Not Found" and body["path"] == path


async def test_a_hook_of_another_project_is_not_found(client: httpx.AsyncClient, seed: Seed) -> None:
    other = await client.post(
        "/api/forgehooks/v1/projects", json={"path": "acme/gadgets"}, headers=owner(seed)
    )
    assert other.status_code == 201
    r = await client.post(
        "/project/acme/gadgets/setting/webhook", json={"url": "https://example.com"}, headers=owner(seed)
    )
    assert r.status_code == 200
    assert (await client.get(f"{BASE}/{r.json()['id']}", headers=owner(seed))).status_code == 404


async def test_a_wrong_method_is_405_in_spring_shape(client: httpx.AsyncClient, seed: Seed) -> None:
    r = await client.delete(BASE, headers=owner(seed))
    assert r.status_code == 405
    assert r.json()["status"] == 405 and r.json()["error"] == "Method Not Allowed"


async def test_openapi_documents_the_face_with_gitflic_names(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    base = "/project/{ownerAlias}/{projectAlias}/setting/webhook"
    assert set(paths[base]) == {"get", "post"}
    assert set(paths[base + "/{id}"]) == {"get", "post"}
    assert set(paths[base + "/{id}/delete"]) == {"post"}
    schemas = spec["components"]["schemas"].values()
    assert any(set(s.get("properties", {})) == {"_embedded", "page"} for s in schemas)
    assert any({"projectId", "createdAt", "updatedAt"} <= set(s.get("properties", {})) for s in schemas)
