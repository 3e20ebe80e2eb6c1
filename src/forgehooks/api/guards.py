"""Request guards ahead of every route: body size limit (413), per-token rate limit (429),
and NUL characters (400: PostgreSQL text cannot hold them, and no face's field needs one).

Both answer in the shape of the face whose path was called. The guards are a plain ASGI
middleware: Starlette's `@app.middleware("http")` runs every request through a task group
and memory streams, which cost more than the hook-list route itself.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forgehooks.api.json_bodies import refuse_unstorable_json
from forgehooks.config import Settings
from forgehooks.core.errors import ForgehooksError, InvalidInput, PayloadTooLarge
from forgehooks.dialects.direct import Text
from forgehooks.dialects.face import ErrorRenderer
from forgehooks.services.limits import Window


@dataclass(frozen=True, slots=True)
class CredentialPlaces:
    """Where the faces take credentials from; the first one present identifies the caller."""

    headers: tuple[bytes, ...]  #: lower-case header names
    query: tuple[str, ...]  #: query parameter names

    @classmethod
    def of(cls, places: Iterable[Text]) -> CredentialPlaces:
        """The places the faces declare (each face's `credentials`), plus the native API's bearer."""
        listed = list(places)
        headers = dict.fromkeys(
            [b"authorization", *(p.name.lower().encode() for p in listed if p.where == "header")]
        )
        query = dict.fromkeys(p.name for p in listed if p.where == "query")
        return cls(headers=tuple(headers), query=tuple(query))


#: The native API's only credential place, for apps built without faces.
NATIVE_ONLY = CredentialPlaces(headers=(b"authorization",), query=())


#: A NUL as JSON writes it (`\\u0000` not preceded by an escaping backslash), or raw.
NUL_IN_BODY = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000|\x00")
WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
NUL_REASON = "contains a NUL character (\\u0000), which is not allowed"
FORM = b"application/x-www-form-urlencoded"


class ClientGone(Exception):
    """The client disconnected before sending its whole body: there is nobody to answer."""


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of a (lower-case) request header."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def refuse_nul_in_query(scope: Scope) -> None:
    """InvalidInput when the path or the query string carries a NUL character."""
    if "\x00" in scope.get("path", ""):
        raise InvalidInput("", "a NUL character (%00) is not allowed in the path")
    query = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        raise InvalidInput("", "a NUL character (%00) is not allowed in the query")


def refuse_nul_in_body(body: bytes, content_type: bytes) -> None:
    """InvalidInput naming the field when a form or JSON body carries a NUL character."""
    if content_type.startswith(FORM) and b"%00" in body:
        pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
        raise InvalidInput(next((k for k, v in pairs if "\x00" in k + v), "body"), NUL_REASON)
    # the literal searches run at memchr speed; the regex (an escaped backslash before
    # "u0000" is no NUL) only where one is found: a third of a 100-event batch's checks
    if (b"\\u0000" in body or b"\x00" in body) and NUL_IN_BODY.search(body):
        try:
            field = nul_field(json.loads(body))
        except ValueError:
            field = None
        raise InvalidInput(field or "body", NUL_REASON)


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


def credential_key(scope: Scope, places: CredentialPlaces = NATIVE_ONLY) -> str | None:
    """A hash of the request's credential, wherever the face carries it (None if anonymous)."""
    for name in places.headers:
        value = header(scope, name)
        if value:
            return hashlib.sha256(value.split(b" ")[-1]).hexdigest()
    query: bytes = scope.get("query_string", b"")
    # most queries name no credential: nothing to parse
    if b"%" in query or any(param.encode() in query for param in places.query):
        found = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
        for param in places.query:
            if found.get(param):
                return hashlib.sha256(found[param].encode()).hexdigest()
    return None


MULTIPART_TOKEN = re.compile(rb'name="access_token"\r\n(?:[^\r\n]*\r\n)*?\r\n([^\r\n]*)\r\n')


def body_credential_key(body: bytes, content_type: bytes) -> str | None:
    """A hash of an `access_token` given in a form, multipart or JSON body (GitCode v5 takes it there)."""
    if b"access_token" not in body:
        return None
    value: object = None
    if content_type.startswith(FORM):
        value = dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True)).get("access_token")
    elif content_type.startswith(b"multipart/"):
        found = MULTIPART_TOKEN.search(body)
        value = found.group(1).decode("latin-1") if found else None
    else:
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            return None
        value = parsed.get("access_token") if isinstance(parsed, dict) else None
    if not isinstance(value, str) or not value:
        return None
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body; PayloadTooLarge past `limit` bytes (a chunked body has no length)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body over {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then whatever comes next."""
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


class RequestGuards:
    """Size, rate and NUL checks before any route runs, answered in the called face's shape."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        window: Window | None,
        render: ErrorRenderer,
        places: CredentialPlaces = NATIVE_ONLY,
    ) -> None:
        self.app = app
        self.places = places
        self.limit = limit
        self.window = window
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            receive = await self.check(scope, receive)
        except ClientGone:
            return
        except ForgehooksError as exc:
            response = self.render(Request(scope, receive), exc)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def check(self, scope: Scope, receive: Receive) -> Receive:
        """Raise the first guard's error; the `receive` the app should use (body replayed)."""
        length = header(scope, b"content-length")
        if length and length.isdigit() and int(length) > self.limit:
            raise PayloadTooLarge(f"request body over {self.limit} bytes")
        key = credential_key(scope, self.places) if self.window is not None else None
        refuse_nul_in_query(scope)
        if scope["method"] not in WITH_BODY:
            self.count(key)
            return receive
        body = await read_body(receive, self.limit)
        content_type = header(scope, b"content-type") or b""
        if self.window is not None and key is None:
            key = body_credential_key(body, content_type)
        self.count(key)
        refuse_nul_in_body(body, content_type)
        if not content_type.startswith(FORM):
            refuse_unstorable_json(body)
        return replaying(body, receive)

    def count(self, key: str | None) -> None:
        """One more request for this credential; RateLimited past the window's limit."""
        if self.window is not None and key is not None:
            self.window.hit(key, "API requests for this token")


def install(
    app: FastAPI,
    settings: Settings,
    render: ErrorRenderer,
    window: Window | None,
    places: CredentialPlaces = NATIVE_ONLY,
) -> None:
    """Add the guards as one ASGI middleware (`window`: the per-credential rate limit)."""
    app.add_middleware(
        RequestGuards, limit=settings.max_request_bytes, window=window, render=render, places=places
    )
