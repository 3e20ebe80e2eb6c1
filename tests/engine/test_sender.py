"""The sender against hostile receivers: every failure is an outcome with a clear error."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from forgehooks.core.deliveries import Reason, Verdict
from forgehooks.engine.sender import RESPONSE_BODY_CAP, Sender
from tests.engine import hostile
from tests.receivers import Receiver, Reply


@pytest.fixture
async def sender() -> AsyncIterator[Sender]:
    s = Sender(allow_local=True, total_timeout=2.0, connect_timeout=1.0)
    yield s
    await s.close()


async def test_garbage_is_an_invalid_response(sender: Sender) -> None:
    async with hostile.serving(hostile.garbage) as url:
        outcome = await sender.send(url, {}, b"{}", ssl_verify=True)
    assert outcome.status is None and outcome.verdict is Verdict.RETRY
    assert outcome.reason in (Reason.INVALID_RESPONSE, Reason.DISCONNECTED), outcome


async def test_silence_is_a_timeout_within_the_total_timeout(sender: Sender) -> None:
    started = time.monotonic()
    async with hostile.serving(hostile.silence) as url:
        outcome = await sender.send(url, {}, b"{}", ssl_verify=True)
    assert outcome.reason is Reason.TIMEOUT, outcome
    assert 1.5 < time.monotonic() - started < 4


async def test_each_send_times_out_at_its_own_deadline_and_its_task_goes_on(sender: Sender) -> None:
    async def timed(delay: float) -> tuple[str, float]:
        await asyncio.sleep(delay)
        started = time.monotonic()
        outcome = await sender.send(url, {}, b"{}", ssl_verify=True)
        took = time.monotonic() - started
        await asyncio.sleep(0.01)  # no cancellation is left pending for the task's next await
        task = asyncio.current_task()
        assert task is not None and task.cancelling() == 0
        return outcome.reason, took

    async with hostile.serving(hostile.silence) as url:
        results = await asyncio.gather(timed(0), timed(0.5), timed(0.9))
    for reason, took in results:
        assert reason is Reason.TIMEOUT and 1.9 < took < 2.5, (reason, took)


async def test_a_total_timeout_of_zero_is_none(receiver: Receiver) -> None:
    sender = Sender(allow_local=True, total_timeout=0)
    try:
        outcome = await sender.send(receiver.url, {}, b"{}", ssl_verify=True)
    finally:
        await sender.close()
    assert outcome.status == 200, outcome.error


async def test_a_send_cancelled_from_outside_stays_cancelled(sender: Sender) -> None:
    async with hostile.serving(hostile.silence) as url:
        send = asyncio.create_task(sender.send(url, {}, b"{}", ssl_verify=True))
        await asyncio.sleep(0.2)
        send.cancel()
        with pytest.raises(asyncio.CancelledError):
            await send
        later = asyncio.create_task(sender.send(url, {}, b"{}", ssl_verify=True))
        await asyncio.sleep(1.9)  # the deadline of the cancelled send passes meanwhile
        later.cancel()
        with pytest.raises(asyncio.CancelledError):
            await later


async def test_reset_is_recorded(sender: Sender) -> None:
    async with hostile.serving(hostile.reset) as url:
        outcome = await sender.send(url, {}, b"{}", ssl_verify=True)
    assert outcome.status is None
    assert outcome.reason is Reason.DISCONNECTED, outcome


async def test_a_huge_body_is_cut_at_64_kib(sender: Sender) -> None:
    async with hostile.serving(hostile.flood) as url:
        started = time.monotonic()
        outcome = await sender.send(url, {}, b"{}", ssl_verify=True)
    assert outcome.status == 200
    assert len(outcome.body) == RESPONSE_BODY_CAP
    assert time.monotonic() - started < 2, "the rest of the 100 MB is not read"


async def test_endless_headers_fail_cleanly(sender: Sender) -> None:
    async with hostile.serving(hostile.endless_headers) as url:
        outcome = await sender.send(url, {}, b"{}", ssl_verify=True)
    assert outcome.status is None
    assert outcome.reason in (Reason.INVALID_RESPONSE, Reason.TIMEOUT), outcome


async def test_redirects_are_not_followed(sender: Sender, receiver: Receiver) -> None:
    async with hostile.serving(hostile.redirect_to(receiver.url + "/elsewhere")) as url:
        outcome = await sender.send(url, {}, b"{}", ssl_verify=True)
    assert outcome.status == 302 and outcome.verdict is Verdict.FINAL
    assert outcome.headers["Location"].endswith("/elsewhere")
    assert receiver.received == []


async def test_refused_connection(sender: Sender) -> None:
    async with hostile.serving(hostile.ok) as url:
        pass  # closed again: nothing listens there now
    outcome = await sender.send(url, {}, b"{}", ssl_verify=True)
    assert outcome.reason is Reason.CONNECT and outcome.verdict is Verdict.RETRY, outcome


async def test_tls_is_verified_unless_the_hook_turned_it_off(sender: Sender, tmp_path: Path) -> None:
    async with hostile.serving(hostile.ok, tls=hostile.self_signed(tmp_path)) as url:
        verified = await sender.send(url, {}, b"{}", ssl_verify=True)
        unverified = await sender.send(url, {}, b"{}", ssl_verify=False)
    assert verified.status is None and verified.reason is Reason.TLS, verified
    assert unverified.status == 200


async def test_response_is_recorded_with_retry_after(sender: Sender) -> None:
    with Receiver(Reply(status=429, body=b"slow down\x00!", headers={"Retry-After": "7"})) as r:
        outcome = await sender.send(r.url, {"X-Forgehooks-Delivery": "d1"}, b'{"a":1}', ssl_verify=True)
        assert r.received[0].body == b'{"a":1}'
        assert r.received[0].header("X-Forgehooks-Delivery") == "d1"
    assert outcome.status == 429 and outcome.retry_after == 7.0
    assert outcome.body == "slow down!"  # NUL bytes removed for PostgreSQL text
    assert outcome.headers["Retry-After"] == "7"


async def test_headers_go_out_as_named_and_no_user_agent_is_added(sender: Sender) -> None:
    with Receiver() as r:
        await sender.send(
            r.url, {"X-Forgehooks-Delivery": "d1", "user-agent": "mine/1"}, b"{}", ssl_verify=True
        )
        await sender.send(r.url, {"X-Forgehooks-Delivery": "d2"}, b"{}", ssl_verify=True)
        own, none = r.received
    assert own.headers["X-Forgehooks-Delivery"] == "d1" and own.header("User-Agent") == "mine/1"
    assert none.headers["X-Forgehooks-Delivery"] == "d2"
    assert none.header("User-Agent") is None, "no User-Agent of the client's own is sent"


class KeepAliveReceiver:
    """A raw HTTP/1.1 receiver on 127.0.0.1 that counts each request it reads, and on its
    `drop_after`-th one reads it whole and closes the connection without an answer (a
    receiver whose keep-alive timeout fired as the request arrived)."""

    def __init__(self, drop_after: int = 0, close_idle: bool = False) -> None:
        self.drop_after = drop_after
        self.close_idle = close_idle  # close each connection right after its first answer
        self.requests = 0
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                self.requests += 1
                if self.requests == self.drop_after:
                    return  # read, then hang up without answering
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
                if self.close_idle:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


async def test_a_request_on_a_connection_that_dies_under_it_is_not_sent_again(sender: Sender) -> None:
    receiver = KeepAliveReceiver(drop_after=2)
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
    try:
        first = await sender.send(url, {}, b'{"n":1}', ssl_verify=True)
        second = await sender.send(url, {}, b'{"n":2}', ssl_verify=True)
        third = await sender.send(url, {}, b'{"n":3}', ssl_verify=True)
    finally:
        server.close()
    assert first.status == 200 and third.status == 200
    # the receiver read the second request once; it is one failed attempt, retried later
    # as an attempt of its own, never re-sent silently inside this one
    assert second.status is None and second.reason is Reason.DISCONNECTED, second
    assert second.verdict is Verdict.RETRY
    assert receiver.requests == 3


async def test_an_idle_connection_the_receiver_closed_is_not_reused(sender: Sender) -> None:
    receiver = KeepAliveReceiver(close_idle=True)
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
    try:
        outcomes = []
        for n in range(3):
            outcomes.append(await sender.send(url, {}, b'{"n":%d}' % n, ssl_verify=True))
            # the close arrives while the connection is idle; libcurl looks for it on
            # connections idle a second or more (a sooner close is the case above)
            await asyncio.sleep(1.1)
    finally:
        server.close()
    assert [o.status for o in outcomes] == [200, 200, 200], outcomes
    assert receiver.requests == 3 and receiver.connections == 3


async def test_an_unexpected_error_in_the_sender_is_a_logged_client_error(
    sender: Sender, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(dict[str, str]):
        def items(self) -> Any:
            raise RuntimeError("a bug in the client")

    outcome = await sender.send(receiver.url, Broken(), b"{}", ssl_verify=True)
    assert outcome.reason is Reason.CLIENT_ERROR and outcome.blameless, outcome
    assert outcome.verdict is Verdict.RETRY
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records), (
        "logged as a bug, with its traceback"
    )
    assert receiver.received == []


async def test_a_header_with_a_line_break_is_an_invalid_request(sender: Sender, receiver: Receiver) -> None:
    outcome = await sender.send(receiver.url, {"X-A": "1\r\nX-Injected: 2"}, b"{}", ssl_verify=True)
    assert outcome.reason is Reason.INVALID_REQUEST and outcome.verdict is Verdict.FINAL
    assert receiver.received == []
