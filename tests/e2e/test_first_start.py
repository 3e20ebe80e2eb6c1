"""`forgehooks serve` on a fresh data folder: migrates, creates admin, prints its token once."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port, wait_ready

BIN = Path(sys.executable).parent / "forgehooks"
pytestmark = pytest.mark.e2e


def _env(tmp_path: Path) -> dict[str, str]:
    return os.environ | {"FORGEHOOKS_DATA_DIR": str(tmp_path / "data"), "FORGEHOOKS_DATABASE_URL": ""}


def test_first_start_prints_a_working_admin_token_once(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = ""
    try:
        deadline = time.monotonic() + 60
        token = None
        while time.monotonic() < deadline and token is None:
            line = proc.stdout.readline() if proc.stdout else ""
            output += line
            match = re.search(r"\b(fh_[A-Za-z0-9_-]{20,})", line)
            token = match.group(1) if match else None
        assert token, output
        for _ in range(200):
            try:
                r = httpx.get(
                    f"http://127.0.0.1:{port}/api/forgehooks/v1/user", headers={"PRIVATE-TOKEN": token}
                )
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert r.status_code == 200 and r.json()["username"] == "admin" and r.json()["is_admin"]
        assert (tmp_path / "data" / "forgehooks.db").exists()
        assert (tmp_path / "data" / "secret.key").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=30)
        output += rest or ""
    # uvicorn shuts down gracefully, then re-raises the signal it caught (exit by SIGTERM)
    assert proc.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output
    # a second start does not create another admin or print a token
    second = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wait_ready(port)  # serving: the start-up, where a token would be printed, is over
    second.send_signal(signal.SIGTERM)
    again, _ = second.communicate(timeout=30)
    assert "fh_" not in again and "First start" not in again


def test_cli_creates_users_projects_and_tokens_as_json(tmp_path: Path) -> None:
    env = _env(tmp_path)

    def run(*args: str) -> dict[str, object]:
        done = subprocess.run(
            [str(BIN), *args, "--json"], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    subprocess.run([str(BIN), "db", "upgrade"], env=env, check=True, capture_output=True, timeout=60)
    user = run("users", "create", "bob")
    assert user["username"] == "bob"
    project = run("projects", "create", "bob/tools", "--owner", "bob")
    assert (
        project["path"] == "bob/tools"
        and len(str(project["hex_id"])) == 32
        and len(str(project["uuid"])) == 36
    )
    token = run("tokens", "create", "--user", "bob")
    assert str(token["token"]).startswith("fh_")
    duplicate = subprocess.run(
        [str(BIN), "projects", "create", "bob/tools", "--owner", "bob"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
