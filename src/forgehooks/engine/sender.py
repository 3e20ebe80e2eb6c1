"""The one outgoing HTTP client: libcurl (pycurl) does the protocol, forgehooks the policy.

libcurl pools keep-alive connections (checking an idle one for a close before reusing
it), verifies TLS, tunnels through an egress proxy and falls back across a host's
addresses (Happy Eyeballs, RFC 8305). forgehooks decides: the SSRF guard on every address
connected to, the proxy of each URL, timeouts, the response cap, no redirects, and never
sending a body twice in one attempt. libcurl's error codes become typed `Outcome` reasons
through one table; nothing else in the engine knows libcurl.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import pycurl
from aiohttp.abc import AbstractResolver
from yarl import URL

from forgehooks.core.deliveries import Outcome, Reason
from forgehooks.engine.egress import BlockedAddress, GuardedResolver, is_public, literal_address
from forgehooks.engine.transfers import TransferFailed, Transfers

log = logging.getLogger(__name__)

RESPONSE_BODY_CAP = 64 * 1024
HEADER_BYTES_CAP = 64 * 1024  # a response's status line and headers together
DNS_SECONDS = 10  # libcurl reuses a resolved address this long
IDLE_SECONDS = 15  # an idle keep-alive connection is not reused after this
CANT_SEEK: int = pycurl.SEEKFUNC_CANTSEEK
IDLE_HANDLES = 1024  # easy handles kept for reuse (each holds libcurl's buffers)
UPLOAD_BUFFER = 16 * 1024  # libcurl's smallest
DOWNLOAD_BUFFER = 4 * 1024

#: libcurl's error codes to the outcome's reason, most common first; any other code is a
#: client error (a bug or a limit of forgehooks', not the receiver's fault)
CURL_REASONS: dict[int, Reason] = {
    pycurl.E_OPERATION_TIMEDOUT: Reason.TIMEOUT,
    pycurl.E_COULDNT_CONNECT: Reason.CONNECT,
    pycurl.E_COULDNT_RESOLVE_HOST: Reason.DNS,
    pycurl.E_COULDNT_RESOLVE_PROXY: Reason.DNS,
    pycurl.E_GOT_NOTHING: Reason.DISCONNECTED,
    pycurl.E_RECV_ERROR: Reason.DISCONNECTED,
    pycurl.E_SEND_ERROR: Reason.DISCONNECTED,
    pycurl.E_PARTIAL_FILE: Reason.DISCONNECTED,
    #: a reused connection died under the request: libcurl would send it again, the body
    #: refuses to be rewound (see `_Exchange`), so the attempt ends and is recorded
    pycurl.E_SEND_FAIL_REWIND: Reason.DISCONNECTED,
    pycurl.E_SSL_CONNECT_ERROR: Reason.TLS,
    pycurl.E_PEER_FAILED_VERIFICATION: Reason.TLS,
    pycurl.E_SSL_CERTPROBLEM: Reason.TLS,
    pycurl.E_SSL_CIPHER: Reason.TLS,
    pycurl.E_SSL_CACERT_BADFILE: Reason.TLS,
    pycurl.E_SSL_ENGINE_NOTFOUND: Reason.TLS,
    pycurl.E_SSL_ISSUER_ERROR: Reason.TLS,
    8: Reason.INVALID_RESPONSE,  # CURLE_WEIRD_SERVER_REPLY
    pycurl.E_HTTP_RETURNED_ERROR: Reason.INVALID_RESPONSE,
    100: Reason.INVALID_RESPONSE,  # CURLE_TOO_LARGE: a header past libcurl's own limit
    pycurl.E_URL_MALFORMAT: Reason.INVALID_REQUEST,
    pycurl.E_UNSUPPORTED_PROTOCOL: Reason.INVALID_RESPONSE,  # an HTTP/0.9 answer (schemes are checked first)
    pycurl.E_BAD_FUNCTION_ARGUMENT: Reason.INVALID_REQUEST,
}


#: how each reason reads at the start of the recorded error, for people reading the log
LABELS: dict[Reason, str] = {
    Reason.TIMEOUT: "timeout",
    Reason.CONNECT: "connection refused or unreachable",
    Reason.DNS: "DNS resolution failed",
    Reason.DISCONNECTED: "server disconnected",
    Reason.TLS: "TLS error",
    Reason.INVALID_RESPONSE: "invalid HTTP response",
    Reason.INVALID_REQUEST: "invalid request",
    Reason.GUARD: "blocked",
    Reason.CLIENT_ERROR: "internal client error",
}


class InvalidRequest(ValueError):
    """The hook's URL or headers cannot be sent as they are."""


