"""Codeup list paging: `Page`/`PageSize` (the SDK's names) or `page`/`per_page`, 20 per page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from forgehooks.dialects.direct import Number

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Window:
    """Which slice of the list one page is."""

    page: int
    size: int

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.page - 1) * self.size


PAGE_PASCAL = Number("Page", None, ge=1, le=1_000_000)
SIZE_PASCAL = Number("PageSize", None, ge=1, le=MAX_PAGE_SIZE)
PAGE = Number("page", None, ge=1, le=1_000_000)
PER_PAGE = Number("per_page", None, ge=1, le=MAX_PAGE_SIZE)
WINDOW = (PAGE_PASCAL, SIZE_PASCAL, PAGE, PER_PAGE)


async def window(request: Request) -> Window:
    """The page asked for; `Page`/`PageSize` win over `page`/`per_page`.

    A coroutine although it awaits nothing: FastAPI runs plain functions in a thread."""
    page, size = PAGE_PASCAL.read(request), SIZE_PASCAL.read(request)
    page_lower, per_page = PAGE.read(request), PER_PAGE.read(request)
    return Window(page=page or page_lower or 1, size=size or per_page or DEFAULT_PAGE_SIZE)


WindowDep = Annotated[Window, Depends(window)]
