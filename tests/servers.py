"""The real service on 127.0.0.1:0 in a background thread, for synchronous official clients."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import httpx
import uvicorn

from forgehooks.api.app import create_app
from forgehooks.config import Settings


def wait_ready(port: int, timeout: float = 60) -> None:
    """Block until a `forgehooks serve` on `port` answers /readyz with 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"the service on port {port} did not become ready")


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """`with LiveServer(settings) as server:` serves the whole app (API + one worker)."""

    def __init__(self, settings: Settings, workers: int = 1) -> None:
        self.port = free_port()
        self.settings = settings.model_copy(update={"host": "127.0.0.1", "port": self.port})
        self.app = create_app(self.settings, workers=workers)
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self.server.serve())

    @property
    def url(self) -> str:
        """Base URL of the service."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def runtime(self):  # type: ignore[no-untyped-def]
        """The app's runtime (use only from the server's own loop)."""
        return self.app.state.runtime

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the service did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(20)
