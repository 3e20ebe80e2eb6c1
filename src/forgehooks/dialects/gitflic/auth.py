"""GitFlic's credential: `Authorization: token <personal token>` (`Bearer` accepted too)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from forgehooks.core.projects import User
from forgehooks.dialects.face import RuntimeDep, bearer
from forgehooks.services import accounts


async def current_user(
    rt: RuntimeDep,
    authorization: Annotated[
        str | None, Header(description="`token <personal access token>` as GitFlic's API expects")
    ] = None,
) -> User:
    """The caller named by the Authorization header; Unauthenticated otherwise."""
    return await accounts.authenticate(rt, bearer(authorization))


UserDep = Annotated[User, Depends(current_user)]
