"""The CodeArts Repo wire format: `X-Codehub-Event`, and the token in the header named by token_type."""

from __future__ import annotations

from forgehooks.core.events import Event, EventKind
from forgehooks.core.hooks import Hook
from forgehooks.core.wire import Envelope, OutgoingRequest, base_headers
from forgehooks.dialects.codearts_v4 import payloads
from forgehooks.dialects.codearts_v4.mapping import DIALECT, hook_name_of, token_type_of

EVENT_HEADER = "X-Codehub-Event"
GITLAB_EVENT_HEADER = "X-Gitlab-Event"
GITLAB_TOKEN = "X-Gitlab-Token"


class CodeArtsWire:
    """Render GitLab-shaped CodeArts bodies; send the plain token in its chosen header."""

    dialect = DIALECT

    def render(self, event: Event) -> bytes:
        """The body CodeArts Repo sends for `event`."""
        return payloads.render(event)

    def request(self, hook: Hook, envelope: Envelope, body: bytes) -> OutgoingRequest:
        """Base headers, the event header, and the token (never a signature)."""
        headers = base_headers(envelope)
        event_name = _event_name(envelope.event_kind)
        headers[EVENT_HEADER] = event_name
        token_type = token_type_of(hook)
        if token_type.lower() == GITLAB_TOKEN.lower():
            headers[GITLAB_EVENT_HEADER] = event_name  # so GitLab receivers accept it
        if hook.secret:
            headers[token_type] = hook.secret
        return OutgoingRequest(url=hook.url, headers=headers)

    def event_name(self, kind: str) -> str:
        """The `X-Codehub-Event` value of `kind`."""
        return _event_name(kind)


def _event_name(kind: str) -> str:
    try:
        return hook_name_of(EventKind(kind))
    except ValueError:
        return "System Hook"


#: This face's wire format, as the worker registry loads it.
WIRE = CodeArtsWire()
