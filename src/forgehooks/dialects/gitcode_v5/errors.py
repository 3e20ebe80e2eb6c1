"""GitCode v5's error bodies: `{"message": "401 Unauthorized"}` for 401, else GitCode's error object.

Every other error is `{"error_code", "error_code_name", "error_message", "trace_id"}`, the body
GitCode's API gateway answers with (see docs/dialects/gitcode_v5.md for the sources).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from forgehooks.core.errors import ForgehooksError, InvalidInput, LimitExceeded, Unauthenticated
from forgehooks.dialects.face import retry_after_headers, status_of
from forgehooks.dialects.gitcode_v5.mapping import Unprocessable

#: GitCode's error_code_name of each status this face answers with.
STATUS_NAMES: dict[int, str] = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    422: "UNPROCESSABLE_ENTITY",
    429: "TOO_MANY_REQUESTS",
    503: "SERVICE_UNAVAILABLE",
}


def status_for(exc: ForgehooksError) -> int:
    """This face's status for a domain error: 422 for unusable values and quotas, else the default."""
    if isinstance(exc, Unprocessable | LimitExceeded):
        return 422
    if isinstance(exc, InvalidInput) and "405 Method Not Allowed" in exc.message:
        return 405
    return status_of(exc)


def render_error(_request: Request, exc: ForgehooksError) -> Response:
    """The error in GitCode's shape and status."""
    status = status_for(exc)
    headers = retry_after_headers(exc)
    if isinstance(exc, Unauthenticated):
        return JSONResponse({"message": "401 Unauthorized"}, status_code=401, headers=headers)
    body = {
        "error_code": status,
        "error_code_name": STATUS_NAMES.get(status, "BAD_REQUEST"),
        "error_message": exc.message,
        "trace_id": secrets.token_hex(16),
    }
    return JSONResponse(body, status_code=status, headers=headers)


@contextlib.contextmanager
def unusable_values() -> Iterator[None]:
    """Service-level validation of well-typed values (URL checks) answers 422, not 400."""
    try:
        yield
    except Unprocessable:
        raise
    except InvalidInput as exc:
        raise Unprocessable(exc.field, exc.reason) from exc
