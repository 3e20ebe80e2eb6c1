"""Current time and the timestamp formats the faces document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored time as aware UTC (SQLite hands back naive datetimes)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


#: `datetime.isoformat`'s name for each number of fraction digits.
TIMESPEC = {0: "seconds", 3: "milliseconds", 6: "microseconds"}
#: Recently written times: lists show the same hooks' times again and again.
_WRITTEN: dict[tuple[datetime, int, int, bool], str] = {}
WRITTEN_CACHE_SIZE = 50_000


def format_time(moment: datetime, *, offset_hours: int = 0, fraction: int = 3, zulu: bool = False) -> str:
    """`moment` shown at a fixed UTC offset with `fraction` digits of seconds (0, 3 or 6).

    `zulu` writes UTC as `Z` (GitFlic); otherwise the offset is written `+08:00`.
    """
    key = (moment, offset_hours, fraction, zulu)
    text = _WRITTEN.get(key)
    if text is None:
        if len(_WRITTEN) >= WRITTEN_CACHE_SIZE:
            _WRITTEN.clear()
        text = _WRITTEN[key] = _write_time(moment, offset_hours, fraction, zulu)
    return text


def _write_time(moment: datetime, offset_hours: int, fraction: int, zulu: bool) -> str:
    # shifted by hand and written by isoformat: astimezone plus two strftime calls cost 3x more
    local = as_utc(moment).replace(tzinfo=None) + timedelta(hours=offset_hours)
    text = local.isoformat(timespec=TIMESPEC.get(fraction, "microseconds"))
    if fraction not in TIMESPEC:  # other digit counts are cut from the microseconds
        text = text[: len(text) - 6 + min(max(fraction, 1), 6)]
    if zulu and offset_hours == 0:
        return text + "Z"
    return f"{text}{'-' if offset_hours < 0 else '+'}{abs(offset_hours):02d}:00"
