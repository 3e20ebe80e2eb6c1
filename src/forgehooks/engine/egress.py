"""SSRF guard: which addresses a hook may reach, checked at creation and on connect.

The check at creation gives the user a clear error early. The check that matters is at
send time, on the address actually connected to: the sender (`engine/sender.py`) asks
`is_public` about each address libcurl opens a socket to, so a DNS answer that changes
between the check and the connection (rebinding) cannot reach a non-public address.
`GuardedResolver` filters DNS answers where forgehooks resolves a name itself (at
creation, and for the final target of a delivery sent through an egress proxy).
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from forgehooks.core.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Cloud metadata services, refused even where other private ranges would be allowed.
METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
#: IPv6 ranges whose last 32 bits are an IPv4 address a packet may end up at: NAT64's
#: well-known prefix and the deprecated IPv4-compatible form.
V4_EMBEDDING = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))
#: Characters no hook URL may hold anywhere: controls (CR LF would split the request line).
FORBIDDEN_IN_URL = frozenset(chr(c) for c in (*range(0x20), 0x7F))


class BlockedAddress(OSError):
    """The receiver's address is not a public one."""


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 one carries to: mapped, 6to4, Teredo, NAT64, IPv4-compatible."""
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    if any(address in network for network in V4_EMBEDDING) and int(address) > 1:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def is_public(address: IPAddress) -> bool:
    """Whether an address is a globally routable unicast one, and so is every IPv4 address
    an IPv6 one carries (6to4 of loopback, `2002:7f00:1::`, reaches 127.0.0.1)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = embedded_ipv4(address)
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if not all(is_public(v4) for v4 in embedded if v4 != address):
            return False
    if address in METADATA:
        return False
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def literal_address(host: str) -> IPAddress | None:
    """The address a host names literally, including decimal/octal/hex IPv4 forms."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    try:
        # inet_aton accepts 2130706433, 0177.0.0.1, 0x7f.1 ... exactly as connect() would
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


#: The end of every refusal of a local target: what it is and the setting that allows it.
LOCAL_REFUSED = "local targets are not allowed (FORGEHOOKS_ALLOW_LOCAL_TARGETS=true allows them)"


def normalized_host(host: str) -> str:
    """A host name as resolvers read it: lower-case, without the root's trailing dots."""
    return host.lower().rstrip(".")


def target_host(url: str, field: str = "url") -> str:
    """The normalized host an http(s) URL connects to; InvalidInput when the URL is not one
    the sender would read the same way (controls, a backslash in the authority, a bad port)."""
    if any(c in FORBIDDEN_IN_URL for c in url):
        raise InvalidInput(field, "must not contain control characters (CR, LF, ...)")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise InvalidInput(field, "is not a valid URL (bad host or port)") from exc
    if parts.scheme not in ("http", "https"):
        raise InvalidInput(field, "must be an http or https URL")
    if "\\" in parts.netloc or " " in parts.netloc:
        raise InvalidInput(field, "must not contain a backslash or a space in its host part")
    host = normalized_host(parts.hostname or "")
    if not host:
        raise InvalidInput(field, "must name a host")
    return host


def check_url(url: str, *, allow_local: bool, field: str = "url") -> None:
    """Refuse URLs that are not plain http(s) and, unless allowed, non-public literal addresses
    and localhost names, all read after normalizing the host (`127.0.0.1.`, `localhost.`)."""
    host = target_host(url, field)
    if allow_local:
        return
    address = literal_address(host)
    if address is not None and not is_public(address):
        raise InvalidInput(field, f"targets a non-public address ({address}); {LOCAL_REFUSED}")
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        raise InvalidInput(field, f"targets localhost; {LOCAL_REFUSED}")


async def check_resolved(url: str, *, allow_local: bool, field: str = "url") -> None:
    """`check_url`, then resolve the host and refuse when any answer is not public."""
    check_url(url, allow_local=allow_local, field=field)
    if allow_local:
        return
    host = target_host(url, field)
    if literal_address(host) is not None:
        return
    resolver = GuardedResolver(allow_local=False)
    try:
        await resolver.resolve(host, 0)
    except BlockedAddress as exc:
        raise InvalidInput(field, f"{exc}; {LOCAL_REFUSED}") from exc
    except OSError:
        return  # unresolvable now; the send-time guard decides later
    finally:
        await resolver.close()


class GuardedResolver(AbstractResolver):
    """A resolver (aiohttp's interface) that drops non-public answers unless local targets are allowed."""

    def __init__(self, *, allow_local: bool, inner: AbstractResolver | None = None) -> None:
        self.allow_local = allow_local
        self.inner = inner or DefaultResolver()

    async def resolve(self, host: str, port: int = 0, family: Any = socket.AF_INET) -> list[ResolveResult]:
        """Resolve, then keep only addresses a hook may reach."""
        answers = await self.inner.resolve(host, port, family)
        if self.allow_local:
            return answers
        allowed = [a for a in answers if is_public(ipaddress.ip_address(a["host"]))]
        if not allowed:
            raise BlockedAddress(f"{host} resolves only to non-public addresses")
        return allowed

    async def close(self) -> None:
        """Close the wrapped resolver."""
        await self.inner.close()
