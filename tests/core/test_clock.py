"""The faces' timestamp formats: `format_time` agrees with the standard library's own
conversion and formatting (astimezone + strftime) for every instant, offset and precision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from forgehooks.core.clock import as_utc, format_time

MOMENTS = st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30))
ZONES = st.none() | st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: timezone(timedelta(minutes=m))
)


def reference(moment: datetime, offset_hours: int, fraction: int, zulu: bool) -> str:
    """The format written the slow, obvious way."""
    local = as_utc(moment).astimezone(timezone(timedelta(hours=offset_hours)))
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    if fraction:
        text += "." + f"{local.microsecond:06d}"[:fraction]
    if zulu and offset_hours == 0:
        return text + "Z"
    offset = local.strftime("%z")
    return f"{text}{offset[:3]}:{offset[3:]}"


@given(
    moment=MOMENTS,
    zone=ZONES,
    offset_hours=st.sampled_from([0, 8, 3, -5]),
    fraction=st.sampled_from([0, 3, 6]),
    zulu=st.booleans(),
)
def test_format_time_matches_the_standard_library(
    moment: datetime, zone: timezone | None, offset_hours: int, fraction: int, zulu: bool
) -> None:
    moment = moment.replace(tzinfo=zone)
    expected = reference(moment, offset_hours, fraction, zulu)
    assert format_time(moment, offset_hours=offset_hours, fraction=fraction, zulu=zulu) == expected
    # a second call is answered from memory, with the same text
    assert format_time(moment, offset_hours=offset_hours, fraction=fraction, zulu=zulu) == expected


def test_the_documents_examples() -> None:
    moment = datetime(2023, 9, 16, 7, 2, 12, 365123, tzinfo=UTC)
    assert format_time(moment, offset_hours=8) == "2023-09-16T15:02:12.365+08:00"
    assert format_time(moment, offset_hours=8, fraction=0) == "2023-09-16T15:02:12+08:00"
    assert format_time(moment, fraction=6, zulu=True) == "2023-09-16T07:02:12.365123Z"
    assert format_time(moment.replace(tzinfo=None), fraction=3) == "2023-09-16T07:02:12.365+00:00"
