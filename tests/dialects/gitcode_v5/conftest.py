"""Fixtures for the GitCode v5 face: its base path, token helpers and a worker runner."""

from __future__ import annotations

import asyncio

from forgehooks.services.runtime import Runtime
from tests.receivers import Receiver

BASE = "/api/v5/repos/acme/widgets/hooks"


def token_query(token: str) -> dict[str, str]:
    """`?access_token=`, the credential place the document's demos use."""
    return {"access_token": token}


async def deliver(runtime: Runtime, receiver: Receiver, count: int = 1) -> None:
    """Run one worker until the receiver got `count` requests."""
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.new_worker().run(stop))
    try:
        await receiver.await_count(count)
    finally:
        stop.set()
        await task
