"""A folder of events waiting to reach the service, oldest first, written atomically.

A push writes its events here before sending, so a service that is down loses nothing:
whatever is not sent stays for the next push or `forgehooks git-hook flush`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from forgehooks.core.ids import new_uuid


class Verdict(StrEnum):
    """What the service did with one spooled event."""

    SENT = "sent"  #: accepted: remove it from the spool
    RETRY = "retry"  #: unreachable, overloaded or refusing the token: keep it, stop for now
    REJECTED = "rejected"  #: the event itself is bad: set it aside in rejected/


@dataclass(slots=True)
class FlushReport:
    """What one flush did."""

    sent: int = 0
    rejected: int = 0
    left: int = 0
    problem: str = ""
    errors: list[str] = field(default_factory=list)


Sender = Callable[[dict[str, Any]], tuple[Verdict, str]]


class Spool:
    """Events as JSON files in `folder`, named so that sorting them gives push order."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.rejected = folder / "rejected"

    def add(self, entry: dict[str, Any]) -> Path:
        """Store one event; the file appears whole or not at all."""
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{new_uuid()[:8]}.json"
        tmp = self.folder / f".{name}.tmp"
        tmp.write_text(json.dumps(entry, ensure_ascii=False))
        os.replace(tmp, self.folder / name)
        return self.folder / name

    def pending(self) -> list[Path]:
        """Waiting events, oldest first."""
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.glob("*.json") if not p.name.startswith("."))

    @contextlib.contextmanager
    def locked(self, wait: float) -> Iterator[bool]:
        """Hold the spool's lock (True) or give up after `wait` seconds (False)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / ".lock").open("a") as handle:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        yield False
                        return
                    time.sleep(0.05)
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def flush(self, send: Sender, deadline: float) -> FlushReport:
        """Send waiting events in order until one must wait, or time (monotonic `deadline`) is up."""
        report = FlushReport()
        with self.locked(max(0.0, deadline - time.monotonic())) as got:
            waiting = self.pending()
            if not got:
                report.left, report.problem = len(waiting), "another push is sending; left spooled"
                return report
            for index, path in enumerate(waiting):
                if time.monotonic() >= deadline:
                    report.left, report.problem = len(waiting) - index, "time budget used up"
                    break
                verdict, detail = self._send_one(path, send)
                if verdict is Verdict.RETRY:
                    report.left, report.problem = len(waiting) - index, detail
                    break
                if verdict is Verdict.SENT:
                    report.sent += 1
                else:
                    report.rejected += 1
                    report.errors.append(detail)
        return report

    def _send_one(self, path: Path, send: Sender) -> tuple[Verdict, str]:
        try:
            entry = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            verdict, detail = Verdict.REJECTED, f"unreadable spool file: {exc}"
        else:
            verdict, detail = send(entry)
        if verdict is Verdict.SENT:
            path.unlink(missing_ok=True)
        elif verdict is Verdict.REJECTED:
            self.rejected.mkdir(parents=True, exist_ok=True)
            os.replace(path, self.rejected / path.name)
            (self.rejected / (path.stem + ".error.txt")).write_text(detail + "\n")
        return verdict, detail
