"""libcurl's multi interface driven by the asyncio loop: transfers as awaitables.

libcurl (through pycurl) does the protocol: keep-alive pools checked for dead connections
before reuse, TLS, proxies, Happy Eyeballs across a host's addresses. This module only
hands libcurl's sockets and timer to the loop (its documented `multi_socket` pattern) and
wakes the task waiting for each finished transfer.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pycurl


class TransferFailed(Exception):
    """libcurl ended a transfer with an error: its code (`pycurl.E_*`) and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class Transfers:
    """One multi handle per event loop; each transfer is an easy handle awaited to its end."""

    def __init__(self, *, per_host: int) -> None:
        self.per_host = per_host
        self._loop: asyncio.AbstractEventLoop | None = None
        self._multi: Any = None
        self._timer: asyncio.TimerHandle | None = None
        self._waiting: dict[Any, asyncio.Future[None]] = {}
        self._watched: dict[int, int] = {}  # fd: the POLL_* events the loop watches it for
        self._timer_at = 0.0

    async def run(self, handle: Any) -> None:
        """Run the configured transfer of `handle` to its end; raises `TransferFailed`."""
        multi = self._multi_of_loop()
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[handle] = waiter
        multi.add_handle(handle)
        try:
            await waiter
        finally:
            if self._waiting.pop(handle, None) is not None:  # cancelled before its end
                multi.remove_handle(handle)

    def _multi_of_loop(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._multi is None or self._loop is not loop:
            if self._multi is not None:  # the old loop is gone (tests): so are its sockets
                self._multi.close()
                self._watched.clear()
            self._loop = loop
            self._timer = None
            self._timer_at = 0.0
            self._multi = pycurl.CurlMulti()
            self._multi.setopt(pycurl.M_SOCKETFUNCTION, self._on_socket)
            self._multi.setopt(pycurl.M_TIMERFUNCTION, self._on_timer)
            if self.per_host:
                self._multi.setopt(pycurl.M_MAX_HOST_CONNECTIONS, self.per_host)
        return self._multi

    def _on_socket(self, what: int, fd: int, multi: Any, data: Any) -> None:
        loop = self._loop
        assert loop is not None
        before = self._watched.get(fd, 0)
        now = 0 if what == pycurl.POLL_REMOVE else what
        if now == before:
            return
        if now:
            self._watched[fd] = now
        else:
            del self._watched[fd]
        changed = now ^ before
        if changed & pycurl.POLL_IN:
            if now & pycurl.POLL_IN:
                loop.add_reader(fd, self._act, fd, pycurl.CSELECT_IN)
            else:
                loop.remove_reader(fd)
        if changed & pycurl.POLL_OUT:
            if now & pycurl.POLL_OUT:
                loop.add_writer(fd, self._act, fd, pycurl.CSELECT_OUT)
            else:
                loop.remove_writer(fd)

    def _on_timer(self, ms: int) -> None:
        # libcurl forbids calling it back from inside this callback: the action is scheduled.
        # It moves its timer with nearly every step of every transfer; a timer that fires
        # early costs one idle action, so the loop's timer is moved only to fire sooner
        if ms < 0 or self._loop is None:
            return
        at = self._loop.time() + ms / 1000
        if self._timer is not None:
            if self._timer_at <= at:
                return
            self._timer.cancel()
        self._timer_at = at
        self._timer = self._loop.call_at(at, self._on_time)

    def _on_time(self) -> None:
        self._timer = None
        self._act(pycurl.SOCKET_TIMEOUT, 0)
        if self._timer is None and self._multi is not None:
            # fired early, libcurl's own timeout may be unchanged: it would not say it again
            self._on_timer(self._multi.timeout())

    def _act(self, fd: int, events: int) -> None:
        multi = self._multi
        while multi.socket_action(fd, events)[0] == pycurl.E_CALL_MULTI_PERFORM:
            pass
        while True:
            queued, done, failed = multi.info_read()
            for handle in done:
                self._settle(handle, None)
            for handle, code, message in failed:
                self._settle(handle, TransferFailed(code, message))
            if not queued:
                return

    def _settle(self, handle: Any, error: TransferFailed | None) -> None:
        self._multi.remove_handle(handle)
        waiter = self._waiting.pop(handle, None)
        if waiter is None or waiter.done():
            return
        if error is None:
            waiter.set_result(None)
        else:
            waiter.set_exception(error)

    def close(self) -> None:
        """Close every connection (transfers still running are abandoned)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._loop is not None and not self._loop.is_closed():
            for fd in self._watched:
                self._loop.remove_reader(fd)
                self._loop.remove_writer(fd)
        self._watched.clear()
        if self._multi is not None:
            self._multi.close()
            self._multi = None
