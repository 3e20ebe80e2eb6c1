"""GitLab's offset paging: `page` and `per_page` in, X-* headers and `Link` out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import Depends, Request, Response

from forgehooks.dialects.direct import Number

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
#: Pages past this are clamped to it (an empty page), so the offset fits a 32-bit integer.
MAX_PAGE = 2**31 // MAX_PER_PAGE
PAGE_PARAMS = ("page", "per_page")


@dataclass(frozen=True, slots=True)
class Page:
    """One requested page; out-of-range numbers are clamped as GitLab does."""

    number: int
    size: int

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.number - 1) * self.size


PAGE = Number("page", 1, description="page number, from 1")
PER_PAGE = Number("per_page", DEFAULT_PER_PAGE, description="items per page, at most 100")
PAGING = (PAGE, PER_PAGE)


async def page_of(request: Request) -> Page:
    """The page a request asks for (a coroutine: FastAPI runs plain functions in a thread)."""
    page, per_page = PAGE.read_int(request), PER_PAGE.read_int(request)
    return Page(number=min(max(page, 1), MAX_PAGE), size=min(max(per_page, 1), MAX_PER_PAGE))


PageDep = Annotated[Page, Depends(page_of)]


class Links:
    """URLs of other pages of this request: its own URL with `page` and `per_page` replaced
    (as `include_query_params` would), the rest of its query encoded once for all four links."""

    def __init__(self, request: Request) -> None:
        url = request.url
        others = [(k, v) for k, v in parse_qsl(url.query, keep_blank_values=True) if k not in PAGE_PARAMS]
        base = str(url.replace(query=""))
        self.prefix = f"{base}?{urlencode(others)}&" if others else f"{base}?"

    def to(self, number: int, size: int) -> str:
        """The URL of page `number` of `size` items."""
        return f"{self.prefix}page={number}&per_page={size}"


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
    link = Links(request).to
    links = []
    if previous:
        links.append(f'<{link(previous, page.size)}>; rel="prev"')
    if following:
        links.append(f'<{link(following, page.size)}>; rel="next"')
    links.append(f'<{link(1, page.size)}>; rel="first"')
    links.append(f'<{link(pages, page.size)}>; rel="last"')
    response.headers["Link"] = ", ".join(links)
