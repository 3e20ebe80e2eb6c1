"""`forgehooks worker` as a real separate process on a test's database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from forgehooks.config import Settings

FORGEHOOKS = Path(sys.executable).parent / "forgehooks"


def worker_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that points a worker process at the test's database and key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORGEHOOKS_")}
    env |= {
        "FORGEHOOKS_DATABASE_URL": settings.resolved_database_url,
        "FORGEHOOKS_DATABASE_SCHEMA": settings.database_schema,
        "FORGEHOOKS_DATA_DIR": str(settings.data_dir),
        "FORGEHOOKS_ALLOW_LOCAL_TARGETS": "true",
        "FORGEHOOKS_POLL_INTERVAL": "0.01",
    }
    return env | {f"FORGEHOOKS_{k.upper()}": v for k, v in extra.items()}


class WorkerProcess:
    """`with WorkerProcess(settings) as w:` runs one worker process; killed on exit if still alive."""

    def __init__(self, settings: Settings, *args: str, **extra: str) -> None:
        self.args = list(args)
        self.env = worker_env(settings, **extra)
        self.log = settings.data_dir / f"worker-{time.monotonic_ns()}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> WorkerProcess:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(FORGEHOOKS), "worker", *self.args], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        return self

    def signal(self, sig: signal.Signals) -> None:
        """Send `sig` to the worker."""
        assert self.process is not None
        self.process.send_signal(sig)

    def wait(self, timeout: float) -> int:
        """The exit code, waiting at most `timeout` seconds."""
        assert self.process is not None
        return self.process.wait(timeout)

    def output(self) -> str:
        """What the worker logged."""
        return self.log.read_text(errors="replace")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
