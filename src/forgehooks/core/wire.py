"""The WireFormat protocol every face implements, and the canonical JSON format.

A wire format turns a canonical event into the bytes one platform sends, and says which
URL and headers a delivery of those bytes carries. The engine knows nothing else of faces.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol

from forgehooks.core.codec import to_jsonable
from forgehooks.core.events import Event
from forgehooks.core.hooks import Hook, SecretScheme
from forgehooks.core.signing import hmac_sha256_hex

USER_AGENT = "forgehooks/0.1"


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """What identifies one delivery on the wire."""

    delivery_id: str
    event_id: str
    event_kind: str
    timestamp: int  # unix seconds of this attempt


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingRequest:
    """Where and with which headers the rendered body goes."""

    url: str
    headers: dict[str, str]


class WireFormat(Protocol):
    """A face's outgoing format: render once per event, address once per attempt."""

    dialect: str

    def render(self, event: Event) -> bytes:
        """The exact body this platform sends for `event`."""
        ...

    def request(self, hook: Hook, envelope: Envelope, body: bytes) -> OutgoingRequest:
        """The URL and headers of one attempt (tokens, signatures, event names)."""
        ...

    def event_name(self, kind: str) -> str:
        """What this platform calls an event of `kind` on the wire (its event header or
        action), for people reading the log; a kind it does not know is named as it is."""
        ...


def base_headers(envelope: Envelope, content_type: str = "application/json") -> dict[str, str]:
    """Headers every delivery carries whatever its face: ids for de-duplication."""
    return {
        "Content-Type": content_type,
        "User-Agent": USER_AGENT,
        "X-Forgehooks-Delivery": envelope.delivery_id,
        "X-Forgehooks-Event": envelope.event_kind,
        "X-Forgehooks-Event-Id": envelope.event_id,
    }


class CanonicalWire:
    """forgehooks' own format: the canonical event as JSON, HMAC-signed when a secret is set."""

    dialect = "forgehooks"

    def render(self, event: Event) -> bytes:
        """The canonical event, compact JSON."""
        return json.dumps(to_jsonable(event), separators=(",", ":"), ensure_ascii=False).encode()

    def request(self, hook: Hook, envelope: Envelope, body: bytes) -> OutgoingRequest:
        """Base headers plus `X-Forgehooks-Signature: sha256=<hex>` or the token."""
        headers = base_headers(envelope)
        if hook.secret and hook.secret_scheme is SecretScheme.SIGNATURE:
            headers["X-Forgehooks-Signature"] = "sha256=" + hmac_sha256_hex(hook.secret, body)
        elif hook.secret:
            headers["X-Forgehooks-Token"] = hook.secret
        return OutgoingRequest(url=hook.url, headers=headers)

    def event_name(self, kind: str) -> str:
        """The canonical kind is the native face's own name (its `X-Forgehooks-Event`)."""
        return kind
