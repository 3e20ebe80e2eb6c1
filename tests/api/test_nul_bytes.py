"""A NUL character PostgreSQL text cannot hold is a 4xx in every face's shape, never a 500,
and nothing is stored (SQLite could store it; the answer is the same on both)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from forgehooks.services import hooks
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed

Request = Callable[[Seed], tuple[str, dict[str, Any], dict[str, str]]]

CREATES: dict[str, Request] = {
    "codeup_v3 description": lambda s: (
        f"/api/v3/projects/{s.project.id}/hooks?AccessToken={s.token}"
        f"&OrganizationId={s.project.organization_id}",
        {"url": "https://ci.example/h", "description": "a\x00b"},
        {},
    ),
    "codearts_v4 name": lambda s: (
        f"/v4/projects/{s.project.hex_id}/hooks",
        {"url": "https://ci.example/h", "name": "a\x00b"},
        {"X-Auth-Token": s.token},
    ),
    "gitflic url": lambda s: (
        f"/project/{s.project.path}/setting/webhook",
        {"url": "https://ci.example/h\x00", "events": {"BRANCH_UPDATE": True}},
        {"Authorization": f"token {s.token}"},
    ),
    "gitcode_v5 url": lambda s: (
        f"/api/v5/repos/{s.project.path}/hooks?access_token={s.token}",
        {"url": "https://ci.example/h\x00", "push_events": True},
        {},
    ),
    "native name": lambda s: (
        f"/api/forgehooks/v1/projects/{s.project.id}/hooks",
        {"url": "https://ci.example/h", "name": "a\x00b"},
        {"Authorization": f"Bearer {s.token}"},
    ),
}


@pytest.mark.parametrize("where", list(CREATES))
async def test_a_nul_character_is_refused_not_a_500(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, where: str
) -> None:
    path, body, headers = CREATES[where](seed)
    r = await client.post(path, json=body, headers=headers)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert "internal" not in r.text
    _, total = await hooks.list_hooks(runtime, seed.project, offset=0, limit=10)
    assert total == 0
