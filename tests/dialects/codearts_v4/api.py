"""Calling the CodeArts Repo v4 face in tests: paths, the X-Auth-Token header, adding a hook."""

from __future__ import annotations

import re

import httpx

from tests.conftest import Seed

TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+08:00$")
FIELDS = {
    "id",
    "url",
    "push_events",
    "push_events_branch_regex_filter",
    "tag_push_events",
    "merge_requests_events",
    "note_events",
    "token",
    "token_type",
    "name",
    "description",
    "created_at",
    "updated_at",
}


def base(seed: Seed) -> str:
    """The hooks collection of the seeded project."""
    return f"/v4/projects/{seed.project.hex_id}/hooks"


def auth(token: str) -> dict[str, str]:
    """The credential header."""
    return {"X-Auth-Token": token}


async def add(client: httpx.AsyncClient, seed: Seed, **fields: object) -> dict[str, object]:
    """Add a hook through the face and return its JSON."""
    r = await client.post(base(seed), json=fields, headers=auth(seed.token))
    assert r.status_code == 201, r.text
    return dict(r.json())
