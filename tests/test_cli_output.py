"""The command line read through a pipe: plain help, unwrapped lines, counted nouns."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from forgehooks.cli import app, deliveries_phrase

BIN = Path(sys.executable).parent / "forgehooks"


def test_help_through_a_pipe_is_plain_text() -> None:
    piped = subprocess.run([str(BIN), "--help"], capture_output=True, text=True, timeout=60, check=True)
    assert "Usage: forgehooks" in piped.stdout and "receive" in piped.stdout
    assert not set("╭╮╰╯│─") & set(piped.stdout), "no boxes drawn for a terminal that is not there"
    sub = CliRunner().invoke(app, ["projects", "--help"])
    assert sub.exit_code == 0 and "Usage:" in sub.output and "│" not in sub.output


def test_a_long_line_is_not_wrapped_when_the_output_is_not_a_terminal(tmp_path: Path) -> None:
    long_path = "acme/" + "w" * 120
    env = {"FORGEHOOKS_DATA_DIR": str(tmp_path), "FORGEHOOKS_DATABASE_URL": ""}
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    assert runner.invoke(app, ["users", "create", "admin", "--admin"], env=env).exit_code == 0
    made = runner.invoke(app, ["projects", "create", long_path], env=env)
    assert made.exit_code == 0, made.output
    line = next(line for line in made.output.splitlines() if line.startswith("created "))
    assert long_path in line and "organization_id" in line


def test_counts_name_one_delivery_in_the_singular() -> None:
    assert [deliveries_phrase(n) for n in (0, 1, 2)] == ["0 deliveries", "1 delivery", "2 deliveries"]
