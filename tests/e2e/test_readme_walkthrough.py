"""The README's first-delivery walkthrough, pasted as written: a service allowing local targets,
`forgehooks receive`, then terminal 3's block run by bash; every face's hook gets the push."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servers import free_port, wait_ready

pytestmark = pytest.mark.e2e

README = Path(__file__).parents[2] / "README.md"
BIN = Path(sys.executable).parent
FACES = 6


def _terminal_three() -> str:
    """The shell block the README says to paste in terminal 3."""
    after = README.read_text().split("Terminal 3, pasted from top to bottom:", 1)[1]
    found = re.search(r"```sh\n(.*?)```", after, re.S)
    assert found, "the README has no terminal 3 block"
    return found.group(1)


def _shown() -> list[str]:
    """The receiver's lines as the README shows them."""
    after = README.read_text().split("the receiver prints one line per face", 1)[1]
    found = re.search(r"```text\n(.*?)```", after, re.S)
    assert found, "the README shows no receiver output"
    return found.group(1).splitlines()


def _without_size(line: str) -> str:
    return re.sub(r"\s+\((\d+|…) bytes\)\s*$", "", line)


def test_the_walkthrough_delivers_one_push_through_every_face(tmp_path: Path) -> None:
    port, receiver_port = free_port(), free_port()
    env = os.environ | {
        "FORGEHOOKS_DATA_DIR": str(tmp_path / "data"),
        "FORGEHOOKS_DATABASE_URL": "",
        "FORGEHOOKS_PORT": str(port),
        "PATH": f"{BIN}:{os.environ['PATH']}",
    }
    block = _terminal_three()
    assert "BASE=http://127.0.0.1:8080 RECV=http://127.0.0.1:9000" in block
    block = block.replace("127.0.0.1:8080", f"127.0.0.1:{port}").replace(
        "127.0.0.1:9000", f"127.0.0.1:{receiver_port}"
    )
    serve = subprocess.Popen(
        [str(BIN / "forgehooks"), "serve"],
        env=env | {"FORGEHOOKS_ALLOW_LOCAL_TARGETS": "true"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    receive = subprocess.Popen(
        [str(BIN / "forgehooks"), "receive", "--port", str(receiver_port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_ready(port)
        ran = subprocess.run(
            ["bash", "-e", "-c", block], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert "6 deliveries" in ran.stderr + ran.stdout
        lines: list[str] = []
        deadline = time.monotonic() + 30
        while len(lines) < FACES and time.monotonic() < deadline:
            line = receive.stdout.readline() if receive.stdout else ""
            if line.startswith("POST"):
                lines.append(line)
    finally:
        for process in (serve, receive):
            process.send_signal(signal.SIGINT)
            process.wait(30)
    assert sorted(_without_size(line) for line in lines) == sorted(_without_size(line) for line in _shown())
