"""GitFlic's credential: `Authorization: token <personal token>` (`Bearer` accepted too)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from forgehooks.core.projects import User
from forgehooks.dialects.direct import Text
from forgehooks.dialects.face import bearer, runtime_of
from forgehooks.services import accounts

AUTHORIZATION = Text("authorization", "header", "`token <personal access token>` as GitFlic's API expects")
CREDENTIALS = (AUTHORIZATION,)


async def current_user(request: Request) -> User:
    """The caller named by the Authorization header; Unauthenticated otherwise."""
    return await accounts.authenticate(runtime_of(request), bearer(AUTHORIZATION.read(request)))


UserDep = Annotated[User, Depends(current_user)]
