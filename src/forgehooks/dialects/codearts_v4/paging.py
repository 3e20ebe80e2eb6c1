"""CodeArts Repo paging: `offset` from 0 and `limit` 1..100 (default 20), the total in `X-Total`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from forgehooks.dialects.direct import Number

MAX_OFFSET = 2_147_483_647

OFFSET = Number("offset", 0, ge=0, le=MAX_OFFSET, description="Offset, which starts from 0.")
LIMIT = Number("limit", 20, ge=1, le=100, description="Number of returned records.")
PAGING = (OFFSET, LIMIT)


async def window(request: Request) -> tuple[int, int]:
    """The `offset` and `limit` asked for."""
    return OFFSET.read_int(request), LIMIT.read_int(request)


WindowDep = Annotated[tuple[int, int], Depends(window)]


def set_total(response: Response, total: int) -> None:
    """The `X-Total` header: the number of results of the whole query."""
    response.headers["X-Total"] = str(total)
