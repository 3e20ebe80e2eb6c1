"""Every error becomes a 4xx in the shape of the face whose path was called; never a 500 page."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from forgehooks.core.errors import (
    ForgehooksError,
    InvalidInput,
    InvalidItems,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
)
from forgehooks.dialects.face import ErrorRenderer, retry_after_headers, status_of

log = logging.getLogger("forgehooks.api")


def native_error(_request: Request, exc: ForgehooksError) -> Response:
    """The native API's error body: `{"error": {"code", "message", "field"?}}`."""
    body: dict[str, object] = {"code": type(exc).__name__, "message": exc.message}
    if isinstance(exc, InvalidInput):
        body["field"] = exc.field
    if isinstance(exc, InvalidItems):
        body["items"] = [{"index": i, "field": f, "message": m} for i, f, m in exc.problems]
    return JSONResponse({"error": body}, status_code=status_of(exc), headers=retry_after_headers(exc))


def validation_to_domain(exc: RequestValidationError) -> InvalidInput:
    """FastAPI's validation error as InvalidInput naming the first bad field."""
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    if first.get("type") == "json_invalid":
        return InvalidInput("body", "is not valid JSON")
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "header", "form")]
    return InvalidInput(".".join(loc) or "body", str(first.get("msg", "invalid")))


def http_to_domain(exc: StarletteHTTPException, method: str = "") -> ForgehooksError:
    """Starlette's own errors (unknown route, wrong method, bad JSON) as domain errors."""
    if exc.status_code == 404:
        return NotFound("404 Not Found")
    if exc.status_code == 405:
        return MethodNotAllowed(method)
    if exc.status_code == 413:
        return PayloadTooLarge("request body too large")
    return InvalidInput("", str(exc.detail))


def install(app: FastAPI, renderers: Sequence[tuple[str, ErrorRenderer]]) -> ErrorRenderer:
    """Route errors to the renderer of the longest matching path prefix; returns that router."""
    ordered = sorted(renderers, key=lambda pair: len(pair[0]), reverse=True)

    def render(request: Request, exc: ForgehooksError) -> Response:
        path = request.url.path
        for prefix, renderer in ordered:
            if path.startswith(prefix):
                response = renderer(request, exc)
                if isinstance(exc, MethodNotAllowed):  # a face's InvalidInput status would be 400/422
                    response.status_code = 405
                return response
        return native_error(request, exc)

    async def domain_handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ForgehooksError)
        return render(request, exc)

    async def validation_handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return render(request, validation_to_domain(exc))

    async def http_handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return render(request, http_to_domain(exc, request.method))

    async def crash_handler(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": {"code": "internal", "message": "internal error"}}, status_code=500)

    app.add_exception_handler(ForgehooksError, domain_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_handler)
    app.add_exception_handler(Exception, crash_handler)
    return render
