"""Who is calling (the personal token in AccessToken) and which repository of which organization."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Path, Request

from forgehooks.core.errors import InvalidInput, NotFound
from forgehooks.core.projects import Project, Role, User
from forgehooks.dialects.direct import Text
from forgehooks.dialects.face import bearer, first_present, runtime_of
from forgehooks.services import accounts, projects

ACCESS_TOKEN = Text("AccessToken", "query", "个人访问令牌 (personal access token)")
YUNXIAO_TOKEN = Text("x-yunxiao-token", "header")
AUTHORIZATION = Text("authorization", "header")
CREDENTIALS = (ACCESS_TOKEN, YUNXIAO_TOKEN, AUTHORIZATION)


async def current_user(request: Request) -> User:
    """The token's user: `AccessToken` query, `x-yunxiao-token` header, or `Authorization: Bearer`.

    Alibaba Cloud's AK/SK signature (`Authorization: acs ...`) is not a credential here.
    """
    given = [ACCESS_TOKEN.read(request), YUNXIAO_TOKEN.read(request), bearer(AUTHORIZATION.read(request))]
    return await accounts.authenticate(runtime_of(request), first_present(given))


UserDep = Annotated[User, Depends(current_user)]


ORGANIZATION_ID = Text("OrganizationId", "query", "企业标识 (organization id)")


async def repository(
    request: Request,
    user: UserDep,
    project_id: Annotated[str, Path(alias="ProjectId", description="代码库ID (repository id)")],
) -> Project:
    """The repository the caller maintains; a wrong OrganizationId hides it like an unknown one.

    A repository without an organization accepts any OrganizationId.
    """
    organization_id = ORGANIZATION_ID.read(request)
    project = await projects.access(runtime_of(request), user, unquote(project_id), Role.MAINTAINER)
    if project.organization_id and not organization_id:
        raise InvalidInput("OrganizationId", "is required")
    if project.organization_id and organization_id != project.organization_id:
        raise NotFound("Repository not found in this organization (代码库不存在)")
    return project


RepositoryDep = Annotated[Project, Depends(repository)]
