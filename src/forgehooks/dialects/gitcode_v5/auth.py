"""Who is calling (access_token in query or form, Bearer or PRIVATE-TOKEN) and on which repository."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Header, Query

from forgehooks.core.projects import Project, Role, User
from forgehooks.dialects.face import RuntimeDep, bearer, first_present
from forgehooks.dialects.gitcode_v5.parameters import ParamsDep
from forgehooks.services import accounts, projects


async def current_user(
    rt: RuntimeDep,
    params: ParamsDep,
    access_token: Annotated[str | None, Query(description="personal access token")] = None,
    authorization: Annotated[str | None, Header()] = None,
    private_token: Annotated[str | None, Header(alias="PRIVATE-TOKEN")] = None,
) -> User:
    """The token's user, from `access_token` (query or form/JSON field) or either header."""
    given = params.get("access_token")
    body_token = given if isinstance(given, str) else None
    return await accounts.authenticate(
        rt, first_present([access_token, body_token, bearer(authorization), private_token])
    )


UserDep = Annotated[User, Depends(current_user)]


async def managed_repository(rt: RuntimeDep, user: UserDep, owner: str, repo: str) -> Project:
    """The repository `owner/repo` if the caller may manage its hooks (maintainer or above)."""
    return await projects.access(rt, user, f"{unquote(owner)}/{unquote(repo)}", Role.MAINTAINER)


RepositoryDep = Annotated[Project, Depends(managed_repository)]
