"""GitCode's outgoing requests: event header names, delivery id, and the password or signature rule.

Password mode (`encryption_type` 0) sends `X-GitCode-Token: <password>`; signature mode
(`encryption_type` 1) sends `X-GitCode-Signature-256: sha256=<hex HMAC-SHA256 of the body>`.
"""

from __future__ import annotations

from forgehooks.core.events import Event, EventKind
from forgehooks.core.hooks import Hook, SecretScheme
from forgehooks.core.signing import hmac_sha256_hex
from forgehooks.core.wire import Envelope, OutgoingRequest, base_headers
from forgehooks.dialects.gitcode_v5 import payloads
from forgehooks.dialects.gitcode_v5.mapping import DIALECT
from forgehooks.dialects.gitlab_family.headers import hook_name

USER_AGENT = "git-gitcode-hook"
EVENT_HEADER = "X-GitCode-Event"
DELIVERY_HEADER = "X-GitCode-Delivery"
TOKEN_HEADER = "X-GitCode-Token"
SIGNATURE_HEADER = "X-GitCode-Signature-256"


def event_header(kind: EventKind) -> str:
    """The X-GitCode-Event value for a canonical kind (GitLab's names)."""
    return hook_name(kind)


def signature(secret: str, body: bytes) -> str:
    """`sha256=` + lowercase hex HMAC-SHA256 of the exact body, keyed by the hook's password."""
    return "sha256=" + hmac_sha256_hex(secret, body)


class GitCodeV5Wire:
    """The WireFormat of hooks made through the GitCode v5 face."""

    dialect = DIALECT

    def render(self, event: Event) -> bytes:
        """GitCode's JSON body for `event`."""
        return payloads.render(event)

    def request(self, hook: Hook, envelope: Envelope, body: bytes) -> OutgoingRequest:
        """GitCode's headers plus forgehooks' ids; the password or its signature when one is set."""
        headers = base_headers(envelope)
        headers["User-Agent"] = USER_AGENT
        headers[EVENT_HEADER] = event_header(EventKind(envelope.event_kind))
        headers[DELIVERY_HEADER] = envelope.delivery_id
        if hook.secret and hook.secret_scheme is SecretScheme.SIGNATURE:
            headers[SIGNATURE_HEADER] = signature(hook.secret, body)
        elif hook.secret:
            headers[TOKEN_HEADER] = hook.secret
        return OutgoingRequest(url=hook.url, headers=headers)

    def event_name(self, kind: str) -> str:
        """The `X-GitCode-Event` value of `kind`."""
        try:
            return event_header(EventKind(kind))
        except ValueError:
            return kind


#: This face's wire format, as the worker registry loads it.
WIRE = GitCodeV5Wire()
