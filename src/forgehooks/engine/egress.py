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


class BlockedAddress(OSError):
    """The receiver's address is not a public one."""


def is_public(address: IPAddress) -> bool:
    """Whether an address is a globally routable unicast one (IPv4-mapped IPv6 unwrapped)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
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


def check_url(url: str, *, allow_local: bool, field: str = "url") -> None:
    """Refuse non-http(s) URLs and, unless allowed, literal non-public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise InvalidInput(field, "must be an http or https URL")
    if not parts.hostname:
        raise InvalidInput(field, "must name a host")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise InvalidInput(field, "has an invalid port") from exc
    if allow_local:
        return
    address = literal_address(parts.hostname)
    if address is not None and not is_public(address):
        raise InvalidInput(field, f"targets a non-public address ({address}); local targets are not allowed")
    if parts.hostname.lower() in ("localhost", "localhost.localdomain") or parts.hostname.endswith(
        ".localhost"
    ):
        raise InvalidInput(field, "targets localhost; local targets are not allowed")


async def check_resolved(url: str, *, allow_local: bool, field: str = "url") -> None:
    """`check_url`, then resolve the host and refuse when any answer is not public."""
    check_url(url, allow_local=allow_local, field=field)
    if allow_local:
        return
    host = urlsplit(url).hostname or ""
    if literal_address(host) is not None:
        return
    resolver = GuardedResolver(allow_local=False)
    try:
        await resolver.resolve(host, 0)
    except BlockedAddress as exc:
        raise InvalidInput(field, str(exc)) from exc
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
