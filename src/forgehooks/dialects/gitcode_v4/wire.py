"""GitCode's delivery headers: the event name, the delivery id, and the token or signature.

A hook's header mode picks GitCode's `X-GitCode-*` names (the default, as GitCode's
document shows), GitLab's `X-Gitlab-*` names (so GitLab receivers work unchanged), or both.
"""

from __future__ import annotations

from forgehooks.core.events import Event, EventFamily, EventKind
from forgehooks.core.hooks import Hook, SecretScheme
from forgehooks.core.signing import hmac_sha256_hex
from forgehooks.core.wire import Envelope, OutgoingRequest, base_headers
from forgehooks.dialects.gitcode_v4 import payloads
from forgehooks.dialects.gitcode_v4.mapping import DIALECT as DIALECT
from forgehooks.dialects.gitcode_v4.mapping import HeaderMode, header_mode_of
from forgehooks.dialects.gitlab_family.headers import GITLAB_EVENT, GITLAB_TOKEN, hook_name

USER_AGENT = "git-gitcode-hook"
GITLAB_USER_AGENT = "GitLab/17.0.0"
GITLAB_EVENT_UUID = "X-Gitlab-Event-UUID"
GITLAB_WEBHOOK_UUID = "X-Gitlab-Webhook-UUID"

#: GitCode names membership events "System Hook" (GitLab's project member events are system hooks).
FAMILY_HEADERS = {EventFamily.COLLABORATOR: "System Hook"}


def event_header(kind: EventKind) -> str:
    """The `X-GitCode-Event` (and `X-Gitlab-Event`) value of a kind."""
    return hook_name(kind, FAMILY_HEADERS)


def gitcode_headers(hook: Hook, envelope: Envelope, body: bytes) -> dict[str, str]:
    """GitCode's event, delivery and token (or signature) headers."""
    headers = {
        "X-GitCode-Event": event_header(EventKind(envelope.event_kind)),
        "X-GitCode-Delivery": envelope.delivery_id,
    }
    if hook.secret and hook.secret_scheme is SecretScheme.SIGNATURE:
        headers["X-GitCode-Signature-256"] = "sha256=" + hmac_sha256_hex(hook.secret, body)
    elif hook.secret:
        headers["X-GitCode-Token"] = hook.secret
    return headers


def gitlab_headers(hook: Hook, envelope: Envelope, body: bytes) -> dict[str, str]:
    """GitLab's event, ids and token; GitLab has no body signature, so a signing key keeps GitCode's."""
    headers = {
        GITLAB_EVENT: event_header(EventKind(envelope.event_kind)),
        GITLAB_EVENT_UUID: envelope.delivery_id,
        GITLAB_WEBHOOK_UUID: hook.uuid,
    }
    if hook.secret and hook.secret_scheme is SecretScheme.SIGNATURE:
        headers["X-GitCode-Signature-256"] = "sha256=" + hmac_sha256_hex(hook.secret, body)
    elif hook.secret:
        headers[GITLAB_TOKEN] = hook.secret
    return headers


class GitCodeV4Wire:
    """GitLab-shaped JSON with GitCode's headers, GitLab's, or both (the hook's header mode)."""

    dialect = DIALECT

    def render(self, event: Event) -> bytes:
        """GitCode's payload for the event."""
        return payloads.render(event)

    def request(self, hook: Hook, envelope: Envelope, body: bytes) -> OutgoingRequest:
        """Base headers plus the event, delivery, user agent and token of the hook's header mode."""
        headers = base_headers(envelope)
        mode = header_mode_of(hook)
        headers["User-Agent"] = GITLAB_USER_AGENT if mode is HeaderMode.GITLAB else USER_AGENT
        if mode is not HeaderMode.GITLAB:
            headers |= gitcode_headers(hook, envelope, body)
        if mode is not HeaderMode.GITCODE:
            headers |= gitlab_headers(hook, envelope, body)
        return OutgoingRequest(url=hook.url, headers=headers)

    def event_name(self, kind: str) -> str:
        """The `X-GitCode-Event` (and `X-Gitlab-Event`) value of `kind`."""
        try:
            return event_header(EventKind(kind))
        except ValueError:
            return kind


#: This face's wire format, as the worker registry loads it.
WIRE = GitCodeV4Wire()
