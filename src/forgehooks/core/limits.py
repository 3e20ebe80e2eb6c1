"""Length limits of stored text, checked before any write so both databases hold the same.

PostgreSQL refuses a `varchar(255)` value over 255 characters; SQLite stores it whole.
Checking here gives every face the same 4xx on both.
"""

from __future__ import annotations

from collections.abc import Iterable

from forgehooks.core.errors import InvalidInput

#: Names, refs, emails, stages: the `String(255)` columns.
NAME = 255
#: A description or a commit status' long text.
TEXT = 10_000


def check_lengths(fields: Iterable[tuple[str, str | None, int]]) -> None:
    """InvalidInput naming the first `(field, value, limit)` whose value is over its limit."""
    for field, value, limit in fields:
        if value is not None and len(value) > limit:
            raise InvalidInput(field, f"is too long (at most {limit} characters)")
