"""Identifiers and random secrets: UUIDs, 32-hex ids, delivery ids, token values."""

from __future__ import annotations

import secrets
import uuid


def new_uuid() -> str:
    """A random UUID in its canonical 36-character text form."""
    return str(uuid.uuid4())


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
