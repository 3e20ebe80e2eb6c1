"""Page numbers for console lists: offset, limit, and links that keep the current filters."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

PER_PAGE = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class Pager:
    """Page `number` (from 1) of `total` items, `size` per page; `keep` are the other query values."""

    number: int
    total: int
    size: int = PER_PAGE
    keep: dict[str, str] = field(default_factory=dict)

    @property
    def offset(self) -> int:
        """Items before this page."""
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // self.size))

    def link(self, number: int) -> str:
        """The query string of another page with the same filters."""
        values = {k: v for k, v in self.keep.items() if v} | {"page": str(number)}
        return "?" + urlencode(values)

    @property
    def previous(self) -> str | None:
        """The previous page's query string, if any."""
        return self.link(self.number - 1) if self.number > 1 else None

    @property
    def next(self) -> str | None:
        """The next page's query string, if any."""
        return self.link(self.number + 1) if self.number < self.pages else None
