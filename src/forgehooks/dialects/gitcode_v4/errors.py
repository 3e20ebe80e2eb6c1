"""GitLab's error bodies: `{"message": ...}` for domain errors, `{"error": ...}` for bad parameters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from forgehooks.core.errors import (
    ForgehooksError,
    InvalidInput,
    MethodNotAllowed,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unauthenticated,
)
from forgehooks.dialects.face import retry_after_headers, status_of


class Unprocessable(InvalidInput):
    """A value the hook model rejects (GitLab answers 422 "Invalid url given")."""


#: GitLab's 422 messages for hook fields the model rejects.
INVALID_FIELD_MESSAGES = {
    "url": "Invalid url given",
    "branch_filter": "Invalid branch filter given",
}


@contextmanager
def unprocessable() -> Iterator[None]:
    """Turn a service's InvalidInput into GitLab's 422 for model validation."""
    try:
        yield
    except Unprocessable:
        raise
    except InvalidInput as exc:
        raise Unprocessable(exc.field, exc.reason) from exc


def _reason(reason: str) -> str:
    """GitLab's words for a bad parameter; framework wording becomes "is missing" or "is invalid"."""
    if reason.startswith(("is ", "does not ", "must ")):
        return reason
    return "is missing" if reason.lower() == "field required" else "is invalid"


def _message(exc: ForgehooksError) -> str:
    if isinstance(exc, Unauthenticated):
        return "401 Unauthorized"
    if isinstance(exc, PermissionDenied):
        return "403 Forbidden"
    if isinstance(exc, NotFound):
        return exc.message if exc.message.startswith("404") else f"404 {exc.message}"
    if isinstance(exc, RateLimited):
        return "This endpoint has been requested too many times. Try again later."
    return exc.message


def render_error(_request: Request, exc: ForgehooksError) -> Response:
    """A domain error in GitLab's shape and status."""
    headers = retry_after_headers(exc)
    if isinstance(exc, Unprocessable):
        text = INVALID_FIELD_MESSAGES.get(exc.field, f"{exc.field} {exc.reason}")
        return JSONResponse({"message": text}, status_code=422)
    if isinstance(exc, MethodNotAllowed):
        return JSONResponse({"error": "405 Method Not Allowed"}, status_code=405)
    if isinstance(exc, InvalidInput):
        text = f"{exc.field} {_reason(exc.reason)}" if exc.field else exc.reason
        return JSONResponse({"error": text}, status_code=400)
    if isinstance(exc, NotFound) and exc.message == "404 Not Found":
        return JSONResponse({"error": "404 Not Found"}, status_code=404)  # an unknown route
    return JSONResponse({"message": _message(exc)}, status_code=status_of(exc), headers=headers)
