"""GitCode v5 paging: `page` from 1, `per_page` default 20 and at most 100; totals in headers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from forgehooks.dialects.direct import Number

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100

PAGE = Number("page", 1, ge=1, le=1_000_000, description="Current Page Number")
PER_PAGE = Number(
    "per_page", DEFAULT_PER_PAGE, ge=1, le=1_000_000, description="Items Per Page, Maximum 100,default:20"
)
PAGING = (PAGE, PER_PAGE)


async def window(request: Request) -> tuple[int, int]:
    """Offset and limit of a page; a `per_page` over the maximum is served as the maximum."""
    limit = min(PER_PAGE.read_int(request), MAX_PER_PAGE)
    return (PAGE.read_int(request) - 1) * limit, limit


WindowDep = Annotated[tuple[int, int], Depends(window)]


def total_headers(total: int, limit: int) -> dict[str, str]:
    """Gitee-style totals: `total_count` and `total_page`."""
    pages = max(1, -(-total // limit))
    return {"total_count": str(total), "total_page": str(pages)}
