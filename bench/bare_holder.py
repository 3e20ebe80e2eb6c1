"""The memory reference: a bare aiohttp process holding N POSTs open at once, no database.

`python bench/bare_holder.py URL N` sends N requests with the 2 KB body through one session
(no connection limit) to a receiver that never answers, and waits to be killed; the caller
reads the process's peak RSS once N connections are open (`delivery.bare_memory`).
"""

from __future__ import annotations

import asyncio
import resource
import sys

import aiohttp
import uvloop

BODY = b'{"pad":"' + b"x" * (2048 - 10) + b'"}'  # the same as bench/delivery.py's


async def hold(url: str, count: int) -> None:
    """Start `count` POSTs and wait for them (they never finish)."""
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def one() -> None:
            async with session.post(url, data=BODY, headers={"Content-Type": "application/json"}) as r:
                await r.read()

        await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)


def main() -> None:
    """Raise the open-file limit, then hold the requests."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    uvloop.run(hold(sys.argv[1], int(sys.argv[2])))


if __name__ == "__main__":
    main()
