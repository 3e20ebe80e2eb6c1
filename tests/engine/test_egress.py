"""SSRF guard: refused at creation and again on the address actually connected to."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from forgehooks.core.deliveries import Reason, Verdict
from forgehooks.core.errors import InvalidInput
from forgehooks.engine.egress import BlockedAddress, GuardedResolver, check_resolved, check_url
from forgehooks.engine.sender import Sender
from tests.receivers import Receiver

REFUSED = [
    "http://127.0.0.1/",
    "http://localhost:8080/",
    "http://api.localhost/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.1.1/",
    "http://[fd00:ec2::254]/",
    "http://[::1]/",
    "http://[fe80::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://2130706433/",  # 127.0.0.1 in decimal
    "http://0177.0.0.1/",  # octal
    "http://0x7f.1/",  # hex, short form
    "http://017700000001/",  # octal, one number
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://127.0.0.1./",  # the root's trailing dot: the same host
    "http://localhost./",
    "http://LOCALHOST../x",
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo, client 127.0.0.1
]


@pytest.mark.parametrize("url", REFUSED)
async def test_non_public_targets_are_refused_at_creation(url: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        await check_resolved(url, allow_local=False, field="url")
    assert caught.value.field == "url"
    assert "FORGEHOOKS_ALLOW_LOCAL_TARGETS=true" in caught.value.message, "the refusal names the setting"
    await check_resolved(url, allow_local=True)  # tests and the demo allow them


MALFORMED = [
    "ftp://example.com/",
    "file:///etc/passwd",
    "gopher://x/",
    "http:///nohost",
    "http://example.com\\@127.0.0.1/",  # read as two different hosts by two parsers
    "http://example.com/\r\nX-Injected: 1",
    "http://exa mple.com/a",
    "http://[::1/",
]


@pytest.mark.parametrize("url", MALFORMED)
def test_other_schemes_and_hostless_urls_are_refused_even_when_local_is_allowed(url: str) -> None:
    with pytest.raises(InvalidInput):
        check_url(url, allow_local=True)


def test_public_literal_addresses_pass() -> None:
    check_url("https://93.184.216.34/hook", allow_local=False)
    check_url("https://[2606:4700:4700::1111]/hook", allow_local=False)
    check_url("https://[2002:808:808::]/hook", allow_local=False)  # 6to4 of a public address
    check_url("https://example.com./hook", allow_local=False)


class SwitchingResolver(AbstractResolver):
    """A DNS stub whose answers change between calls (a rebinding attacker's server)."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def resolve(self, host: str, port: int = 0, family: Any = socket.AF_INET) -> list[ResolveResult]:
        address = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        return [
            ResolveResult(hostname=host, host=address, port=port, family=socket.AF_INET, proto=0, flags=0)
        ]

    async def close(self) -> None:
        return None


async def test_rebinding_is_caught_on_the_second_answer() -> None:
    guard = GuardedResolver(allow_local=False, inner=SwitchingResolver("93.184.216.34", "127.0.0.1"))
    first = await guard.resolve("rebind.example", 80)
    assert first[0]["host"] == "93.184.216.34"
    with pytest.raises(BlockedAddress):
        await guard.resolve("rebind.example", 80)


async def test_send_time_guard_checks_the_address_connected_to(receiver: Receiver) -> None:
    # a name that passed creation elsewhere now resolves home: libcurl resolves it, and the
    # guard refuses each address it would open a socket to
    sender = Sender(allow_local=False, total_timeout=5)
    try:
        outcome = await sender.send(f"http://localhost:{receiver.port}/hook", {}, b"{}", ssl_verify=True)
    finally:
        await sender.close()
    assert outcome.status is None
    assert outcome.reason is Reason.GUARD and outcome.verdict is Verdict.FINAL, outcome
    assert outcome.error.startswith("blocked")
    assert receiver.received == []


async def test_every_address_of_a_name_is_checked(receiver: Receiver) -> None:
    sender = Sender(
        allow_local=False, total_timeout=5, static_hosts={"two.example": ["10.0.0.7", "127.0.0.1"]}
    )
    try:
        outcome = await sender.send(f"http://two.example:{receiver.port}/hook", {}, b"{}", ssl_verify=True)
    finally:
        await sender.close()
    assert outcome.reason is Reason.GUARD, outcome
    assert "10.0.0.7" in outcome.error and "127.0.0.1" in outcome.error  # both refused, in turn
    assert receiver.received == []


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "[::ffff:127.0.0.1]", "0177.0.0.1"])
async def test_send_time_guard_refuses_literal_local_addresses(receiver: Receiver, host: str) -> None:
    sender = Sender(allow_local=False, total_timeout=5)
    try:
        outcome = await sender.send(f"http://{host}:{receiver.port}/", {}, b"{}", ssl_verify=True)
    finally:
        await sender.close()
    assert outcome.reason is Reason.GUARD and outcome.error.startswith("blocked"), outcome
    assert receiver.received == []
