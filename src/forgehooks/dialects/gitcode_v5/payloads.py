"""GitCode's delivery bodies: the shared GitLab body with GitCode's extras.

Shapes follow docs.gitcode.com's webhook-stepup pages and captured deliveries; see
docs/dialects/gitcode_v5.md for the sources and which keys are inferred.
"""

from __future__ import annotations

from typing import Any

from forgehooks.core.events import Event, IssueBody, MergeRequestBody, NoteBody, RefBody
from forgehooks.dialects.gitlab_family.payloads import Flavor, GitLabPayloads, offset_time, zulu_time

JSON = dict[str, Any]

#: GitCode's API times: +08:00, whole seconds; commit timestamps as captured: UTC with `Z`.
FLAVOR = Flavor(time=offset_time(8), commit_time=zulu_time)


class GitCodeV5Payloads(GitLabPayloads):
    """GitLab's bodies plus GitCode's build keys, `produce_random_id` and `uuid`."""

    def common(self, event: Event) -> JSON:
        """Keys every GitCode body carries about the project and the event's identity."""
        return super().common(event) | {"project_id": event.project.id, "uuid": event.id}

    def ref(self, event: Event, body: RefBody) -> JSON:
        """Push Hook / Tag Push Hook; for an annotated tag the build keys name the tagged commit."""
        payload = super().ref(event, body)
        payload |= {
            "push_options": [],
            "git_branch": body.short_ref,
            "git_commit_no": payload["checkout_sha"] or body.after,
            "manual_build": False,
            "hook_type": "project",
        }
        if event.kind.is_tag:
            payload["base_ref"] = None
        return payload

    def merge_request(self, event: Event, body: MergeRequestBody) -> JSON:
        """Merge Request Hook with GitCode's review flags and build keys."""
        mr = body.merge_request
        payload = super().merge_request(event, body)
        payload["object_attributes"] |= {
            "need_review": False,
            "need_test": False,
            "conflict": mr.merge_status == "cannot_be_merged",
        }
        return payload | {
            "produce_random_id": event.id,
            "issues": [],
            "git_branch": mr.source_branch,
            "git_commit_no": mr.last_commit.id if mr.last_commit else "",
            "git_target_branch_commit_no": "",
            "manual_build": False,
            "virtual_merge_build": False,
        }

    def issue(self, event: Event, body: IssueBody) -> JSON:
        """Issue Hook with the author object GitCode's page shows."""
        payload = super().issue(event, body)
        payload["object_attributes"]["author"] = self.user(body.issue.author) | {"web_url": ""}
        return payload | {"produce_random_id": event.id}

    def note_attributes(self, event: Event, body: NoteBody) -> JSON:
        """GitLab's note attributes plus the (always empty) diff positions GitCode lists."""
        return super().note_attributes(event, body) | {
            "position": None,
            "original_position": None,
            "change_position": None,
        }


PAYLOADS = GitCodeV5Payloads(FLAVOR)


def payload_of(event: Event) -> JSON:
    """The GitCode payload of `event` as a dict."""
    return PAYLOADS.payload_of(event)


def render(event: Event) -> bytes:
    """The exact bytes GitCode would POST for `event`: compact UTF-8 JSON."""
    return PAYLOADS.render(event)
