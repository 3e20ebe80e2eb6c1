"""GitCode v4 credentials: `PRIVATE-TOKEN`, `Authorization: Bearer`, or `access_token` in the query."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from forgehooks.core.projects import User
from forgehooks.dialects.direct import Text
from forgehooks.dialects.face import bearer, first_present, runtime_of
from forgehooks.services import accounts

PRIVATE_TOKEN = Text("PRIVATE-TOKEN", "header")
AUTHORIZATION = Text("authorization", "header")
ACCESS_TOKEN = Text("access_token", "query")
CREDENTIALS = (ACCESS_TOKEN, PRIVATE_TOKEN, AUTHORIZATION)


async def current_user(request: Request) -> User:
    """The user of the first credential present; 401 when none or a bad one."""
    given = [PRIVATE_TOKEN.read(request), bearer(AUTHORIZATION.read(request)), ACCESS_TOKEN.read(request)]
    return await accounts.authenticate(runtime_of(request), first_present(given))


UserDep = Annotated[User, Depends(current_user)]
