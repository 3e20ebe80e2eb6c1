"""CodeArts Repo's error body, `{"error_code": "...", "error_msg": "..."}`, for every domain error."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from forgehooks.core.errors import (
    Conflict,
    ForgehooksError,
    InvalidInput,
    LimitExceeded,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
    Unauthenticated,
    Unavailable,
)
from forgehooks.dialects.codearts_v4.mapping import FIELD_NAMES
from forgehooks.dialects.face import retry_after_headers

#: Status, error code and fixed message per domain error, most specific first. The 401 and
#: 403 codes are the seed document's; 400 and 404 are from CodeArts Repo's error code table;
#: the rest follow the `CH.004<status>` pattern of the 403 code.
ERRORS: tuple[tuple[type[ForgehooksError], int, str, str], ...] = (
    (Unauthenticated, 401, "DEV.00000003", "Authentication information expired."),
    (
        PermissionDenied,
        403,
        "CH.004403",
        "Insufficient permissions. Apply for the required permissions and try again.",
    ),
    (NotFound, 404, "CH.000404", "Resource unavailable."),
    (Conflict, 409, "CH.004409", "The resource already exists."),
    (PayloadTooLarge, 413, "CH.004413", "The request body is too large."),
    (RateLimited, 429, "CH.004429", "Too many requests. Try again later."),
    (LimitExceeded, 400, "CH.010001", "The number of webhooks exceeds the limit."),
    (InvalidInput, 400, "CH.010001", "Invalid parameter value format."),
    (Unavailable, 503, "CH.004503", "The service is temporarily unavailable. Try again later."),
)

#: Messages kept from the domain error, because they say what went wrong.
SPECIFIC = (InvalidInput, LimitExceeded, NotFound)


def field_name(field: str) -> str:
    """A canonical or request field name as the CodeArts API calls it."""
    return FIELD_NAMES.get(field, field)


def error_body(exc: ForgehooksError) -> tuple[int, Mapping[str, str]]:
    """The status and body of a domain error."""
    for kind, status, code, message in ERRORS:
        if isinstance(exc, kind):
            if isinstance(exc, InvalidInput):
                detail = f"{field_name(exc.field)}: {exc.reason}" if exc.field else exc.reason
                message = f"{message} {detail}"
            elif isinstance(exc, SPECIFIC):
                message = f"{message} {exc.message}"
            return status, {"error_code": code, "error_msg": message}
    return 400, {"error_code": "CH.010001", "error_msg": exc.message}


def render_error(_request: Request, exc: ForgehooksError) -> Response:
    """Render a domain error in CodeArts Repo's shape."""
    status, body = error_body(exc)
    return JSONResponse(dict(body), status_code=status, headers=retry_after_headers(exc))
