"""Codeup list paging: `Page`/`PageSize` (the SDK's names) or `page`/`per_page`, 20 per page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

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


async def window(
    page_pascal: Annotated[int | None, Query(alias="Page", ge=1, le=1_000_000)] = None,
    size_pascal: Annotated[int | None, Query(alias="PageSize", ge=1, le=MAX_PAGE_SIZE)] = None,
    page: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    per_page: Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE)] = None,
) -> Window:
    """The page asked for; `Page`/`PageSize` win over `page`/`per_page`.

    A coroutine although it awaits nothing: FastAPI runs plain functions in a thread."""
    return Window(page=page_pascal or page or 1, size=size_pascal or per_page or DEFAULT_PAGE_SIZE)


WindowDep = Annotated[Window, Depends(window)]