@dataclass(frozen=True, slots=True)
class TlsMaterial:
    """A hook's own TLS trust and identity (PEM): its CA bundle, its client certificate and key."""

    ca_bundle: bytes = b""  #: trust only these CAs (not the system's) for this hook's receiver
    client_cert: bytes = b""  #: presented when the receiver asks (mutual TLS)
    client_key: bytes = b""  #: the client certificate's private key (unencrypted PEM)


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header's seconds from now (a number or an HTTP date); None if unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def clean_text(raw: bytes) -> str:
    """Response bytes as text for the log: decoded leniently, NUL bytes removed."""
    return raw.decode("utf-8", "replace").replace("\x00", "")


#: libcurl's own default headers, turned off: no `Expect: 100-continue` round trip, no
#: `Accept: */*`; its User-Agent and form Content-Type too unless the request has its own
NO_DEFAULTS = ("Expect:", "Accept:")
NO_USER_AGENT = "User-Agent:"
NO_CONTENT_TYPE = "Content-Type:"


def header_lines(headers: Mapping[str, str]) -> list[str]:
    """The request's header lines; refuses a line break in a name or value (header injection)."""
    lines = [f"{name}: {value}" for name, value in headers.items()]
    text = "".join(lines)
    if "\n" in text or "\r" in text:
        raise InvalidRequest("a header name or value holds a line break")
    lines += NO_DEFAULTS
    named = {name.lower() for name in headers}
    if "user-agent" not in named:
        lines.append(NO_USER_AGENT)
    if "content-type" not in named:
        lines.append(NO_CONTENT_TYPE)
    return lines


@dataclass(frozen=True, slots=True)
class Target:
    """What a URL's requests need to know of it, parsed once."""

    url: str  #: percent-encoded as a browser would (a space or `ü` in a hook's URL is sent encoded)
    scheme: str
    host: str
    port: int


def target_of(url: str) -> Target:
    """The scheme, host and port of an http(s) URL; `InvalidRequest` for anything else."""
    try:
        encoded = str(URL(url))
    except (ValueError, TypeError) as exc:
        raise InvalidRequest(f"invalid URL {url!r}: {exc}") from exc
    parts = urlsplit(encoded)
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise InvalidRequest(f"invalid port in {url!r}") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidRequest(f"not an http(s) URL with a host: {url!r}")
    return Target(encoded, parts.scheme, host, port or (443 if parts.scheme == "https" else 80))


