"""GitCode v4 credentials: `PRIVATE-TOKEN`, `Authorization: Bearer`, or `access_token` in the query."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query

from forgehooks.core.projects import User
from forgehooks.dialects.face import RuntimeDep, bearer, first_present
from forgehooks.services import accounts


async def current_user(
    rt: RuntimeDep,
    private_token: Annotated[str | None, Header(alias="PRIVATE-TOKEN", include_in_schema=True)] = None,
    authorization: Annotated[str | None, Header()] = None,
    access_token: Annotated[str | None, Query()] = None,
) -> User:
    """The user of the first credential present; 401 when none or a bad one."""
    return await accounts.authenticate(
        rt, first_present([private_token, bearer(authorization), access_token])
    )


UserDep = Annotated[User, Depends(current_user)]
