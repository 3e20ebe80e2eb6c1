"""Event and delivery ids: UUIDs of version 7, ordered by the time they were made."""

from __future__ import annotations

import time
import uuid

from forgehooks.core.ids import new_ordered_uuid


def test_ordered_ids_are_version_7_uuids_carrying_the_time() -> None:
    before = time.time_ns() // 1_000_000
    made = new_ordered_uuid()
    after = time.time_ns() // 1_000_000
    parsed = uuid.UUID(made)
    assert str(parsed) == made  # canonical lower-case text
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert before <= parsed.int >> 80 <= after


def test_ids_made_later_sort_later_and_never_repeat() -> None:
    first = [new_ordered_uuid() for _ in range(1000)]
    time.sleep(0.002)
    later = [new_ordered_uuid() for _ in range(1000)]
    assert max(first) < min(later)
    assert len(set(first + later)) == 2000