class _Exchange:
    """An easy handle and its callbacks, reused request after request: the body read once,
    the answer collected up to the caps, and the guard's verdict on each address libcurl
    opens a socket to. The options every request shares are set once per handle."""

    __slots__ = (
        "allow_any",
        "body",
        "capped",
        "chunks",
        "handle",
        "head",
        "head_bytes",
        "kept",
        "plain",
        "refused",
        "sent",
    )

    def __init__(self, total_timeout_ms: int, connect_timeout_ms: int) -> None:
        self.handle = pycurl.Curl()
        self.body = b""
        self.sent = 0  # bytes of the body handed to libcurl
        self.allow_any = False  # local targets allowed, or a proxy's address (the operator's)
        self.refused: list[str] = []
        self.head: list[bytes] = []
        self.head_bytes = 0
        self.chunks: list[bytes] = []
        self.kept = 0
        self.capped = False
        self.plain = True  # no option of one hook's own (TLS, proxy, fixed addresses) is set
        self.set_shared(total_timeout_ms, connect_timeout_ms)

    def set_shared(self, total_timeout_ms: int, connect_timeout_ms: int) -> None:
        """The options every request has."""
        setopt = self.handle.setopt
        setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
        setopt(pycurl.NOSIGNAL, 1)
        setopt(pycurl.POST, 1)
        setopt(pycurl.READFUNCTION, self.read)
        setopt(pycurl.SEEKFUNCTION, self.seek)
        setopt(pycurl.HEADERFUNCTION, self.header)
        setopt(pycurl.WRITEFUNCTION, self.write)
        setopt(pycurl.OPENSOCKETFUNCTION, self.open_socket)
        setopt(pycurl.TIMEOUT_MS, total_timeout_ms)
        setopt(pycurl.CONNECTTIMEOUT_MS, connect_timeout_ms)
        setopt(pycurl.DNS_CACHE_TIMEOUT, DNS_SECONDS)
        setopt(pycurl.MAXAGE_CONN, IDLE_SECONDS)
        # libcurl's per-transfer buffers at their smallest: a webhook POST is a few KiB and its
        # answer is read up to 64 KiB, and 10,000 sends in flight each hold them (64 KiB for
        # the upload alone by default: 659 MB against 200 at that load)
        setopt(pycurl.UPLOAD_BUFFERSIZE, UPLOAD_BUFFER)
        setopt(pycurl.BUFFERSIZE, DOWNLOAD_BUFFER)
        setopt(pycurl.PROXY, "")  # never the environment's proxy behind forgehooks' back
        self.plain = True

    def begin(self, body: bytes, allow_any: bool) -> None:
        """Ready for the next request."""
        self.body = body
        self.sent = 0  # bytes of the body handed to libcurl
        self.allow_any = allow_any
        self.refused = []
        self.head = []
        self.head_bytes = 0
        self.chunks = []
        self.kept = 0
        self.capped = False

    def read(self, size: int) -> bytes:
        # the body from where the last read ended, at most `size` bytes (libcurl's upload
        # buffer): a body over 16 KiB takes several reads
        start = self.sent
        if start == 0 and len(self.body) <= size:
            self.sent = len(self.body)
            return self.body  # the usual webhook body: whole, without a copy
        self.sent = start + size
        return self.body[start : start + size]

    def seek(self, offset: int, origin: int) -> int:
        # libcurl rewinds only to send the body again on a new connection (a reused one
        # died): refused, so a request is never sent twice within one recorded attempt
        return CANT_SEEK

    def open_socket(self, purpose: int, address: Any) -> Any:
        if not self.allow_any and not is_public(ipaddress.ip_address(address.addr[0])):
            self.refused.append(address.addr[0])
            return pycurl.SOCKET_BAD  # libcurl goes on with the host's next address, if any
        return socket.socket(address.family, address.socktype, address.protocol)

    def header(self, line: bytes) -> int | None:
        self.head_bytes += len(line)
        if self.head_bytes > HEADER_BYTES_CAP:
            return -1  # stop: an answer this long is not HTTP a webhook receiver sends
        if line.startswith(b"HTTP/"):  # a new status line (after 100 Continue): a new head
            self.head = []
        self.head.append(line)
        return None

    def write(self, chunk: bytes) -> int | None:
        room = RESPONSE_BODY_CAP - self.kept
        if len(chunk) >= room:
            self.chunks.append(chunk[:room])
            self.kept = RESPONSE_BODY_CAP
            self.capped = True
            return 0  # the rest is not read: libcurl stops and drops the connection
        self.chunks.append(chunk)
        self.kept += len(chunk)
        return None

    def headers(self) -> dict[str, str]:
        fields: dict[str, str] = {}
        for line in self.head[1:]:
            name, colon, value = line.decode("latin-1").partition(":")
            if colon:
                fields[name.strip()] = value.strip()
        return fields


