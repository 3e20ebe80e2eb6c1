"""SQLite with the worker in a process of its own (`serve --workers 0` and `forgehooks worker`):
a publish wakes it through its socket, long before its poll interval would."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.receivers import Receiver
from tests.servers import free_port, wait_ready

BIN = Path(sys.executable).parent / "forgehooks"
pytestmark = pytest.mark.e2e
POLL = 60  # seconds: the worker would not look on its own within the test


def _token(proc: subprocess.Popen[str]) -> str:
    deadline, seen = time.monotonic() + 60, ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline() if proc.stdout else ""
        seen += line
        match = re.search(r"\b(fh_[A-Za-z0-9_-]{20,})", line)
        if match:
            return match.group(1)
    raise AssertionError(f"no admin token printed: {seen}")


def test_a_publish_wakes_the_worker_process_at_once(tmp_path: Path) -> None:
    env = os.environ | {
        "FORGEHOOKS_DATA_DIR": str(tmp_path / "data"),
        "FORGEHOOKS_DATABASE_URL": "",
        "FORGEHOOKS_POLL_INTERVAL": str(POLL),
        "FORGEHOOKS_ALLOW_LOCAL_TARGETS": "true",
    }
    subprocess.run([str(BIN), "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    serve = subprocess.Popen(
        [str(BIN), "serve", "--workers", "0", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    worker = subprocess.Popen(
        [str(BIN), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        headers = {"PRIVATE-TOKEN": _token(serve)}
        base = f"http://127.0.0.1:{port}"
        wait_ready(port)
        api = f"{base}/api/forgehooks/v1"
        with Receiver() as receiver:
            r = httpx.post(f"{api}/projects", json={"path": "acme/widgets"}, headers=headers)
            assert r.status_code == 201, r.text
            project = r.json()["id"]
            hook = {"url": f"{receiver.url}/hook", "events": ["push"]}
            r = httpx.post(f"{api}/projects/{project}/hooks", json=hook, headers=headers)
            assert r.status_code == 201, r.text
            time.sleep(1)  # the worker is up and has made its first claim; now it waits POLL
            event = {"kind": "push", "body": {"ref": "refs/heads/main", "after": "a" * 40}}
            sent = time.monotonic()
            r = httpx.post(f"{api}/projects/{project}/events", json=event, headers=headers)
            assert r.status_code == 201, r.text
            got = receiver.wait_for(1, timeout=POLL / 3)
            assert got[0].at - sent < POLL / 3
            assert got[0].path == "/hook"
    finally:
        for proc in (worker, serve):
            proc.send_signal(signal.SIGTERM)
        for proc in (worker, serve):
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
