"""GitCode's delivery headers: the event name, the delivery id, and the token or signature."""

from __future__ import annotations

from forgehooks.core.events import Event, EventFamily, EventKind
from forgehooks.core.hooks import Hook, SecretScheme
from forgehooks.core.signing import hmac_sha256_hex
from forgehooks.core.wire import Envelope, OutgoingRequest, base_headers
from forgehooks.dialects.gitcode_v4 import payloads

DIALECT = "gitcode_v4"
USER_AGENT = "git-gitcode-hook"

#: `X-GitCode-Event` per family; tag kinds are "Tag Push Hook".
FAMILY_HEADERS = {
    EventFamily.REF: "Push Hook",
    EventFamily.MERGE_REQUEST: "Merge Request Hook",
    EventFamily.NOTE: "Note Hook",
    EventFamily.ISSUE: "Issue Hook",
    EventFamily.PIPELINE: "Pipeline Hook",
    EventFamily.COLLABORATOR: "System Hook",
    EventFamily.SYSTEM: "System Hook",
}


def event_header(kind: EventKind) -> str:
    """The `X-GitCode-Event` value of a kind."""
    return "Tag Push Hook" if kind.is_tag else FAMILY_HEADERS[kind.family]


class GitCodeV4Wire:
    """GitLab-shaped JSON with GitCode's headers; the token travels in `X-GitCode-Token`."""

    dialect = DIALECT

    def render(self, event: Event) -> bytes:
        """GitCode's payload for the event."""
        return payloads.render(event)

    def request(self, hook: Hook, envelope: Envelope, body: bytes) -> OutgoingRequest:
        """Base headers plus GitCode's event, delivery, user agent and token (or signature)."""
        headers = base_headers(envelope)
        headers["User-Agent"] = USER_AGENT
        headers["X-GitCode-Event"] = event_header(EventKind(envelope.event_kind))
        headers["X-GitCode-Delivery"] = envelope.delivery_id
        if hook.secret and hook.secret_scheme is SecretScheme.SIGNATURE:
            headers["X-GitCode-Signature-256"] = "sha256=" + hmac_sha256_hex(hook.secret, body)
        elif hook.secret:
            headers["X-GitCode-Token"] = hook.secret
        return OutgoingRequest(url=hook.url, headers=headers)
