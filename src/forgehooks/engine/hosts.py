"""Per-receiver-host admission: a slow or dead receiver can hold only its own few slots.

Each host gets at most `cap` sends in flight and `line` more claimed deliveries waiting
locally for them (a claim's worth, so one busy receiver's batch is not sent back and
forth), and all lines together hold at most `all_lines`; anything beyond goes back to
the queue, and the claim skips that host's hooks while its line is half full. Other
receivers keep the rest of the worker's slots.
"""

from __future__ import annotations

from collections import Counter, deque
from enum import Enum
from typing import Generic, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")


class Admission(Enum):
    """What to do with one claimed delivery."""

    START = "start"  #: a connection slot is free: send now
    WAIT = "wait"  #: wait locally for this host's next free slot
    BACK = "back"  #: the host is saturated: give it back to the queue


def receiver_host(url: str) -> str:
    """The host:port a hook's requests connect to (the unit of the per-host cap)."""
    return urlsplit(url).netloc.rpartition("@")[2].lower()


class HostGate(Generic[T]):
    """Counts sends in flight per host and keeps each host's short local line."""

    def __init__(self, cap: int, line: int = 0, all_lines: int = 0) -> None:
        self.cap = cap  # 0: no cap
        self.line = max(line, cap)
        # all lines together (0: no limit): saturated hosts must never wait in every slot the
        # worker has, or it would stop claiming work for the receivers that do answer
        self.all_lines = all_lines
        self.inflight: Counter[str] = Counter()
        self.lines: dict[str, deque[T]] = {}
        self.waiting = 0

    def admit(self, host: str, item: T) -> Admission:
        """Start, line up or give back one claimed item for `host`."""
        if not self.cap or self.inflight[host] < self.cap:
            self.inflight[host] += 1
            return Admission.START
        line = self.lines.setdefault(host, deque())
        if len(line) < self.line and (not self.all_lines or self.waiting < self.all_lines):
            line.append(item)
            self.waiting += 1
            return Admission.WAIT
        return Admission.BACK

    def release(self, host: str) -> T | None:
        """A send to `host` finished: the next waiting item to start (its slot is kept), if any."""
        line = self.lines.get(host)
        if line:
            self.waiting -= 1
            item = line.popleft()
            if not line:
                del self.lines[host]
            return item
        self.inflight[host] -= 1
        if self.inflight[host] <= 0:
            del self.inflight[host]
        return None

    def shared_room(self) -> int:
        """Places left in all lines together (without that limit: one whole line)."""
        return self.all_lines - self.waiting if self.all_lines else self.line

    def room(self) -> int:
        """How many more claimed items could start or wait now instead of going back: the
        lines' shared room and the free send slots of the hosts being sent to (a host not
        seen yet has all of its own: a claim never asks for fewer than a few)."""
        if not self.cap:
            return 1 << 30  # nothing is ever given back
        free_slots = sum(self.cap - sending for sending in self.inflight.values())
        return self.shared_room() + free_slots

    def is_full(self, host: str) -> bool:
        """Whether `host`'s line is at least half of what it can still grow to (its own
        length, and the room the other lines leave): no point claiming more for it yet. A
        dead receiver's line can take much of the shared room; the others' lines are then
        full sooner, and their claims wait for room instead of being given back."""
        line = self.lines.get(host)
        if line is None:
            return False
        reachable = min(self.line, len(line) + self.shared_room())
        return len(line) >= max(1, reachable // 2)

    def full_hosts(self) -> set[str]:
        """Hosts whose line is at least half full (see `is_full`)."""
        return {host for host in self.lines if self.is_full(host)}

    def take_waiting(self) -> list[T]:
        """Empty every line (on stop: they go back to the queue unsent)."""
        items = [item for line in self.lines.values() for item in line]
        self.lines.clear()
        self.waiting = 0
        return items
