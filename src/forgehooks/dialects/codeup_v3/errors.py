"""Domain errors as Codeup's envelope: Success false, an ErrorCode, an ErrorMessage, a 4xx."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

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
from forgehooks.dialects.codeup_v3.envelope import answer, new_request_id
from forgehooks.dialects.codeup_v3.schemas import ErrorEnvelope
from forgehooks.dialects.face import retry_after_headers

#: Domain error -> (ErrorCode, HTTP status); most specific first.
ERROR_CODES: tuple[tuple[type[ForgehooksError], str, int], ...] = (
    (Unauthenticated, "Unauthorized", 401),
    (PermissionDenied, "Forbidden", 403),
    (NotFound, "NOT_FOUND", 404),
    (Conflict, "Conflict", 409),
    (PayloadTooLarge, "RequestEntityTooLarge", 413),
    (RateLimited, "Throttling", 429),
    (LimitExceeded, "QuotaExceeded", 400),
    (InvalidInput, "InvalidParameter", 400),
    (Unavailable, "ServiceUnavailable", 503),
)


def code_of(exc: ForgehooksError) -> tuple[str, int]:
    """The ErrorCode and HTTP status of a domain error."""
    for kind, code, status in ERROR_CODES:
        if isinstance(exc, kind):
            return code, status
    return "InvalidParameter", 400


def render_error(request: Request, exc: ForgehooksError) -> Response:
    """The error envelope, JSON or XML like the success answers."""
    code, status = code_of(exc)
    envelope = ErrorEnvelope(RequestId=new_request_id(), ErrorCode=code, ErrorMessage=exc.message)
    return answer(request, envelope, status, retry_after_headers(exc))
