"""The one outgoing HTTP client: pooled keep-alive connections, timeouts, capped bodies,
no redirects.

The client's failures are translated into an `Outcome` through one table, most specific
first; nothing else in the engine knows the client.
"""

from __future__ import annotations

import asyncio
import math
import ssl
import time
from collections.abc import Mapping
from typing import Any

from aiohttp.abc import AbstractResolver

from forgehooks.core.deliveries import Outcome
from forgehooks.engine.egress import BlockedAddress, GuardedResolver
from forgehooks.engine.http1 import (
    BrokenBody,
    ConnectFailed,
    Disconnected,
    Endpoint,
    InvalidHeader,
    InvalidResponse,
    Pool,
    ResolveFailed,
    request_head,
)

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


def clean_text(raw: bytes) -> str:
    """Response bytes as text for the log: decoded leniently, NUL bytes removed."""
    return raw.decode("utf-8", "replace").replace("\x00", "")


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

    async def send(self, url: str, headers: Mapping[str, str], body: bytes, *, ssl_verify: bool) -> Outcome:
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
            retry_after=_retry_after(response.retry_after),
        )

    async def close(self) -> None:
        """Close the pool's idle connections."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None


_ENDPOINTS_KEPT = 4096  # parsed URLs kept; forgotten all at once past this
