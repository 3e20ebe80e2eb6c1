"""GitCode's GitLab-shaped webhook payloads: the shared GitLab body with GitCode's extras.

Field names follow GitCode's event pages (push, tag push, merge request, issue, note);
pipeline and member payloads, which GitCode does not send, follow GitLab's.
"""

from __future__ import annotations

from typing import Any

import orjson

from forgehooks.core.events import CollaboratorBody, Event, MergeRequestBody, RefBody
from forgehooks.dialects.gitlab_family.payloads import Flavor, GitLabPayloads, offset_time

JSON = dict[str, Any]

#: GitCode documents 0 for private and 1 for public projects.
VISIBILITY_LEVEL = {"private": 0, "internal": 1, "public": 1}

GITCODE_TIME = offset_time(8)  # ISO 8601 at +08:00, whole seconds


class GitCodeV4Payloads(GitLabPayloads):
    """GitLab's bodies plus GitCode's `uuid`, build flags and member system hook."""

    def common(self, event: Event) -> JSON:
        """GitLab's project keys and the event's `uuid` receivers de-duplicate on."""
        return super().common(event) | {"uuid": event.id}

    def ref(self, event: Event, body: RefBody) -> JSON:
        """Push and tag push with GitCode's `push_options: []` (and `base_ref` on tags)."""
        payload = super().ref(event, body) | {"push_options": []}
        if event.kind.is_tag:
            payload |= {"base_ref": None, "manual_build": False}
        return payload

    def merge_request(self, event: Event, body: MergeRequestBody) -> JSON:
        """GitLab's merge request plus GitCode's branch and build keys."""
        last = body.merge_request.last_commit
        return super().merge_request(event, body) | {
            "git_branch": body.merge_request.source_branch,
            "git_commit_no": last.id if last else None,
            "manual_build": False,
        }

    def member(self, event: Event, body: CollaboratorBody) -> JSON:
        """Membership changes as GitLab's project member system hook (`project_member`)."""
        return super().member(event, body) | {
            "object_kind": "project_member",
            "access_level": body.role.capitalize(),
        }


PAYLOADS = GitCodeV4Payloads(
    Flavor(time=GITCODE_TIME, commit_time=GITCODE_TIME, visibility_levels=VISIBILITY_LEVEL)
)


def payload_of(event: Event) -> JSON:
    """The payload object of any event."""
    return PAYLOADS.payload_of(event)


def render(event: Event) -> bytes:
    """The exact body GitCode sends for `event`."""
    return orjson.dumps(payload_of(event))
