"""Permissions matrix: every face's hook endpoints against every kind of caller.

Anonymous, wrong, revoked and expired tokens are 401; non-members get the face's
documented answer (404 where the platform hides private projects, 403 where it documents
one); reporters and developers 403; maintainers, owners and admins succeed. No face shows
a hook of another project, even by its guessed id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from forgehooks.core.clock import utcnow
from forgehooks.core.hooks import Hook, HookSpec
from forgehooks.core.projects import Project, Role
from forgehooks.services import accounts, hooks, projects
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed, member

Request = dict[str, Any]


@dataclass(frozen=True)
class FaceCalls:
    """How one face lists, creates and reads hooks, and whom it hides projects from."""

    name: str
    list_hooks: Callable[[Project, str], Request]
    create_hook: Callable[[Project, str, str], Request]
    get_hook: Callable[[Project, str, Hook], Request]
    outsider_status: int


def _q(token: str, **extra: str) -> dict[str, str]:
    return {"access_token": token, **extra}


FACES = [
    FaceCalls(
        "native",
        lambda p, t: {
            "method": "GET",
            "url": f"/api/forgehooks/v1/projects/{p.id}/hooks",
            "headers": {"Authorization": f"Bearer {t}"},
        },
        lambda p, t, u: {
            "method": "POST",
            "url": f"/api/forgehooks/v1/projects/{p.id}/hooks",
            "headers": {"Authorization": f"Bearer {t}"},
            "json": {"url": u},
        },
        lambda p, t, h: {
            "method": "GET",
            "url": f"/api/forgehooks/v1/projects/{p.id}/hooks/{h.id}",
            "headers": {"Authorization": f"Bearer {t}"},
        },
        404,
    ),
    FaceCalls(
        "gitcode_v4",
        lambda p, t: {
            "method": "GET",
            "url": f"/api/v4/projects/{p.id}/hooks",
            "headers": {"PRIVATE-TOKEN": t},
        },
        lambda p, t, u: {
            "method": "POST",
            "url": f"/api/v4/projects/{p.id}/hooks",
            "headers": {"PRIVATE-TOKEN": t},
            "json": {"url": u},
        },
        lambda p, t, h: {
            "method": "GET",
            "url": f"/api/v4/projects/{p.id}/hooks/{h.id}",
            "headers": {"PRIVATE-TOKEN": t},
        },
        404,
    ),
    FaceCalls(
        "codeup_v3",
        lambda p, t: {
            "method": "GET",
            "url": f"/api/v3/projects/{p.id}/hooks",
            "params": {"AccessToken": t, "OrganizationId": p.organization_id},
        },
        lambda p, t, u: {
            "method": "POST",
            "url": f"/api/v3/projects/{p.id}/hooks",
            "params": {"AccessToken": t, "OrganizationId": p.organization_id},
            "json": {"url": u},
        },
        lambda p, t, h: {
            "method": "GET",
            "url": f"/api/v3/projects/{p.id}/hooks/{h.id}",
            "params": {"AccessToken": t, "OrganizationId": p.organization_id},
        },
        404,
    ),
    FaceCalls(
        "gitflic",
        lambda p, t: {
            "method": "GET",
            "url": f"/project/{p.owner}/{p.slug}/setting/webhook",
            "headers": {"Authorization": f"token {t}"},
        },
        lambda p, t, u: {
            "method": "POST",
            "url": f"/project/{p.owner}/{p.slug}/setting/webhook",
            "headers": {"Authorization": f"token {t}"},
            "json": {"url": u, "events": {"PUSH": True}},
        },
        lambda p, t, h: {
            "method": "GET",
            "url": f"/project/{p.owner}/{p.slug}/setting/webhook/{h.uuid}",
            "headers": {"Authorization": f"token {t}"},
        },
        403,
    ),
    FaceCalls(
        "gitcode_v5",
        lambda p, t: {"method": "GET", "url": f"/api/v5/repos/{p.owner}/{p.slug}/hooks", "params": _q(t)},
        lambda p, t, u: {
            "method": "POST",
            "url": f"/api/v5/repos/{p.owner}/{p.slug}/hooks",
            "params": _q(t),
            "json": {"url": u},
        },
        lambda p, t, h: {
            "method": "GET",
            "url": f"/api/v5/repos/{p.owner}/{p.slug}/hooks/{h.id}",
            "params": _q(t),
        },
        404,
    ),
    FaceCalls(
        "codearts_v4",
        lambda p, t: {
            "method": "GET",
            "url": f"/v4/projects/{p.hex_id}/hooks",
            "headers": {"X-Auth-Token": t},
        },
        lambda p, t, u: {
            "method": "POST",
            "url": f"/v4/projects/{p.hex_id}/hooks",
            "headers": {"X-Auth-Token": t},
            "json": {"url": u},
        },
        lambda p, t, h: {
            "method": "GET",
            "url": f"/v4/projects/{p.hex_id}/hooks/{h.id}",
            "headers": {"X-Auth-Token": t},
        },
        403,
    ),
]

PRINCIPALS = [
    "anonymous",
    "wrong",
    "revoked",
    "expired",
    "outsider",
    "reporter",
    "developer",
    "maintainer",
    "owner",
    "admin",
]


async def _tokens(runtime: Runtime, seed: Seed) -> dict[str, str]:
    tokens = {"anonymous": "", "wrong": "fh_not-a-real-token", "owner": seed.token}
    revoked = await accounts.issue_token(runtime, seed.user, name="revoked")
    await accounts.revoke_token(runtime, seed.user, revoked.token.id)
    tokens["revoked"] = revoked.value
    tokens["expired"] = (
        await accounts.issue_token(runtime, seed.user, expires_at=utcnow() - timedelta(minutes=1))
    ).value
    tokens["outsider"] = await member(runtime, seed, "olga", None)
    for role in (Role.REPORTER, Role.DEVELOPER, Role.MAINTAINER):
        tokens[role.name.lower()] = await member(runtime, seed, f"user-{role.name.lower()}", role)
    admin = await accounts.create_user(runtime, "root", is_admin=True)
    tokens["admin"] = (await accounts.issue_token(runtime, admin)).value
    return tokens


def _expected(face: FaceCalls, principal: str, ok: int) -> int:
    if principal in ("anonymous", "wrong", "revoked", "expired"):
        return 401
    if principal == "outsider":
        return face.outsider_status
    if principal in ("reporter", "developer"):
        return 403
    return ok


@pytest.mark.parametrize("face", FACES, ids=[f.name for f in FACES])
async def test_every_caller_gets_the_documented_status(
    face: FaceCalls, client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    tokens = await _tokens(runtime, seed)
    project = seed.project
    seen: dict[str, tuple[int, int]] = {}
    for principal in PRINCIPALS:
        token = tokens[principal]
        listed = await client.request(**face.list_hooks(project, token))
        created = await client.request(**face.create_hook(project, token, f"http://127.0.0.1:9/{principal}"))
        seen[principal] = (listed.status_code, created.status_code)
    expected = {p: (_expected(face, p, 200), _expected(face, p, seen["owner"][1])) for p in PRINCIPALS}
    assert seen["owner"][1] in (200, 201)
    assert seen == expected


@pytest.mark.parametrize("face", FACES, ids=[f.name for f in FACES])
async def test_no_face_shows_another_projects_hook(
    face: FaceCalls, client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    other_owner = await accounts.create_user(runtime, "eve")
    other = await projects.create_project(runtime, other_owner, "eve/secret")
    foreign = await hooks.create_hook(
        runtime, other, HookSpec(url="http://127.0.0.1:9/eve", secret="eve-secret"), "forgehooks"
    )
    mine = await hooks.create_hook(
        runtime, seed.project, HookSpec(url="http://127.0.0.1:9/mine"), "forgehooks"
    )
    assert (await client.request(**face.get_hook(seed.project, seed.token, mine))).status_code == 200
    peek = await client.request(**face.get_hook(seed.project, seed.token, foreign))
    assert peek.status_code == 404
    assert "eve-secret" not in peek.text and "/eve" not in peek.text
    listed = await client.request(**face.list_hooks(seed.project, seed.token))
    assert "eve-secret" not in listed.text and "127.0.0.1:9/eve" not in listed.text
