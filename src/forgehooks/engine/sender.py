"""The one outgoing HTTP client: pooled aiohttp session, timeouts, capped bodies, no redirects.

aiohttp's errors are translated into an `Outcome` through one table, most specific first;
nothing else in the engine knows aiohttp.
"""

from __future__ import annotations

import asyncio
import math
import ssl
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver
from multidict import CIMultiDict, istr

from forgehooks.core.deliveries import Outcome
from forgehooks.engine.egress import BlockedAddress, GuardedResolver, is_public, literal_address

RESPONSE_BODY_CAP = 64 * 1024

#: aiohttp/OS errors to the reason recorded in the attempt, most specific first.
ERROR_TABLE: tuple[tuple[type[BaseException], str], ...] = (
    (BlockedAddress, "blocked: receiver address is not public"),
    (asyncio.TimeoutError, "timeout"),
    (aiohttp.ServerTimeoutError, "timeout"),
    (aiohttp.ClientConnectorCertificateError, "TLS certificate error"),
    (aiohttp.ClientSSLError, "TLS error"),
    (aiohttp.ClientConnectorDNSError, "DNS resolution failed"),
    (aiohttp.ClientConnectorError, "connection refused or unreachable"),
    (aiohttp.ServerDisconnectedError, "server disconnected"),
    (aiohttp.ClientPayloadError, "broken response body"),
    (aiohttp.ClientResponseError, "invalid HTTP response"),
    (aiohttp.ClientOSError, "connection reset"),
    (aiohttp.InvalidURL, "invalid URL"),
    (aiohttp.ClientError, "HTTP client error"),
    (OSError, "network error"),
)


def describe_error(exc: BaseException) -> str:
    """The recorded reason for a failed send, with the library's own detail."""
    underneath = getattr(exc, "os_error", None) or exc.__cause__
    if isinstance(underneath, BlockedAddress):
        exc = underneath  # aiohttp wraps the guard's refusal in its own DNS error
    for kind, reason in ERROR_TABLE:
        if isinstance(exc, kind):
            detail = str(exc).strip()
            return f"{reason}: {detail}"[:500] if detail else reason
    return f"{type(exc).__name__}: {exc}"[:500]


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _literal_not_public(url: str) -> bool:
    address = literal_address(urlsplit(url).hostname or "")
    return address is not None and not is_public(address)


#: Header names as aiohttp's case-insensitive keys, one per distinct name. aiohttp keeps a
#: request's headers in a CIMultiDict while it is open: with str names that costs every open
#: request its own lower-cased copies (about 1 KB for six headers), with an istr none.
_HEADER_NAMES: dict[str, istr] = {}
_HEADER_NAMES_KEPT = 4096  # custom header names are the hooks' own: forget them past this
_USER_AGENT = istr("User-Agent")
# skipping aiohttp's User-Agent for the whole session would cost every open request a
# CIMultiDict of the skipped names: only a request without a User-Agent of its own asks
_NO_USER_AGENT = (_USER_AGENT,)


def header_options(headers: Mapping[str, str]) -> dict[str, Any]:
    """aiohttp's `headers` and `skip_auto_headers` for these headers (passed straight in:
    aiohttp keeps its own copy of them, so none of the caller's stays alive per request)."""
    sent = outgoing_headers(headers)
    return {"headers": sent, "skip_auto_headers": None if _USER_AGENT in sent else _NO_USER_AGENT}


def outgoing_headers(headers: Mapping[str, str]) -> CIMultiDict[str]:
    """`headers` as aiohttp keeps them, the names made once and shared by every request."""
    names = _HEADER_NAMES
    if len(names) > _HEADER_NAMES_KEPT:
        names.clear()
    out: CIMultiDict[str] = CIMultiDict()
    for name, value in headers.items():
        key = names.get(name)
        if key is None:
            key = names[name] = istr(name)
        out.add(key, value)
    return out


def clean_text(raw: bytes) -> str:
    """Response bytes as text for the log: decoded leniently, NUL bytes removed."""
    return raw.decode("utf-8", "replace").replace("\x00", "")


#: aiohttp's rule: a timeout of this many seconds or more ends on a whole second of the
#: loop's clock, so the ends of many sends share one timer run
CEIL_THRESHOLD = 5.0


class Deadlines:
    """The sends' total timeout: one loop timer for every open send.

    aiohttp's own total timeout costs each open request a TimeoutHandle, a TimerContext and
    a loop timer (about 1 KB); here an open send costs one dict entry. Every send has the
    same timeout, so the dict's insertion order is the order of the deadlines. A send past
    its deadline is cancelled, as aiohttp's timer does it, and `ended` tells that
    cancellation from any other (the worker stopping): only this one is a timeout.
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
        if self.timeout <= 0:  # no total timeout, as aiohttp reads 0
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
        total_limit: int = 0,
        resolver: AbstractResolver | None = None,
    ) -> None:
        self.allow_local = allow_local
        self.inner_resolver = resolver  # the DNS resolver under the guard (tests inject a stub)
        # the total timeout is the deadlines' (one timer for all sends), not aiohttp's
        self.timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout)
        self.deadlines = Deadlines(total_timeout)
        self.per_host_limit = per_host_limit
        self.total_limit = total_limit
        self._session: aiohttp.ClientSession | None = None
        self._insecure = ssl.create_default_context()
        self._insecure.check_hostname = False
        self._insecure.verify_mode = ssl.CERT_NONE

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self.total_limit,
            limit_per_host=self.per_host_limit,
            resolver=GuardedResolver(allow_local=self.allow_local, inner=self.inner_resolver),
            ttl_dns_cache=10,
            enable_cleanup_closed=True,
        )
        return aiohttp.ClientSession(
            connector=connector,
            timeout=self.timeout,
            auto_decompress=False,
            max_line_size=16 * 1024,
            max_field_size=16 * 1024,
        )

    @property
    def session(self) -> aiohttp.ClientSession:
        """The shared session, opened on first use inside the running loop."""
        if self._session is None or self._session.closed:
            self._session = self._open()
        return self._session

    async def send(self, url: str, headers: Mapping[str, str], body: bytes, *, ssl_verify: bool) -> Outcome:
        """POST `body` to `url`; never raises for network or HTTP trouble."""
        started = time.perf_counter()
        if not self.allow_local and _literal_not_public(url):
            # aiohttp connects to literal IPs without asking the resolver, so check them here
            return Outcome(error="blocked: receiver address is not public")
        task = self.deadlines.begin()
        try:
            # `async with await`: the response's own context, the same release, without the
            # request context manager's __aenter__ coroutine alive as long as the request
            async with await self.session.post(
                url,
                data=body,
                allow_redirects=False,
                ssl=True if ssl_verify else self._insecure,
                **header_options(headers),
            ) as response:
                raw = await response.content.read(RESPONSE_BODY_CAP)
                outcome = Outcome(
                    status=response.status,
                    headers=dict(response.headers.items()),
                    body=clean_text(raw),
                    duration_ms=(time.perf_counter() - started) * 1000,
                    retry_after=_retry_after(response.headers.get("Retry-After")),
                )
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
        return outcome

    async def close(self) -> None:
        """Close the pool."""
        if self._session is not None:
            await self._session.close()
