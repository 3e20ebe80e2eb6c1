"""Identifiers and random secrets: UUIDs, 32-hex ids, delivery ids, token values."""

from __future__ import annotations

import os
import secrets
import time
import uuid


def new_uuid() -> str:
    """A random UUID in its canonical 36-character text form."""
    return str(uuid.uuid4())


def new_ordered_uuid() -> str:
    """A UUID of version 7 (RFC 9562): the milliseconds since the epoch, then random bits.

    Events and deliveries get these: ids made later sort later, so each new row's entry
    lands at the end of the indexes on them, next to the other recent ones, instead of on
    a random page of an index that holds every delivery ever logged.
    """
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10))  # 80 random bits: 12 and 62 of them are used
    value = (
        (millis & _MILLIS) << 80
        | 0x7 << 76  # version
        | (rand >> 68) << 64
        | 0b10 << 62  # variant
        | rand & _RAND_B
    )
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_MILLIS = (1 << 48) - 1
_RAND_B = (1 << 62) - 1


def new_hex32() -> str:
    """A random 32-character lowercase hex id (the CodeArts project id form)."""
    return uuid.uuid4().hex


def new_token_value(prefix: str = "fh_") -> str:
    """A personal access token: a recognisable prefix and 32 random bytes, url-safe."""
    return prefix + secrets.token_urlsafe(32)


#: The largest id a BIGINT column holds: a larger numeric id names nothing (and must not reach the database).
MAX_ID = 2**63 - 1


def storable_id(value: int) -> bool:
    """Whether a numeric id can exist in the database at all."""
    return 0 < value <= MAX_ID
