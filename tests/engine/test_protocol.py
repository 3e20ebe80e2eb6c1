"""The sender's HTTP/1.1 against scripted servers on 127.0.0.1: framing, keep-alive, limits.

libcurl does the protocol; these tests hold it to what forgehooks promises receivers.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvloop

from forgehooks.core.deliveries import Reason
from forgehooks.engine.sender import Sender
from tests.engine import hostile
from tests.receivers import Receiver


@pytest.fixture
async def sender() -> AsyncIterator[Sender]:
    s = Sender(allow_local=True, total_timeout=3.0, connect_timeout=1.0)
    yield s
    await s.close()


class Server:
    """A scripted HTTP/1.1 server: answers each request of a connection with the next reply,
    counting connections and requests as it sees them."""

    def __init__(self, *replies: bytes, close_after: int = 0) -> None:
        self.replies = list(replies)
        self.close_after = close_after  # close each connection after this many requests (0: never)
        self.connections = 0
        self.requests: list[bytes] = []

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        served = 0
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            self.requests.append(head + await reader.readexactly(length))
            writer.write(self.replies[min(len(self.requests), len(self.replies)) - 1])
            await writer.drain()
            served += 1
            if served == self.close_after:
                return


async def test_requests_reuse_one_keep_alive_connection(sender: Sender) -> None:
    server = Server(b"HTTP/1.1 204 No Content\r\n\r\n")
    async with hostile.serving(server) as url:
        outcomes = [await sender.send(url + "/hook", {}, b"{}", ssl_verify=True) for _ in range(5)]
    assert [o.status for o in outcomes] == [204] * 5
    assert server.connections == 1 and len(server.requests) == 5


async def test_chunked_and_close_delimited_bodies_are_read_whole(sender: Sender) -> None:
    chunked = Server(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
    delimited = Server(b"HTTP/1.0 200 OK\r\n\r\nuntil the end", close_after=1)
    async with hostile.serving(chunked) as a, hostile.serving(delimited) as b:
        by_chunks = await sender.send(a, {}, b"{}", ssl_verify=True)
        by_close = await sender.send(b, {}, b"{}", ssl_verify=True)
    assert (by_chunks.status, by_chunks.body) == (200, "abcde")
    assert (by_close.status, by_close.body) == (200, "until the end"), by_close.error


async def test_an_interim_100_continue_is_skipped(sender: Sender) -> None:
    server = Server(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nX-Final: yes\r\nContent-Length: 4\r\n\r\ndone"
    )
    async with hostile.serving(server) as url:
        outcome = await sender.send(url, {}, b"{}", ssl_verify=True)
    assert (outcome.status, outcome.body) == (201, "done")
    assert outcome.headers == {"X-Final": "yes", "Content-Length": "4"}


async def test_a_body_cut_short_is_a_disconnection(sender: Sender) -> None:
    server = Server(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", close_after=1)
    async with hostile.serving(server) as url:
        outcome = await sender.send(url, {}, b"{}", ssl_verify=True)
    assert outcome.status is None and outcome.reason is Reason.DISCONNECTED, outcome


async def test_the_request_is_framed_as_before(sender: Sender) -> None:
    server = Server(b"HTTP/1.1 204 No Content\r\n\r\n")
    async with hostile.serving(server) as url:
        port = url.rpartition(":")[2]
        target = f"http://user:p%40ss@127.0.0.1:{port}/hooks/a b?x=ü&y=1"
        outcome = await sender.send(target, {"Content-Type": "application/json"}, b'{"a":1}', ssl_verify=True)
    assert outcome.status == 204, outcome.error
    credentials = base64.b64encode(b"user:p@ss").decode()
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    first, *fields = head.decode().split("\r\n")
    assert first == "POST /hooks/a%20b?x=%C3%BC&y=1 HTTP/1.1"
    assert sorted(fields) == sorted(
        [
            f"Host: 127.0.0.1:{port}",
            f"Authorization: Basic {credentials}",
            "Content-Type: application/json",
            "Content-Length: 7",
        ]
    )
    assert body == b'{"a":1}'


async def test_no_more_than_the_per_host_limit_connect_at_once() -> None:
    sender = Sender(allow_local=True, per_host_limit=2, total_timeout=5)
    server = Server(b"HTTP/1.1 204 No Content\r\n\r\n")
    async with hostile.serving(server) as url:
        outcomes = await asyncio.gather(*(sender.send(url, {}, b"{}", ssl_verify=True) for _ in range(10)))
    await sender.close()
    assert [o.status for o in outcomes] == [204] * 10
    assert server.connections == 2


def test_sends_run_on_uvloop() -> None:
    # the worker runs on uvloop: libcurl's sockets are watched by its loop
    async def main() -> int | None:
        sender = Sender(allow_local=True)
        with Receiver() as r:
            outcome = await sender.send(r.url, {}, b"{}", ssl_verify=True)
        await sender.close()
        return outcome.status

    assert uvloop.run(main()) == 200


async def test_an_unverified_connection_never_serves_a_verified_send(sender: Sender, tmp_path: Path) -> None:
    server = Server(b"HTTP/1.1 204 No Content\r\n\r\n")  # keeps its connections open
    async with hostile.serving(server, tls=hostile.self_signed(tmp_path)) as url:
        unverified = await sender.send(url, {}, b"{}", ssl_verify=False)
        verified = await sender.send(url, {}, b"{}", ssl_verify=True)
    assert unverified.status == 204
    assert verified.status is None and verified.reason is Reason.TLS, verified


async def test_a_body_larger_than_libcurl_s_upload_buffer_arrives_whole(sender: Sender) -> None:
    body = bytes(range(256)) * 1000  # 256 KB, many reads of libcurl's 16 KiB buffer
    with Receiver() as r:
        outcome = await sender.send(
            r.url, {"Content-Type": "application/octet-stream"}, body, ssl_verify=True
        )
        assert outcome.status == 200, outcome
        assert r.received[0].body == body
