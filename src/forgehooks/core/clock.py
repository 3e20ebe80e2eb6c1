"""Current time and the timestamp formats the faces document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored time as aware UTC (SQLite hands back naive datetimes)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_time(moment: datetime, *, offset_hours: int = 0, fraction: int = 3, zulu: bool = False) -> str:
    """`moment` shown at a fixed UTC offset with `fraction` digits of seconds (0, 3 or 6).

    `zulu` writes UTC as `Z` (GitFlic); otherwise the offset is written `+08:00`.
    """
    local = as_utc(moment).astimezone(timezone(timedelta(hours=offset_hours)))
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if fraction:
        text += "." + f"{local.microsecond:06d}"[:fraction]
    if zulu and offset_hours == 0:
        return text + "Z"
    return text + local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]
