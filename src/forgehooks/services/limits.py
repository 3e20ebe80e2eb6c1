"""In-process rate limits (per API process): a sliding window per key."""

from __future__ import annotations

import time
from collections import deque

from forgehooks.core.errors import RateLimited


class SlidingWindow:
    """At most `limit` calls per `window` seconds for each key."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._calls: dict[object, deque[float]] = {}

    def hit(self, key: object, what: str = "calls") -> None:
        """Count one call; RateLimited (with Retry-After seconds) when over the limit."""
        now = time.monotonic()
        calls = self._calls.setdefault(key, deque())
        while calls and calls[0] <= now - self.window:
            calls.popleft()
        if len(calls) >= self.limit:
            retry_after = max(1, int(calls[0] + self.window - now) + 1)
            raise RateLimited(f"too many {what}: at most {self.limit} per minute", retry_after)
        calls.append(now)
