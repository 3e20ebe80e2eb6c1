"""What a face gives the app (router, wire format, error renderer) and what it gets from it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel

from forgehooks.core.errors import (
    Conflict,
    ForgehooksError,
    InvalidInput,
    LimitExceeded,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
    Unauthenticated,
    Unavailable,
)
from forgehooks.core.hooks import Hook
from forgehooks.core.wire import WireFormat
from forgehooks.dialects.direct import Text
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
    #: where callers put their token (headers, query): the rate limiter keys requests on it
    credentials: tuple[Text, ...] = ()


def runtime_of(request: Request) -> Runtime:
    """The app's runtime (database, secret box, wires, sender)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Runtime:
    """The app's runtime, as a dependency."""
    # a coroutine: FastAPI would run a plain function in a worker thread on every request
    return runtime_of(request)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def json_models(
    value: BaseModel | Sequence[BaseModel],
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Models already built (so already valid) written as JSON once, by their field aliases.

    A route returning its models has FastAPI validate them again against `response_model`
    before writing them, which cost as much as building them; the route's decorator keeps
    `response_model`, so the OpenAPI document does not change.
    """
    if isinstance(value, BaseModel):
        body = value.model_dump_json(by_alias=True).encode()
    else:
        body = b"[" + b",".join(m.model_dump_json(by_alias=True).encode() for m in value) + b"]"
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)


class ShownHooks:
    """Each hook's JSON as a face shows it, written once per hook object.

    The store hands back the very same `Hook` while its row is unchanged, so a list shows
    the same objects request after request: building and writing their models again cost
    more than the rest of the list. An entry holds its hook, so its id is not reused while
    it is remembered; a changed hook is a new object, shown anew.
    """

    def __init__(self, show: Callable[[Hook], BaseModel] | None = None, size: int = 4096) -> None:
        self.show = show
        self.size = size
        self._written: dict[int, tuple[Hook, bytes]] = {}

    def json(self, hook: Hook, show: Callable[[Hook], BaseModel] | None = None) -> bytes:
        """`show(hook)` as JSON, by field aliases (`show`: this call's, for what the hook alone
        does not say but never changes for it, such as its project's UUID)."""
        found = self._written.get(id(hook))
        if found is not None and found[0] is hook:
            return found[1]
        if len(self._written) >= self.size:
            self._written.clear()
        render = show or self.show
        if render is None:
            raise TypeError("no way to show a hook was given")
        written = render(hook).model_dump_json(by_alias=True).encode()
        self._written[id(hook)] = (hook, written)
        return written

    def array(self, hooks: Iterable[Hook], show: Callable[[Hook], BaseModel] | None = None) -> bytes:
        """The hooks as a JSON array (what `json_models` would write for their models)."""
        return b"[" + b",".join(self.json(h, show) for h in hooks) + b"]"

    def response(self, hooks: Iterable[Hook], *, headers: Mapping[str, str] | None = None) -> Response:
        """The hooks as a JSON array, answered."""
        return Response(self.array(hooks), media_type="application/json", headers=headers)

    def within(
        self,
        container: BaseModel,
        name: str,
        hooks: Iterable[Hook],
        show: Callable[[Hook], BaseModel] | None = None,
    ) -> bytes:
        """`container` as JSON (by aliases) with its list `name`, built empty, holding the hooks:
        the page's envelope is written by its model, the hooks as remembered."""
        empty = f'"{name}":[]'.encode()
        written = container.model_dump_json(by_alias=True).encode()
        if written.count(empty) != 1:
            raise ValueError(f"{type(container).__name__}: no single empty {name!r} to fill")
        return written.replace(empty, empty[:-1] + self.array(hooks, show)[1:])


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
    (MethodNotAllowed, 405),
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
