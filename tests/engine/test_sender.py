"""The sender against hostile receivers: every failure is an outcome with a clear error."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from forgehooks.core.deliveries import Verdict
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
    assert outcome.error.startswith(("invalid HTTP response", "server disconnected")), outcome.error


async def test_silence_is_a_timeout_within_the_total_timeout(sender: Sender) -> None:
    started = time.monotonic()
    async with hostile.serving(hostile.silence) as url:
        outcome = await sender.send(url, {}, b"{}", ssl_verify=True)
    assert outcome.error.startswith("timeout")
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
        return outcome.error, took

    async with hostile.serving(hostile.silence) as url:
        results = await asyncio.gather(timed(0), timed(0.5), timed(0.9))
    for error, took in results:
        assert error == "timeout" and 1.9 < took < 2.5, (error, took)


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
    assert outcome.error.startswith(("connection reset", "server disconnected")), outcome.error


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
    assert outcome.error.startswith(("invalid HTTP response", "timeout")), outcome.error


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
    assert outcome.error.startswith("connection refused"), outcome.error


async def test_tls_is_verified_unless_the_hook_turned_it_off(sender: Sender, tmp_path: Path) -> None:
    async with hostile.serving(hostile.ok, tls=hostile.self_signed(tmp_path)) as url:
        verified = await sender.send(url, {}, b"{}", ssl_verify=True)
        unverified = await sender.send(url, {}, b"{}", ssl_verify=False)
    assert verified.status is None and verified.error.startswith("TLS"), verified.error
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
