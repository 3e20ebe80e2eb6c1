"""The sender's network features against real local servers: an egress proxy (HTTP CONNECT),
fallback across a host's addresses, and a hook's own CA bundle and client certificate."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import pytest
import trustme

from forgehooks.core.deliveries import Reason, Verdict
from forgehooks.engine.sender import Sender, TlsMaterial
from tests.receivers import Receiver


@dataclass
class ConnectProxy:
    """A small HTTP CONNECT proxy on 127.0.0.1. It tunnels to the requested address, or, with
    `answer`, plays the upstream itself (so a public target address needs no internet)."""

    answer: bytes = b""
    tunnels: list[str] = field(default_factory=list)  # the CONNECT targets, in order
    requests: list[bytes] = field(default_factory=list)  # what came through a played upstream
    url: str = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
            if method != "CONNECT":
                writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            self.tunnels.append(target)
            if self.answer:
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                self.requests.append(await reader.readuntil(b"\r\n\r\n"))
                writer.write(self.answer)
                await writer.drain()
                await reader.read(1)  # until the client hangs up
                return
            host, _, port = target.rpartition(":")
            up_reader, up_writer = await asyncio.open_connection(host.strip("[]"), int(port))
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    finally:
        writer.close()


@contextlib.asynccontextmanager
async def proxy(answer: bytes = b"") -> AsyncIterator[ConnectProxy]:
    found = ConnectProxy(answer=answer)
    server = await asyncio.start_server(found.handle, "127.0.0.1", 0)
    found.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield found
    finally:
        server.close()


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)


# -- egress proxy -----------------------------------------------------------------------------
async def test_a_delivery_goes_through_the_proxy_to_the_address_the_guard_allowed(receiver: Receiver) -> None:
    async with proxy() as p:
        sender = Sender(allow_local=True, proxy=p.url, static_hosts={"hooks.example": ["127.0.0.1"]})
        try:
            outcome = await sender.send(
                f"http://hooks.example:{receiver.port}/in", {"X-A": "1"}, b"{}", ssl_verify=True
            )
        finally:
            await sender.close()
    assert outcome.status == 200, outcome
    assert p.tunnels == [f"127.0.0.1:{receiver.port}"]  # tunnelled to the checked address, not the name
    assert receiver.received[0].header("Host") == f"hooks.example:{receiver.port}"
    assert receiver.received[0].header("X-A") == "1"


async def test_the_guard_refuses_a_local_final_target_and_the_proxy_never_hears_of_it(
    receiver: Receiver,
) -> None:
    async with proxy() as p:
        sender = Sender(allow_local=False, proxy=p.url, static_hosts={"inside.example": ["10.1.2.3"]})
        try:
            by_name = await sender.send("http://inside.example/hook", {}, b"{}", ssl_verify=True)
            literal = await sender.send(f"http://127.0.0.1:{receiver.port}/", {}, b"{}", ssl_verify=True)
        finally:
            await sender.close()
    for outcome in (by_name, literal):
        assert outcome.reason is Reason.GUARD and outcome.verdict is Verdict.FINAL, outcome
    assert p.tunnels == [] and receiver.received == []


async def test_the_proxy_s_own_local_address_is_allowed_for_a_public_target() -> None:
    async with proxy(answer=b"HTTP/1.1 204 No Content\r\n\r\n") as p:
        sender = Sender(allow_local=False, proxy=p.url, static_hosts={"public.example": ["93.184.216.34"]})
        try:
            outcome = await sender.send("http://public.example/hook", {}, b"{}", ssl_verify=True)
        finally:
            await sender.close()
    assert outcome.status == 204, outcome
    assert p.tunnels == ["93.184.216.34:80"]
    assert b"Host: public.example\r\n" in p.requests[0]


async def test_the_environment_names_the_proxy_and_no_proxy_bypasses_it(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    hosts = {"via.example": ["127.0.0.1"], "direct.example": ["127.0.0.1"]}
    async with proxy() as p:
        monkeypatch.setenv("HTTP_PROXY", p.url)
        monkeypatch.setenv("NO_PROXY", "direct.example")
        sender = Sender(allow_local=True, static_hosts=hosts)
        try:
            via = await sender.send(f"http://via.example:{receiver.port}/", {}, b"{}", ssl_verify=True)
            direct = await sender.send(f"http://direct.example:{receiver.port}/", {}, b"{}", ssl_verify=True)
        finally:
            await sender.close()
    assert (via.status, direct.status) == (200, 200), (via, direct)
    assert p.tunnels == [f"127.0.0.1:{receiver.port}"]  # only the first went through the proxy
    assert len(receiver.received) == 2


async def test_an_empty_proxy_setting_connects_directly_whatever_the_environment(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with proxy() as p:
        monkeypatch.setenv("HTTP_PROXY", p.url)
        sender = Sender(allow_local=True, proxy="")
        try:
            outcome = await sender.send(receiver.url, {}, b"{}", ssl_verify=True)
        finally:
            await sender.close()
    assert outcome.status == 200 and p.tunnels == []


# -- fallback across addresses ------------------------------------------------------------------
@contextlib.contextmanager
def black_hole(port: int) -> Iterator[str]:
    """127.0.0.2:`port` swallowing every new connection's SYN (its accept queue is full)."""
    listener = socket.socket()
    listener.bind(("127.0.0.2", port))
    listener.listen(0)
    filled = []
    for _ in range(2):  # the queue takes one; the connect that would be second hangs
        s = socket.socket()
        s.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            s.connect(("127.0.0.2", port))
        filled.append(s)
    try:
        yield "127.0.0.2"
    finally:
        for s in [*filled, listener]:
            s.close()


