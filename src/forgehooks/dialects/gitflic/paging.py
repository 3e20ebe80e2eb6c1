"""Spring Data paging as GitFlic uses it: 0-based `page`, `size` (default 10, at most 100)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from forgehooks.dialects.direct import Number

DEFAULT_SIZE = 10
MAX_SIZE = 100  # Spring clamps larger sizes to its maximum instead of refusing them
MAX_PAGE = 1_000_000  # keeps offsets inside what every database accepts

PAGE = Number("page", 0, ge=0, le=MAX_PAGE, description="0-based page number")
SIZE = Number(
    "size", DEFAULT_SIZE, ge=1, le=2**31 - 1, description=f"page size, at most {MAX_SIZE} (larger is clamped)"
)
PAGING = (PAGE, SIZE)


@dataclass(frozen=True, slots=True, kw_only=True)
class PageRequest:
    """A requested page as an offset and limit into the hook list."""

    number: int
    size: int

    @property
    def offset(self) -> int:
        """How many hooks come before this page."""
        return self.number * self.size


def page_request(page: int, size: int) -> PageRequest:
    """The page asked for, with the size clamped to the maximum."""
    return PageRequest(number=page, size=min(size, MAX_SIZE))


async def requested_page(request: Request) -> PageRequest:
    """The page a request asks for by `page` and `size`."""
    return page_request(PAGE.read_int(request), SIZE.read_int(request))


PageRequestDep = Annotated[PageRequest, Depends(requested_page)]


def page_info(request: PageRequest, total: int) -> dict[str, int]:
    """Spring's `page` block for a page of `total` elements."""
    pages = (total + request.size - 1) // request.size
    return {"size": request.size, "totalElements": total, "totalPages": pages, "number": request.number}
