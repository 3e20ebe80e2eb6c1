"""The caller of a CodeArts Repo request: the `X-Auth-Token` header (an AK/SK signature is ignored)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from forgehooks.core.projects import User
from forgehooks.dialects.face import RuntimeDep
from forgehooks.services import accounts


async def current_user(
    rt: RuntimeDep, x_auth_token: Annotated[str | None, Header(alias="X-Auth-Token")] = None
) -> User:
    """The user of the `X-Auth-Token` header."""
    return await accounts.authenticate(rt, x_auth_token or None)


UserDep = Annotated[User, Depends(current_user)]
