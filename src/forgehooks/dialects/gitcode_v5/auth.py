"""Who is calling (access_token in query or form, Bearer or PRIVATE-TOKEN) and on which repository."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Request

from forgehooks.core.projects import Project, Role, User
from forgehooks.dialects.direct import Text
from forgehooks.dialects.face import RuntimeDep, bearer, first_present, runtime_of
from forgehooks.dialects.gitcode_v5.parameters import ParamsDep
from forgehooks.services import accounts, projects

ACCESS_TOKEN = Text("access_token", "query", "personal access token")
AUTHORIZATION = Text("authorization", "header")
PRIVATE_TOKEN = Text("PRIVATE-TOKEN", "header")
CREDENTIALS = (ACCESS_TOKEN, AUTHORIZATION, PRIVATE_TOKEN)


async def current_user(request: Request, params: ParamsDep) -> User:
    """The token's user, from `access_token` (query or form/JSON field) or either header."""
    in_body = params.get("access_token")
    given = [
        ACCESS_TOKEN.read(request),
        in_body if isinstance(in_body, str) else None,
        bearer(AUTHORIZATION.read(request)),
        PRIVATE_TOKEN.read(request),
    ]
    return await accounts.authenticate(runtime_of(request), first_present(given))


UserDep = Annotated[User, Depends(current_user)]


async def managed_repository(rt: RuntimeDep, user: UserDep, owner: str, repo: str) -> Project:
    """The repository `owner/repo` if the caller may manage its hooks (maintainer or above)."""
    return await projects.access(rt, user, f"{unquote(owner)}/{unquote(repo)}", Role.MAINTAINER)


RepositoryDep = Annotated[Project, Depends(managed_repository)]
