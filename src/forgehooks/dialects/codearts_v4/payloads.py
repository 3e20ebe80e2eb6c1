"""CodeArts Repo webhook bodies: the shared GitLab body as CodeHub/CodeArts sends it.

Every body carries `uuid` (the event id), which the hook log lists and filters on.
"""

from __future__ import annotations

from typing import Any

from forgehooks.core.events import Event, RefBody, SystemBody
from forgehooks.dialects.codearts_v4.mapping import object_kind_of
from forgehooks.dialects.gitlab_family.payloads import Flavor, GitLabPayloads, offset_time

#: Payload times as the API writes them (`2024-10-15T22:30:24.000+08:00`).
SHOWN = offset_time(8, fraction=3)


class CodeArtsPayloads(GitLabPayloads):
    """GitLab's bodies with CodeArts' `uuid` and its own object kinds."""

    def common(self, event: Event) -> dict[str, Any]:
        """GitLab's project keys and the event id as `uuid`."""
        return super().common(event) | {"uuid": event.id}

    def ref(self, event: Event, body: RefBody) -> dict[str, Any]:
        """Push Hook and Tag Push Hook under CodeArts' object kind."""
        kind = object_kind_of(event.kind)
        return super().ref(event, body) | {"object_kind": kind, "event_name": kind}

    def system(self, event: Event, body: SystemBody) -> dict[str, Any]:
        """A note about the webhook system itself."""
        return {"object_kind": "system", "event_name": "system", "message": body.message, "uuid": event.id}


PAYLOADS = CodeArtsPayloads(Flavor(time=SHOWN, commit_time=SHOWN))


def payload_of(event: Event) -> dict[str, Any]:
    """The payload of `event` as data, by the family of its body."""
    return PAYLOADS.payload_of(event)


def render(event: Event) -> bytes:
    """The exact bytes CodeArts Repo would send for `event`."""
    return PAYLOADS.render(event)
