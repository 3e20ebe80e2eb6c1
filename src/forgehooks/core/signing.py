"""Signature schemes, one small function each; inputs are the exact bytes sent."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 of the body (GitHub's and GitCode's `sha256=` value)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def standard_webhooks_key(secret: str) -> bytes:
    """The signing key of a Standard Webhooks secret (`whsec_` + base64), or the raw bytes."""
    if secret.startswith("whsec_"):
        return base64.b64decode(secret.removeprefix("whsec_"))
    return secret.encode()


def standard_webhooks_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per the Standard Webhooks spec."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(standard_webhooks_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def standard_webhooks_signatures(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<sig>` per secret, space separated, as the spec allows during a secret rotation."""
    return " ".join(standard_webhooks_signature(s, msg_id, timestamp, body) for s in secrets if s)


def constant_time_equal(left: str, right: str) -> bool:
    """Compare two secrets without leaking where they differ."""
    return hmac.compare_digest(left.encode(), right.encode())