async def test_a_black_holed_first_address_falls_back_to_the_next_in_time(receiver: Receiver) -> None:
    with black_hole(receiver.port) as dead:
        sender = Sender(
            allow_local=True,
            connect_timeout=2.0,
            total_timeout=5.0,
            static_hosts={"dual.example": [dead, "127.0.0.1"]},
        )
        started = time.monotonic()
        try:
            outcome = await sender.send(f"http://dual.example:{receiver.port}/", {}, b"{}", ssl_verify=True)
        finally:
            await sender.close()
    assert outcome.status == 200, outcome
    assert time.monotonic() - started < 2.0, "the second address is tried within the connect timeout"
    assert len(receiver.received) == 1


# -- a hook's own CA bundle and client certificate -----------------------------------------------
@dataclass
class MutualTls:
    """A TLS receiver on 127.0.0.1 with a certificate from its own CA, asking for a client
    certificate from another CA when `require_client` is set."""

    server_ca: trustme.CA
    client_ca: trustme.CA
    url: str = ""
    peers: list[str] = field(default_factory=list)  # names of the client certificates seen


@contextlib.asynccontextmanager
async def mutual_tls(require_client: bool) -> AsyncIterator[MutualTls]:
    found = MutualTls(server_ca=trustme.CA(), client_ca=trustme.CA())
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    found.server_ca.issue_cert("127.0.0.1").configure_cert(context)
    if require_client:
        context.verify_mode = ssl.CERT_REQUIRED
        found.client_ca.configure_trust(context)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peercert")
        if peer:
            found.peers.append(str(peer.get("subjectAltName")))
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    found.url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
    try:
        yield found
    finally:
        server.close()


async def test_a_hook_s_own_ca_bundle_verifies_its_receiver() -> None:
    sender = Sender(allow_local=True, total_timeout=5)
    try:
        async with mutual_tls(require_client=False) as server:
            system_cas = await sender.send(server.url, {}, b"{}", ssl_verify=True)
            own = TlsMaterial(ca_bundle=server.server_ca.cert_pem.bytes())
            with_bundle = await sender.send(server.url, {}, b"{}", ssl_verify=True, tls=own)
            other = TlsMaterial(ca_bundle=server.client_ca.cert_pem.bytes())
            wrong_bundle = await sender.send(server.url, {}, b"{}", ssl_verify=True, tls=other)
    finally:
        await sender.close()
    assert system_cas.reason is Reason.TLS, system_cas
    assert with_bundle.status == 204, with_bundle
    assert wrong_bundle.reason is Reason.TLS, "a pooled connection verified by another bundle is not reused"


async def test_a_client_certificate_is_presented_to_a_receiver_that_asks() -> None:
    sender = Sender(allow_local=True, total_timeout=5)
    try:
        async with mutual_tls(require_client=True) as server:
            trust = server.server_ca.cert_pem.bytes()
            without = await sender.send(
                server.url, {}, b"{}", ssl_verify=True, tls=TlsMaterial(ca_bundle=trust)
            )
            client = server.client_ca.issue_cert("forgehooks-client@example.com")
            material = TlsMaterial(
                ca_bundle=trust,
                client_cert=client.cert_chain_pems[0].bytes(),
                client_key=client.private_key_pem.bytes(),
            )
            presented = await sender.send(server.url, {}, b"{}", ssl_verify=True, tls=material)
            plain_again = await sender.send(
                server.url, {}, b"{}", ssl_verify=True, tls=TlsMaterial(ca_bundle=trust)
            )
    finally:
        await sender.close()
    assert without.status is None and without.reason in (Reason.TLS, Reason.DISCONNECTED), without
    assert presented.status == 204, presented
    assert any("forgehooks-client@example.com" in peer for peer in server.peers)
    assert plain_again.status is None, "the connection made with the certificate serves no other hook"
