"""Domain errors as GitFlic (a Spring Boot service) answers them: Spring's error body.

GitFlic documents only the statuses (403, 404, 422); the body is Spring Boot's default
`{timestamp, status, error, message, path}`, plus `errors: [{field, message}]` on 422.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from forgehooks.core.clock import format_time, utcnow
from forgehooks.core.errors import ForgehooksError, InvalidInput, LimitExceeded, MethodNotAllowed
from forgehooks.dialects.face import retry_after_headers, status_of


def gitflic_status(exc: ForgehooksError) -> int:
    """GitFlic's status for a domain error: validation failures are 422."""
    if isinstance(exc, MethodNotAllowed):
        return 405
    if isinstance(exc, InvalidInput | LimitExceeded):
        return 422
    return status_of(exc)


def render_error(request: Request, exc: ForgehooksError) -> Response:
    """The Spring error body for `exc`, naming the failing field on 422."""
    status = gitflic_status(exc)
    body: dict[str, object] = {
        "timestamp": format_time(utcnow(), offset_hours=0, fraction=3),
        "status": status,
        "error": HTTPStatus(status).phrase,
        "message": exc.message,
        "path": request.url.path,
    }
    if isinstance(exc, InvalidInput) and exc.field and status == 422:
        body["errors"] = [{"field": exc.field, "message": exc.reason}]
    return JSONResponse(body, status_code=status, headers=retry_after_headers(exc))
