"""What a face gives the app (router, wire format, error renderer) and what it gets from it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
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
from forgehooks.core.wire import WireFormat
from forgehooks.services.runtime import Runtime

ErrorRenderer = Callable[[Request, ForgehooksError], Response]


@dataclass(frozen=True, slots=True, kw_only=True)
class Face:
    """One platform's API: served under `prefixes`, delivering in `wire`'s format."""

    name: str  # the dialect name stored on hooks made through this face
    title: str  # for OpenAPI tags and the console
    prefixes: tuple[str, ...]  # URL path prefixes whose errors this face renders
    router: APIRouter
    wire: WireFormat
    render_error: ErrorRenderer


def get_runtime(request: Request) -> Runtime:
    """The app's runtime (database, secret box, wires, sender)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def bearer(value: str | None) -> str | None:
    """The token of an `Authorization: Bearer <t>` (or `token <t>`) header value."""
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() in ("bearer", "token") and token.strip():
        return token.strip()
    return None


def first_present(values: Iterable[str | None]) -> str | None:
    """The first non-empty credential among several places it may come from."""
    for value in values:
        if value:
            return value
    return None


#: The HTTP status of each domain error unless a face documents another; most specific first.
STATUS: tuple[tuple[type[ForgehooksError], int], ...] = (
    (Unauthenticated, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (PayloadTooLarge, 413),
    (RateLimited, 429),
    (LimitExceeded, 422),
    (InvalidInput, 400),
    (Unavailable, 503),
)


def status_of(exc: ForgehooksError) -> int:
    """The default HTTP status of a domain error."""
    for kind, status in STATUS:
        if isinstance(exc, kind):
            return status
    return 400


def retry_after_headers(exc: ForgehooksError) -> dict[str, str] | None:
    """`Retry-After` for rate-limited and unavailable answers, in every face."""
    if isinstance(exc, RateLimited | Unavailable):
        return {"Retry-After": str(exc.retry_after)}
    return None
