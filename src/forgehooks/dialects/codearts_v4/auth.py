"""The caller of a CodeArts Repo request: the `X-Auth-Token` header (an AK/SK signature is ignored)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from forgehooks.core.projects import User
from forgehooks.dialects.direct import Text
from forgehooks.dialects.face import runtime_of
from forgehooks.services import accounts

X_AUTH_TOKEN = Text("X-Auth-Token", "header")
CREDENTIALS = (X_AUTH_TOKEN,)


async def current_user(request: Request) -> User:
    """The user of the `X-Auth-Token` header."""
    return await accounts.authenticate(runtime_of(request), X_AUTH_TOKEN.read(request) or None)


UserDep = Annotated[User, Depends(current_user)]
