"""forgehooks' own HTTP/1.1 client, as the sender used it until the move to libcurl: kept
here only as the reference of `bench/senders.py` (the worker's rate over it beside the
library candidates). Not used by forgehooks itself.

Keep-alive connections as asyncio protocols, parsed by llhttp (httptools); one POST in one
write; the response read up to a cap.
"""

from __future__ import annotations

import asyncio
import base64
import math
import socket
import ssl
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import httptools
from aiohttp.abc import AbstractResolver
from yarl import URL

from forgehooks.core.deliveries import Outcome
from forgehooks.engine.egress import BlockedAddress, GuardedResolver, is_public, literal_address
from forgehooks.engine.sender import clean_text, retry_after_seconds

HEADER_BYTES_CAP = 64 * 1024  # a response's status line and headers together
IDLE_SECONDS = 15.0  # an idle keep-alive connection is closed after this
DNS_SECONDS = 10.0  # resolved addresses are reused this long


class InvalidResponse(Exception):
    """The receiver answered something that is not a valid HTTP/1.x response."""


class Disconnected(ConnectionError):
    """The receiver closed the connection before its response was complete."""


class BrokenBody(Exception):
    """The response's body ended before its announced length."""


class ConnectFailed(OSError):
    """No connection could be made to any of the receiver's addresses."""


class ConnectTimeout(asyncio.TimeoutError):
    """Connecting took longer than the connect timeout."""


class ResolveFailed(OSError):
    """The receiver's host name did not resolve."""


class InvalidHeader(ValueError):
    """A request header would break the request's framing (a line break in it)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a URL's requests go: its connection key and the request's fixed first lines."""

    key: tuple[str, str, int]  # scheme, host, port: connections are shared per key
    host: str  # the name to resolve and to verify the certificate against
    port: int
    tls: bool
    prefix: bytes  # request line, Host and credentials from the URL

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        """The endpoint of an http(s) URL, encoded as aiohttp/yarl encode it."""
        parsed = URL(url)
        scheme, host, port = parsed.scheme, parsed.raw_host, parsed.port
        if scheme not in ("http", "https") or not host or port is None:
            raise ValueError(f"not an http(s) URL with a host: {url!r}")
        lines = f"POST {parsed.raw_path_qs} HTTP/1.1\r\nHost: {parsed.host_port_subcomponent}\r\n"
        if parsed.user is not None:  # credentials in the URL become Basic auth, as in aiohttp
            pair = f"{parsed.user}:{parsed.password or ''}".encode()
            lines += f"Authorization: Basic {base64.b64encode(pair).decode()}\r\n"
        return cls((scheme, host, port), host.strip("[]"), port, scheme == "https", lines.encode())


@dataclass(slots=True)
class Response:
    """A response as received: status, headers in order, body up to the cap."""

    status: int
    headers: dict[str, str]
    body: bytes
    retry_after: str | None = None


def request_head(endpoint: Endpoint, headers: Mapping[str, str], length: int) -> bytes:
    """The request's head: request line, Host, the given headers, Content-Length."""
    lines = [f"{name}: {value}\r\n" for name, value in headers.items()]
    text = "".join(lines)
    if text.count("\n") != len(lines) or text.count("\r") != len(lines):
        raise InvalidHeader("a header name or value holds a line break")
    return b"%s%sContent-Length: %d\r\n\r\n" % (endpoint.prefix, text.encode(), length)


