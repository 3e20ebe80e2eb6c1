"""GitFlic's outgoing request: no event header (the body's `action` names the event) and the
secret sent verbatim in `Gitflic-Webhook-Secret`."""

from __future__ import annotations

from forgehooks.core.events import Event, EventKind
from forgehooks.core.hooks import Hook, SecretScheme
from forgehooks.core.signing import hmac_sha256_hex
from forgehooks.core.wire import Envelope, OutgoingRequest, base_headers
from forgehooks.dialects.gitflic import payloads
from forgehooks.dialects.gitflic.mapping import ACTIONS, DIALECT

SECRET_HEADER = "Gitflic-Webhook-Secret"


class GitflicWire:
    """Renders GitFlic's JSON and adds its secret header."""

    dialect = DIALECT

    def render(self, event: Event) -> bytes:
        """GitFlic's body for `event`."""
        return payloads.render(event)

    def request(self, hook: Hook, envelope: Envelope, body: bytes) -> OutgoingRequest:
        """Base headers plus the secret; a signing key set through another API is never sent."""
        headers = base_headers(envelope)
        if hook.secret and hook.secret_scheme is SecretScheme.TOKEN:
            headers[SECRET_HEADER] = hook.secret
        elif hook.secret:
            headers["X-Forgehooks-Signature"] = "sha256=" + hmac_sha256_hex(hook.secret, body)
        return OutgoingRequest(url=hook.url, headers=headers)

    def event_name(self, kind: str) -> str:
        """The body's `action` for `kind`, e.g. `MERGE_REQUEST_CREATE` (GitFlic has no event header)."""
        try:
            return ACTIONS[EventKind(kind)]
        except (ValueError, KeyError):
            return kind


#: This face's wire format, as the worker registry loads it.
WIRE = GitflicWire()
