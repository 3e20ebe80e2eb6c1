"""Request guards ahead of every route: body size limit (413), per-token rate limit (429),
and NUL characters (400: PostgreSQL text cannot hold them, and no face's field needs one).

Both answer in the shape of the face whose path was called.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import Response

from forgehooks.config import Settings
from forgehooks.core.errors import ForgehooksError, InvalidInput, PayloadTooLarge
from forgehooks.dialects.face import ErrorRenderer
from forgehooks.services.limits import SlidingWindow

#: Where the faces take credentials from; the first one present identifies the caller.
CREDENTIAL_HEADERS = ("private-token", "authorization", "x-auth-token")
CREDENTIAL_QUERY = ("access_token", "AccessToken")


#: A NUL as JSON writes it (`\\u0000` not preceded by an escaping backslash), or raw.
NUL_IN_BODY = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000|\x00")
WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


async def refuse_nul(request: Request) -> None:
    """InvalidInput when the query or the body carries a NUL character."""
    query = request.scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        raise InvalidInput("", "a NUL character (%00) is not allowed in the query")
    if request.method not in WITH_BODY:
        return
    body = await request.body()
    form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    if form and b"%00" in body:
        pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
        raise InvalidInput(next((k for k, v in pairs if "\x00" in k + v), "body"), NUL_REASON)
    if NUL_IN_BODY.search(body):
        try:
            field = nul_field(json.loads(body))
        except ValueError:
            field = None
        raise InvalidInput(field or "body", NUL_REASON)


NUL_REASON = "contains a NUL character (\\u0000), which is not allowed"


def nul_field(value: Any, path: str = "") -> str | None:
    """The dotted path of the first key or string value holding a NUL, if any."""
    if isinstance(value, str):
        return path or "body" if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        here = f"{path}.{key}" if path else str(key)
        if "\x00" in str(key):
            return here
        found = nul_field(item, here)
        if found:
            return found
    return None


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
            await refuse_nul(request)
        except ForgehooksError as exc:
            return render(request, exc)
        return await call_next(request)
