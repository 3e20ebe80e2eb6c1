"""Request guards ahead of every route: body size limit (413) and per-token rate limit (429).

Both answer in the shape of the face whose path was called.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import Response

from forgehooks.config import Settings
from forgehooks.core.errors import ForgehooksError, PayloadTooLarge
from forgehooks.dialects.face import ErrorRenderer
from forgehooks.services.limits import SlidingWindow

#: Where the faces take credentials from; the first one present identifies the caller.
CREDENTIAL_HEADERS = ("private-token", "authorization", "x-auth-token")
CREDENTIAL_QUERY = ("access_token", "AccessToken")


def credential_key(request: Request) -> str | None:
    """A hash of the request's credential, wherever the face carries it (None if anonymous)."""
    for name in CREDENTIAL_HEADERS:
        value = request.headers.get(name)
        if value:
            return hashlib.sha256(value.split(" ")[-1].encode()).hexdigest()
    for name in CREDENTIAL_QUERY:
        value = request.query_params.get(name)
        if value:
            return hashlib.sha256(value.encode()).hexdigest()
    return None


def install(app: FastAPI, settings: Settings, render: ErrorRenderer) -> None:
    """Add the guards as one HTTP middleware."""
    limit = settings.max_request_bytes
    window = SlidingWindow(settings.api_rate_limit) if settings.api_rate_limit > 0 else None

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        try:
            length = request.headers.get("content-length")
            if length and length.isdigit() and int(length) > limit:
                raise PayloadTooLarge(f"request body over {limit} bytes")
            key = credential_key(request) if window is not None else None
            if window is not None and key is not None:
                window.hit(key, "API requests for this token")
        except ForgehooksError as exc:
            return render(request, exc)
        return await call_next(request)
