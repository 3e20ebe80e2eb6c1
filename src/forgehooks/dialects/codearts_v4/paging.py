"""CodeArts Repo paging: `offset` from 0 and `limit` 1..100 (default 20), the total in `X-Total`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

MAX_OFFSET = 2_147_483_647

OffsetQ = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Offset, which starts from 0.")]
LimitQ = Annotated[int, Query(ge=1, le=100, description="Number of returned records.")]


def set_total(response: Response, total: int) -> None:
    """The `X-Total` header: the number of results of the whole query."""
    response.headers["X-Total"] = str(total)