class Sender:
    """Sends one request per attempt over libcurl's shared connection pool."""

    def __init__(
        self,
        *,
        allow_local: bool,
        total_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        per_host_limit: int = 64,
        proxy: str | None = None,
        resolver: AbstractResolver | None = None,
        static_hosts: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.allow_local = allow_local
        self.total_timeout_ms = max(0, round(total_timeout * 1000))
        self.connect_timeout_ms = max(0, round(connect_timeout * 1000))
        self.per_host_limit = per_host_limit
        #: the egress proxy of every URL (None: HTTPS_PROXY/HTTP_PROXY from the environment);
        #: NO_PROXY is honoured either way
        self.proxy = proxy
        self.resolver = resolver  # the DNS under the guard for proxied targets (tests inject a stub)
        #: fixed addresses of host names, as `curl --resolve` (tests: a name with two addresses)
        self.static_hosts = {k.lower(): list(v) for k, v in (static_hosts or {}).items()}
        self.transfers = Transfers(per_host=per_host_limit)
        self._idle: list[_Exchange] = []  # handles kept for the next requests
        self._targets: dict[str, Target] = {}  # hooks send to the same few URLs again and again
        self._proxies: dict[tuple[str, str], str] = {}

    # -- the proxy of a URL ----------------------------------------------------------------
    def proxy_for(self, scheme: str, host: str) -> str:
        """The proxy URL for a request to `host` ('' to connect directly)."""
        key = (scheme, host)
        found = self._proxies.get(key)
        if found is None:
            if len(self._proxies) > 4096:
                self._proxies.clear()
            found = self._proxies[key] = self._choose_proxy(scheme, host)
        return found

    def _choose_proxy(self, scheme: str, host: str) -> str:
        if urllib.request.proxy_bypass(host):  # NO_PROXY (its names, domains and addresses)
            return ""
        if self.proxy is not None:
            return self.proxy
        return urllib.request.getproxies_environment().get(scheme, "")

    async def _target_address(self, host: str, port: int) -> str:
        """The address a proxy must tunnel to: resolved here and checked by the guard, so
        the proxy connects to an address forgehooks allowed (no second DNS answer)."""
        literal = literal_address(host)
        if literal is not None:
            candidates = [str(literal)]
        elif host.lower() in self.static_hosts:
            candidates = self.static_hosts[host.lower()]
        else:
            resolver = GuardedResolver(allow_local=True, inner=self.resolver)
            try:
                answers = await resolver.resolve(host, port, socket.AF_UNSPEC)
            except OSError as exc:
                raise TransferFailed(pycurl.E_COULDNT_RESOLVE_HOST, f"{host}: {exc.strerror or exc}") from exc
            candidates = [a["host"] for a in answers]
        allowed = [a for a in candidates if self.allow_local or is_public(ipaddress.ip_address(a))]
        if not allowed:
            raise BlockedAddress(f"receiver address is not public ({host} resolves only to such addresses)")
        return allowed[0]

    # -- one request -----------------------------------------------------------------------
    async def send(
        self,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        ssl_verify: bool,
        tls: TlsMaterial | None = None,
    ) -> Outcome:
        """POST `body` to `url`; never raises for network or HTTP trouble (a bug in here is
        logged and becomes a client error, retried and not counted against the hook)."""
        started = time.perf_counter()
        exchange: _Exchange | None = None
        try:
            target = self._targets.get(url)
            if target is None:
                if len(self._targets) > 4096:
                    self._targets.clear()
                target = self._targets[url] = target_of(url)
            host, port = target.host, target.port
            lines = header_lines(headers)
            proxy = self.proxy_for(target.scheme, host)
            pinned = await self._target_address(host, port) if proxy else ""
            exchange = (
                self._idle.pop() if self._idle else _Exchange(self.total_timeout_ms, self.connect_timeout_ms)
            )
            exchange.begin(body, allow_any=self.allow_local or bool(proxy))
            handle = exchange.handle
            handle.setopt(pycurl.URL, target.url)
            handle.setopt(pycurl.POSTFIELDSIZE_LARGE, len(body))
            handle.setopt(pycurl.HTTPHEADER, lines)
            if not ssl_verify or tls is not None:
                self._secure(exchange, ssl_verify, tls)
            if proxy or self.static_hosts:
                self._route(exchange, host, port, proxy, pinned)
            await self.transfers.run(handle)
            return self._answer(exchange, started)
        except TransferFailed as exc:
            if exchange is not None and exc.code == pycurl.E_WRITE_ERROR and exchange.capped:
                return self._answer(exchange, started)
            return self._failed(exc, exchange, started)
        except BlockedAddress as exc:
            return failed(Reason.GUARD, str(exc), started)
        except (InvalidRequest, UnicodeError) as exc:
            return failed(Reason.INVALID_REQUEST, str(exc), started)
        except Exception as exc:  # a bug here is forgehooks', never the receiver's
            log.exception("the sender failed unexpectedly on %s", urlsplit(url).netloc if url else url)
            return failed(Reason.CLIENT_ERROR, f"{type(exc).__name__}: {exc}", started)
        finally:
            if exchange is not None:
                self._give_back(exchange)

    def _give_back(self, exchange: _Exchange) -> None:
        exchange.begin(b"", False)  # holds no body or answer while idle
        if len(self._idle) >= IDLE_HANDLES:
            exchange.handle.close()
            return
        if not exchange.plain:  # one hook's own options go with the request that set them
            exchange.handle.reset()
            exchange.set_shared(self.total_timeout_ms, self.connect_timeout_ms)
        self._idle.append(exchange)

    def _secure(self, exchange: _Exchange, ssl_verify: bool, tls: TlsMaterial | None) -> None:
        setopt = exchange.handle.setopt
        exchange.plain = False
        if not ssl_verify:
            setopt(pycurl.SSL_VERIFYPEER, 0)
            setopt(pycurl.SSL_VERIFYHOST, 0)
        if tls is not None:
            if tls.ca_bundle:
                setopt(pycurl.CAINFO_BLOB, tls.ca_bundle)
            if tls.client_cert:
                setopt(pycurl.SSLCERT_BLOB, tls.client_cert)
                setopt(pycurl.SSLCERTTYPE, "PEM")
            if tls.client_key:
                setopt(pycurl.SSLKEY_BLOB, tls.client_key)
                setopt(pycurl.SSLKEYTYPE, "PEM")

    def _route(self, exchange: _Exchange, host: str, port: int, proxy: str, pinned: str) -> None:
        setopt = exchange.handle.setopt
        if proxy:
            # tunnel (CONNECT) to the address the guard allowed; Host and the certificate's
            # name stay the URL's
            exchange.plain = False
            target = f"[{pinned}]" if ":" in pinned else pinned
            setopt(pycurl.PROXY, proxy)
            setopt(pycurl.HTTPPROXYTUNNEL, 1)
            setopt(pycurl.CONNECT_TO, [f"{host}:{port}:{target}:{port}"])
            return
        addresses = self.static_hosts.get(host.lower())
        if addresses:
            exchange.plain = False
            listed = ",".join(f"[{a}]" if ":" in a else a for a in addresses)
            setopt(pycurl.RESOLVE, [f"{host}:{port}:{listed}"])

    def _answer(self, exchange: _Exchange, started: float) -> Outcome:
        headers = exchange.headers()
        retry_after = None
        for name, value in headers.items():
            if len(name) == 11 and name.lower() == "retry-after":
                retry_after = retry_after_seconds(value)
        body = exchange.chunks[0] if len(exchange.chunks) == 1 else b"".join(exchange.chunks)
        return Outcome(
            status=exchange.handle.getinfo(pycurl.RESPONSE_CODE),
            headers=headers,
            body=clean_text(body),
            duration_ms=_ms(started),
            retry_after=retry_after,
        )

    def _failed(self, exc: TransferFailed, exchange: _Exchange | None, started: float) -> Outcome:
        reason = CURL_REASONS.get(exc.code)
        detail = str(exc).strip()
        if exchange is not None and exchange.refused and exc.code == pycurl.E_COULDNT_CONNECT:
            reason, detail = Reason.GUARD, f"receiver address is not public ({', '.join(exchange.refused)})"
        elif (
            exc.code == pycurl.E_WRITE_ERROR
            and exchange is not None
            and exchange.head_bytes > HEADER_BYTES_CAP
        ):
            reason, detail = (
                Reason.INVALID_RESPONSE,
                f"status line and headers longer than {HEADER_BYTES_CAP} bytes",
            )
        elif reason is None:
            log.error("libcurl ended a send with an unexpected error %d: %s", exc.code, detail)
            reason = Reason.CLIENT_ERROR
        return failed(reason, detail, started)

    async def close(self) -> None:
        """Close every pooled connection."""
        self.transfers.close()
        for exchange in self._idle:
            exchange.handle.close()
        self._idle.clear()


def failed(reason: Reason, detail: str, started: float) -> Outcome:
    """The outcome of a send that got no answer, its error led by the reason's label."""
    label = LABELS.get(reason, reason.value)
    error = f"{label}: {detail.strip()}" if detail.strip() else label
    return Outcome(failure=reason, error=error[:500], duration_ms=_ms(started))


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