class Connection(asyncio.Protocol):
    """One keep-alive connection; one request at a time."""

    def __init__(self, body_cap: int) -> None:
        self.body_cap = body_cap
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.idle_since = 0.0
        self._waiter: asyncio.Future[Response] | None = None
        self._reset()

    def _reset(self) -> None:
        self._status = 0
        self._headers: dict[str, str] = {}
        self._retry_after: str | None = None
        self._body: list[bytes] = []
        self._kept = 0
        self._head_bytes = 0
        self._headers_done = False
        self._framed = False  # Content-Length or chunked: the end is known without closing

    # -- asyncio.Protocol ------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a registered subclass

    def data_received(self, data: bytes) -> None:
        if self._waiter is None:  # nothing was asked: a receiver talking out of turn
            self.close()
            return
        if not self._headers_done:
            self._head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(InvalidResponse(str(exc) or type(exc).__name__))
            return
        if not self._headers_done and self._head_bytes > HEADER_BYTES_CAP:
            self._fail(InvalidResponse(f"status line and headers longer than {HEADER_BYTES_CAP} bytes"))

    def eof_received(self) -> bool:
        self.closed = True  # not to be taken from the idle list again
        return False  # close our side too; connection_lost settles the request

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is None or self._waiter.done():
            return
        if self._headers_done and not self._framed:  # the body ran to the end of the connection
            self._finish()
        elif isinstance(exc, OSError):
            self._fail(exc)
        elif self._headers_done:
            self._fail(BrokenBody("the connection closed before the body's end"))
        else:
            self._fail(Disconnected("the receiver closed the connection without an answer"))

    # -- httptools callbacks ---------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1")
        text = value.decode("latin-1")
        self._headers[key] = text
        if len(name) == 11 and key.lower() == "retry-after":
            self._retry_after = text
        elif len(name) in (14, 17) and key.lower() in ("content-length", "transfer-encoding"):
            self._framed = True

    def on_headers_complete(self) -> None:
        self._headers_done = True
        self._status = self.parser.get_status_code()

    def on_body(self, chunk: bytes) -> None:
        room = self.body_cap - self._kept
        if room <= 0:
            return
        self._body.append(chunk[:room] if len(chunk) > room else chunk)
        self._kept += min(room, len(chunk))
        if self._kept >= self.body_cap:  # the rest is not read: answer now, drop the connection
            self._finish()
            self.close()

    def on_message_complete(self) -> None:
        if 100 <= self._status < 200:  # an interim answer (100 Continue): the real one follows
            self._reset()
            return
        keep = self.parser.should_keep_alive()
        self._finish()
        if not keep:
            self.close()

    # -- the request -----------------------------------------------------------------------
    async def exchange(self, head: bytes, body: bytes) -> Response:
        """Send one request and wait for its response."""
        assert self.transport is not None and self._waiter is None
        self._reset()
        waiter: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        self.transport.writelines((head, body))
        try:
            return await waiter
        finally:
            self._waiter = None
            if not waiter.done():  # cancelled (timeout or stop): the connection is unusable
                self.close()

    def _finish(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            body = self._body[0] if len(self._body) == 1 else b"".join(self._body)
            waiter.set_result(Response(self._status, self._headers, body, self._retry_after))

    def _fail(self, exc: BaseException) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        self.close()

    def close(self) -> None:
        """Close without reading further; never reused."""
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


@dataclass
class _Slots:
    """One endpoint's connections: idle ones, how many are in use, who waits for one."""

    idle: list[Connection] = field(default_factory=list)
    busy: int = 0
    waiters: deque[asyncio.Future[None]] = field(default_factory=deque)


class Pool:
    """Keep-alive connections per endpoint, at most `per_host` in use at once for each."""

    def __init__(
        self,
        *,
        allow_local: bool,
        resolver: AbstractResolver,
        connect_timeout: float,
        per_host: int,
        body_cap: int,
    ) -> None:
        self.allow_local = allow_local
        self.resolver = resolver
        self.connect_timeout = connect_timeout
        self.per_host = per_host
        self.body_cap = body_cap
        self._contexts: dict[bool, ssl.SSLContext] = {}  # by `verify`, made at the first TLS connect
        self._slots: dict[tuple[object, ...], _Slots] = {}  # by endpoint key (and unverified TLS)
        self._addresses: dict[tuple[str, int], tuple[float, list[tuple[str, int]]]] = {}
        self._sweeper: asyncio.TimerHandle | None = None

    async def request(self, endpoint: Endpoint, head: bytes, body: bytes, *, verify: bool) -> Response:
        """One request over a pooled connection (a new one if none is idle)."""
        # a connection whose certificate was not verified never serves a verified send
        key: tuple[object, ...] = endpoint.key
        if endpoint.tls and not verify:
            key = (*key, "unverified")
        slots = self._slots.get(key)
        if slots is None:
            slots = self._slots[key] = _Slots()
        if self.per_host and slots.busy >= self.per_host:
            await self._wait_turn(slots)
        slots.busy += 1
        try:
            connection = self._idle(slots)
            if connection is not None:
                try:
                    return await self._use(slots, connection, head, body)
                except (Disconnected, ConnectionResetError, BrokenPipeError):
                    pass  # the receiver had closed the idle connection: once more on a new one
            connection = await self._connect(endpoint, verify)
            return await self._use(slots, connection, head, body)
        finally:
            slots.busy -= 1
            while slots.waiters:
                waiter = slots.waiters.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    break

    async def _wait_turn(self, slots: _Slots) -> None:
        while slots.busy >= self.per_host:
            waiter = asyncio.get_running_loop().create_future()
            slots.waiters.append(waiter)
            await waiter

    async def _use(self, slots: _Slots, connection: Connection, head: bytes, body: bytes) -> Response:
        response = await connection.exchange(head, body)
        if not connection.closed:
            connection.idle_since = time.monotonic()
            slots.idle.append(connection)
            self._sweep_later()
        return response

    def _idle(self, slots: _Slots) -> Connection | None:
        while slots.idle:
            connection = slots.idle.pop()
            transport = connection.transport
            if not connection.closed and transport is not None and not transport.is_closing():
                return connection
        return None

    async def _connect(self, endpoint: Endpoint, verify: bool) -> Connection:
        loop = asyncio.get_running_loop()
        context = self._tls(verify) if endpoint.tls else None
        try:
            async with asyncio.timeout(self.connect_timeout):
                addresses = await self._resolve(endpoint.host, endpoint.port)
                errors: list[OSError] = []
                for host, family in addresses:
                    try:
                        _, protocol = await loop.create_connection(
                            lambda: Connection(self.body_cap),
                            host,
                            endpoint.port,
                            family=family,
                            ssl=context,
                            server_hostname=endpoint.host if context else None,
                        )
                    except ssl.SSLError:
                        raise
                    except OSError as exc:
                        errors.append(exc)
                        continue
                    return protocol
        except TimeoutError as exc:
            raise ConnectTimeout(f"no connection within {self.connect_timeout:g} s") from exc
        raise ConnectFailed(f"cannot connect to {endpoint.host}:{endpoint.port}: {errors[-1]}")

    def _tls(self, verify: bool) -> ssl.SSLContext:
        """The TLS context of verified or unverified connections (loading the system's CA
        certificates takes tens of milliseconds: only once, and only if a hook uses https)."""
        context = self._contexts.get(verify)
        if context is None:
            context = self._contexts[verify] = ssl.create_default_context()
            if not verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        return context

    async def _resolve(self, host: str, port: int) -> list[tuple[str, int]]:
        """The addresses to try, each allowed by the SSRF guard (literal ones included)."""
        literal = literal_address(host)
        if literal is not None:
            if not self.allow_local and not is_public(literal):
                raise BlockedAddress(f"{host} is not a public address")
            family = socket.AF_INET6 if literal.version == 6 else socket.AF_INET
            return [(str(literal), family)]
        now = time.monotonic()
        cached = self._addresses.get((host, port))
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            answers = await self.resolver.resolve(host, port, socket.AF_UNSPEC)
        except BlockedAddress:
            raise
        except OSError as exc:
            raise ResolveFailed(f"{host}: {exc.strerror or exc}") from exc
        found = [(a["host"], a["family"]) for a in answers]
        if not found:
            raise ResolveFailed(f"{host}: no addresses")
        self._addresses[(host, port)] = (now + DNS_SECONDS, found)
        return found

    def _sweep_later(self) -> None:
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().call_later(IDLE_SECONDS, self._sweep)

    def _sweep(self) -> None:
        """Close connections idle too long; forget endpoints with nothing open."""
        self._sweeper = None
        oldest = time.monotonic() - IDLE_SECONDS
        for key, slots in list(self._slots.items()):
            keep = []
            for connection in slots.idle:
                if connection.closed:
                    continue
                if connection.idle_since < oldest:
                    connection.close()
                else:
                    keep.append(connection)
            slots.idle = keep
            if not keep and not slots.busy and not slots.waiters:
                del self._slots[key]
        if self._slots:
            self._sweep_later()

    def close(self) -> None:
        """Close every idle connection (busy ones close as their requests end)."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for slots in self._slots.values():
            for connection in slots.idle:
                connection.close()
            slots.idle.clear()
        self._slots.clear()


RESPONSE_BODY_CAP = 64 * 1024

#: the client's and the OS's errors to the reason recorded in the attempt, most specific first
ERROR_TABLE: tuple[tuple[type[BaseException], str], ...] = (
    (BlockedAddress, "blocked: receiver address is not public"),
    (TimeoutError, "timeout"),
    (ssl.SSLCertVerificationError, "TLS certificate error"),
    (ssl.SSLError, "TLS error"),
    (ResolveFailed, "DNS resolution failed"),
    (ConnectFailed, "connection refused or unreachable"),
    (Disconnected, "server disconnected"),
    (BrokenBody, "broken response body"),
    (InvalidResponse, "invalid HTTP response"),
    (ConnectionResetError, "connection reset"),
    (BrokenPipeError, "connection reset"),
    (InvalidHeader, "invalid request header"),
    (ValueError, "invalid URL"),
    (OSError, "network error"),
)


def describe_error(exc: BaseException) -> str:
    """The recorded reason for a failed send, with the library's own detail."""
    for kind, reason in ERROR_TABLE:
        if isinstance(exc, kind):
            detail = str(exc).strip()
            return f"{reason}: {detail}"[:500] if detail else reason
    return f"{type(exc).__name__}: {exc}"[:500]


#: a timeout of this many seconds or more ends on a whole second of the loop's clock (as
#: aiohttp rounds its timeouts), so the ends of many sends share one timer run
CEIL_THRESHOLD = 5.0


class Deadlines:
    """The sends' total timeout: one loop timer for every open send.

    A timer per send (a TimerHandle and its context, as aiohttp's total timeout had) costs
    each of 10,000 open sends its own objects; here an open send costs one dict entry.
    Every send has the same timeout, so the dict's insertion order is the order of the
    deadlines. A send past its deadline is cancelled, and `ended` tells that cancellation
    from any other (the worker stopping): only this one is a timeout.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._open: dict[asyncio.Task[Any], tuple[float, int]] = {}  # task: its end, cancels before
        self._expired: dict[asyncio.Task[Any], int] = {}  # cancelled at their end, not yet ended
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def begin(self) -> asyncio.Task[Any]:
        """The current task starts a send: cancelled if it still sends at its deadline."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        assert task is not None, "a send runs in a task"
        if self.timeout <= 0:  # 0: no total timeout
            return task
        if loop is not self._loop:  # a new loop (tests): the old one's timer went with it
            self._loop, self._timer = loop, None
            self._open.clear()
            self._expired.clear()
        end = loop.time() + self.timeout
        if self.timeout >= CEIL_THRESHOLD:
            end = math.ceil(end)
        self._open[task] = (end, task.cancelling())
        if self._timer is None:
            self._timer = loop.call_at(end, self._expire)
        return task

    def ended(self, task: asyncio.Task[Any]) -> bool:
        """The send of `task` is over; whether its deadline cancelled it (that cancellation
        is then taken back, so the task goes on)."""
        if self._open.pop(task, None) is not None:
            return False
        before = self._expired.pop(task, None)
        return before is not None and task.uncancel() <= before

    def _expire(self) -> None:
        assert self._loop is not None
        now = self._loop.time()
        self._timer = None
        late = []
        for task, (end, _) in self._open.items():
            if end > now:
                self._timer = self._loop.call_at(end, self._expire)
                break
            late.append(task)
        for task in late:
            self._expired[task] = self._open.pop(task)[1]
            task.cancel()


class Sender:
    """Sends one request per attempt over a shared connection pool."""

    def __init__(
        self,
        *,
        allow_local: bool,
        total_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        per_host_limit: int = 64,
        resolver: AbstractResolver | None = None,
    ) -> None:
        self.allow_local = allow_local
        self.inner_resolver = resolver  # the DNS resolver under the guard (tests inject a stub)
        self.connect_timeout = connect_timeout
        self.deadlines = Deadlines(total_timeout)
        self.per_host_limit = per_host_limit
        self._pool: Pool | None = None
        self._pool_loop: asyncio.AbstractEventLoop | None = None
        self._endpoints: dict[str, Endpoint] = {}

    @property
    def pool(self) -> Pool:
        """The shared pool, opened on first use inside the running loop (a new loop, a new pool)."""
        loop = asyncio.get_running_loop()
        if self._pool is None or self._pool_loop is not loop:
            self._pool_loop = loop
            self._pool = Pool(
                allow_local=self.allow_local,
                resolver=GuardedResolver(allow_local=self.allow_local, inner=self.inner_resolver),
                connect_timeout=self.connect_timeout,
                per_host=self.per_host_limit,
                body_cap=RESPONSE_BODY_CAP,
            )
        return self._pool

    def endpoint(self, url: str) -> Endpoint:
        """`url` parsed once: hooks send to the same few URLs again and again."""
        found = self._endpoints.get(url)
        if found is None:
            if len(self._endpoints) >= _ENDPOINTS_KEPT:
                self._endpoints.clear()
            found = self._endpoints[url] = Endpoint.parse(url)
        return found

    async def send(
        self, url: str, headers: Mapping[str, str], body: bytes, *, ssl_verify: bool, tls: object = None
    ) -> Outcome:
        """POST `body` to `url`; never raises for network or HTTP trouble."""
        started = time.perf_counter()
        task = self.deadlines.begin()
        try:
            endpoint = self.endpoint(url)
            head = request_head(endpoint, headers, len(body))
            response = await self.pool.request(endpoint, head, body, verify=ssl_verify)
        except asyncio.CancelledError:
            if not self.deadlines.ended(task):
                raise
            return Outcome(error="timeout", duration_ms=(time.perf_counter() - started) * 1000)
        except KeyboardInterrupt:
            self.deadlines.ended(task)
            raise
        except BaseException as exc:
            self.deadlines.ended(task)
            return Outcome(error=describe_error(exc), duration_ms=(time.perf_counter() - started) * 1000)
        self.deadlines.ended(task)
        return Outcome(
            status=response.status,
            headers=response.headers,
            body=clean_text(response.body),
            duration_ms=(time.perf_counter() - started) * 1000,
            retry_after=retry_after_seconds(response.retry_after),
        )

    async def close(self) -> None:
        """Close the pool's idle connections."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None


_ENDPOINTS_KEPT = 4096  # parsed URLs kept; forgotten all at once past this
