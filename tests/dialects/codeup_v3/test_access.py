"""Seed 001_0f664279d6eed962.txt, 请求参数: AccessToken (personal token) and OrganizationId query
parameters; errors in the envelope (Unauthorized, Forbidden, NOT_FOUND) with their 4xx."""

from __future__ import annotations

import httpx

from forgehooks.core.projects import Role
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed, member
from tests.dialects.codeup_v3.conftest import ORG, Repo

NEW = {"url": "http://example.com/hook"}


async def test_token_is_accepted_in_each_place(client: httpx.AsyncClient, repo: Repo) -> None:
    org = {"OrganizationId": ORG}
    places = [
        {"params": repo.query()},
        {"params": org, "headers": {"x-yunxiao-token": repo.token}},
        {"params": org, "headers": {"Authorization": f"Bearer {repo.token}"}},
    ]
    for place in places:
        r = await client.get(repo.hooks, **place)  # type: ignore[arg-type]
        assert r.status_code == 200, place
        assert r.json()["Success"] is True


async def test_missing_or_wrong_token_is_unauthorized(client: httpx.AsyncClient, repo: Repo) -> None:
    for params, headers in (
        ({"OrganizationId": ORG}, {}),
        (repo.query(token="fh_wrong"), {}),
        ({"OrganizationId": ORG}, {"Authorization": "acs AKID:signature"}),
    ):
        r = await client.post(repo.hooks, params=params, headers=headers, json=NEW)
        assert r.status_code == 401
        assert r.json()["ErrorCode"] == "Unauthorized" and r.json()["Success"] is False


async def test_wrong_organization_hides_the_repository(client: httpx.AsyncClient, repo: Repo) -> None:
    r = await client.post(repo.hooks, params=repo.query(org="5f0000000000000000000000"), json=NEW)
    assert r.status_code == 404
    assert r.json()["ErrorCode"] == "NOT_FOUND"
    missing = await client.post(repo.hooks, params=repo.query(org=None), json=NEW)
    assert missing.status_code == 400 and missing.json()["ErrorCode"] == "InvalidParameter"
    assert "OrganizationId" in missing.json()["ErrorMessage"]


async def test_every_repository_answers_to_its_own_organization(
    client: httpx.AsyncClient, seed: Seed
) -> None:
    path = f"/api/v3/projects/{seed.project.id}/hooks"
    own = {"AccessToken": seed.token, "OrganizationId": seed.project.organization_id}
    assert (await client.post(path, params=own, json=NEW)).status_code == 200
    other = {"AccessToken": seed.token, "OrganizationId": ORG}
    assert (await client.post(path, params=other, json=NEW)).status_code == 404


async def test_repository_is_found_by_its_encoded_path(client: httpx.AsyncClient, repo: Repo) -> None:
    r = await client.get("/api/v3/projects/acme%2Fgadgets/hooks", params=repo.query())
    assert r.status_code == 200 and r.json()["Total"] == 0


async def test_only_maintainers_manage_hooks(client: httpx.AsyncClient, runtime: Runtime, seed: Seed) -> None:
    path = f"/api/v3/projects/{seed.project.id}/hooks"
    org = seed.project.organization_id
    outsider = await member(runtime, seed, "mallory", None)
    r = await client.get(path, params={"AccessToken": outsider, "OrganizationId": org})
    assert r.status_code == 404 and r.json()["ErrorCode"] == "NOT_FOUND"
    for name, role in (("rita", Role.REPORTER), ("dave", Role.DEVELOPER)):
        token = await member(runtime, seed, name, role)
        for r in (
            await client.get(path, params={"AccessToken": token, "OrganizationId": org}),
            await client.post(path, params={"AccessToken": token, "OrganizationId": org}, json=NEW),
        ):
            assert r.status_code == 403, name
            assert r.json()["ErrorCode"] == "Forbidden" and r.json()["Success"] is False
    maintainer = await member(runtime, seed, "mia", Role.MAINTAINER)
    r = await client.post(path, params={"AccessToken": maintainer, "OrganizationId": org}, json=NEW)
    assert r.status_code == 200 and r.json()["Success"] is True


async def test_unauthorized_in_xml(client: httpx.AsyncClient, repo: Repo) -> None:
    r = await client.get(repo.hooks, params={"OrganizationId": ORG}, headers={"Accept": "application/xml"})
    assert r.status_code == 401
    assert b"<ErrorCode>Unauthorized</ErrorCode>" in r.content
    assert b"<Success>false</Success>" in r.content
