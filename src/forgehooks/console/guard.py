"""Console routes answer in HTML: sign-in redirects for missing sessions, error pages for the rest."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from forgehooks.console.views import page
from forgehooks.core.errors import (
    Conflict,
    ForgehooksError,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
    Unauthenticated,
    Unavailable,
)

log = logging.getLogger("forgehooks.console")

#: The HTTP status of each domain error on a console page, most specific first.
STATUS: tuple[tuple[type[ForgehooksError], int], ...] = (
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (PayloadTooLarge, 413),
    (RateLimited, 429),
    (InvalidInput, 400),
    (Unavailable, 503),
)


def status_of(exc: ForgehooksError) -> int:
    """The page status for a domain error."""
    return next((status for kind, status in STATUS if isinstance(exc, kind)), 400)


def sign_in_url(request: Request) -> str:
    """The sign-in page, coming back here afterwards (GET pages only)."""
    if request.method != "GET":
        return "/-/sign-in"
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/-/sign-in?next=" + quote(target, safe="")


def error_page(request: Request, exc: ForgehooksError) -> Response:
    """A domain error as an HTML page with its status."""
    status = status_of(exc)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited | Unavailable) else {}
    response = page(request, "error.html", status=status, status_code=status, message=exc.message)
    response.headers.update(headers)
    return response


class ConsoleRoute(APIRoute):
    """An APIRoute whose domain and validation errors become console pages, not JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except Unauthenticated:
                return RedirectResponse(sign_in_url(request), status_code=303)
            except ForgehooksError as exc:
                return error_page(request, exc)
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
                return error_page(request, InvalidInput(where, f"{where}: {first.get('msg', 'invalid')}"))

        return guarded
