"""A throwaway service for `forgehooks demo`: the whole app on a free loopback port, over a SQLite
file in a temporary folder, with local targets allowed (the demo's receiver is on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from forgehooks.api.app import build_runtime, create_app
from forgehooks.config import Settings
from forgehooks.services import accounts
from forgehooks.store.migrate import upgrade

START_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Sandbox:
    """Where the throwaway service answers and its admin's token."""

    url: str
    token: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _admin_token(settings: Settings) -> str:
    rt = build_runtime(settings)
    try:
        issued = await accounts.ensure_admin(rt)
    finally:
        await rt.close()
    assert issued is not None, "a fresh database has no admin yet"
    return issued.value


@contextlib.contextmanager
def sandbox() -> Iterator[Sandbox]:
    """Serve a fresh service until the block ends; its folder is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="forgehooks-sandbox-") as folder:
        port = _free_port()
        settings = Settings(
            _env_file=None,
            data_dir=Path(folder),
            database_url="",
            database_schema="",
            host="127.0.0.1",
            port=port,
            allow_local_targets=True,
        )
        upgrade(settings.resolved_database_url)
        token = asyncio.run(_admin_token(settings))
        config = uvicorn.Config(
            create_app(settings, workers=1), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
        logging.getLogger("forgehooks").setLevel(logging.WARNING)
        thread.start()
        try:
            deadline = time.monotonic() + START_SECONDS
            while not server.started:
                if time.monotonic() > deadline or not thread.is_alive():
                    raise RuntimeError("the demo's own service did not start")
                time.sleep(0.05)
            yield Sandbox(url=f"http://127.0.0.1:{port}", token=token)
        finally:
            server.should_exit = True
            thread.join(START_SECONDS)
