"""GitCode v5 paging: `page` from 1, `per_page` default 20 and at most 100; totals in headers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100

PageQ = Annotated[int, Query(ge=1, le=1_000_000, description="Current Page Number")]
PerPageQ = Annotated[int, Query(ge=1, le=1_000_000, description="Items Per Page, Maximum 100,default:20")]


def window(page: int, per_page: int) -> tuple[int, int]:
    """Offset and limit of a page; a `per_page` over the maximum is served as the maximum."""
    limit = min(per_page, MAX_PER_PAGE)
    return (page - 1) * limit, limit


def total_headers(total: int, limit: int) -> dict[str, str]:
    """Gitee-style totals: `total_count` and `total_page`."""
    pages = max(1, -(-total // limit))
    return {"total_count": str(total), "total_page": str(pages)}
