"""How Codeup delivers: `Codeup-Event`/`X-Codeup-Event` name the event, `X-Codeup-Token` the secret."""

from __future__ import annotations

from forgehooks.core.events import Event, EventKind
from forgehooks.core.hooks import Hook, SecretScheme
from forgehooks.core.signing import hmac_sha256_hex
from forgehooks.core.wire import Envelope, OutgoingRequest, base_headers
from forgehooks.dialects.codeup_v3 import payloads
from forgehooks.dialects.gitlab_family.headers import hook_name

DIALECT = "codeup_v3"


def event_name(kind: EventKind) -> str:
    """The value of Codeup's event headers for `kind`, e.g. `Push Hook` (GitLab's names)."""
    return hook_name(kind)


class CodeupWire:
    """Codeup's wire format: its payloads, its event headers, its plain token header."""

    dialect = DIALECT

    def render(self, event: Event) -> bytes:
        """The payload Codeup sends for `event`."""
        return payloads.render(event)

    def request(self, hook: Hook, envelope: Envelope, body: bytes) -> OutgoingRequest:
        """Base headers, both spellings of the event header, and the secret token verbatim.

        Codeup has no signature; a secret whose scheme was set to signature (through
        another face) is never sent in clear but signs `X-Forgehooks-Signature` instead.
        """
        headers = base_headers(envelope)
        name = self.event_name(envelope.event_kind)
        headers["Codeup-Event"] = name
        headers["X-Codeup-Event"] = name
        if hook.secret and hook.secret_scheme is SecretScheme.SIGNATURE:
            headers["X-Forgehooks-Signature"] = "sha256=" + hmac_sha256_hex(hook.secret, body)
        elif hook.secret:
            headers["X-Codeup-Token"] = hook.secret
        return OutgoingRequest(url=hook.url, headers=headers)

    def event_name(self, kind: str) -> str:
        """The `Codeup-Event` value of `kind` (`System Hook` for a kind Codeup has no name for)."""
        try:
            return event_name(EventKind(kind))
        except ValueError:
            return "System Hook"


#: This face's wire format, as the worker registry loads it.
WIRE = CodeupWire()
