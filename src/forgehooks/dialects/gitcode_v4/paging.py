"""GitLab's offset paging: `page` and `per_page` in, X-* headers and `Link` out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request, Response

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


@dataclass(frozen=True, slots=True)
class Page:
    """One requested page; out-of-range numbers are clamped as GitLab does."""

    number: int
    size: int

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.number - 1) * self.size


def page_of(
    page: Annotated[int, Query(description="page number, from 1")] = 1,
    per_page: Annotated[int, Query(description="items per page, at most 100")] = DEFAULT_PER_PAGE,
) -> Page:
    """The page a request asks for."""
    return Page(number=max(page, 1), size=min(max(per_page, 1), MAX_PER_PAGE))


PageDep = Annotated[Page, Depends(page_of)]


def _link(request: Request, number: int, size: int) -> str:
    return str(request.url.include_query_params(page=number, per_page=size))


def add_headers(response: Response, request: Request, page: Page, total: int) -> None:
    """X-Total, X-Total-Pages, X-Page, X-Per-Page, X-Next-Page, X-Prev-Page and Link."""
    pages = max(1, math.ceil(total / page.size))
    following = page.number + 1 if page.number < pages else None
    previous = page.number - 1 if 1 < page.number <= pages + 1 else None
    response.headers["X-Total"] = str(total)
    response.headers["X-Total-Pages"] = str(pages)
    response.headers["X-Page"] = str(page.number)
    response.headers["X-Per-Page"] = str(page.size)
    response.headers["X-Next-Page"] = str(following or "")
    response.headers["X-Prev-Page"] = str(previous or "")
    links = []
    if previous:
        links.append(f'<{_link(request, previous, page.size)}>; rel="prev"')
    if following:
        links.append(f'<{_link(request, following, page.size)}>; rel="next"')
    links.append(f'<{_link(request, 1, page.size)}>; rel="first"')
    links.append(f'<{_link(request, pages, page.size)}>; rel="last"')
    response.headers["Link"] = ", ".join(links)
