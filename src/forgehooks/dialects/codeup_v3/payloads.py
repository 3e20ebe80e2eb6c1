"""Codeup's delivery bodies: push and tag push as its webhook document shows them, the rest GitLab's.

Push and tag push follow the documented examples (no `project`, no `checkout_sha`);
merge request, note, issue and pipeline are the shared GitLab body with the keys Codeup
receivers read (`local_id`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from forgehooks.core.clock import format_time
from forgehooks.core.events import Commit, Event, MergeRequest, ProjectSnapshot, RefBody, dated
from forgehooks.dialects.gitlab_family.payloads import Flavor, GitLabPayloads, offset_time

VISIBILITY_LEVELS = {"private": 0, "internal": 10, "public": 20}


def codeup_time(moment: datetime | None) -> str | None:
    """Codeup's payload timestamps: `2019-01-01T00:08:00+08:00`."""
    return format_time(moment, offset_hours=8, fraction=0) if moment else None


def _repository(project: ProjectSnapshot) -> dict[str, Any]:
    return {
        "name": project.name,
        "url": project.git_ssh_url,
        "description": project.description,
        "homepage": project.web_url,
        "git_http_url": project.git_http_url,
        "git_ssh_url": project.git_ssh_url,
        "visibility_level": VISIBILITY_LEVELS.get(project.visibility, 0),
    }


def _commit(commit: Commit) -> dict[str, Any]:
    return {
        "id": commit.id,
        "message": commit.message,
        "timestamp": codeup_time(commit.timestamp),
        "url": commit.url,
        "author": {"name": commit.author_name, "email": commit.author_email},
    }


def render_push(event: Event, body: RefBody) -> dict[str, Any]:
    """A branch push (also branch create and delete), as Codeup's `Push Hook` example."""
    return {
        "object_kind": "push",
        "before": body.before,
        "after": body.after,
        "ref": body.ref,
        "user_id": event.actor.id,
        "user_name": event.actor.name or event.actor.username,
        "user_email": event.actor.email,
        "project_id": event.project.id,
        "repository": _repository(event.project),
        "commits": [_commit(c) for c in body.commits],
        "total_commits_count": body.total_commits_count,
    }


def render_tag_push(event: Event, body: RefBody) -> dict[str, Any]:
    """A tag created, moved or deleted, as Codeup's `Tag Push Hook` example."""
    return {
        "object_kind": "tag_push",
        "ref": body.ref,
        "before": body.before,
        "after": body.after,
        "user_id": event.actor.id,
        "user_name": event.actor.name or event.actor.username,
        "project_id": event.project.id,
        "repository": _repository(event.project),
        "commits": [_commit(c) for c in body.commits],
        "total_commits_count": body.total_commits_count,
    }


class CodeupPayloads(GitLabPayloads):
    """GitLab's bodies for everything but pushes, with Codeup's `local_id`."""

    def merge_request_attributes(self, mr: MergeRequest, event: Event) -> dict[str, Any]:
        """GitLab's attributes plus Codeup's `local_id` (the iid) and `project_id`."""
        return super().merge_request_attributes(mr, event) | {
            "local_id": mr.iid,
            "project_id": event.project.id,
        }


PAYLOADS = CodeupPayloads(Flavor(time=offset_time(8), commit_time=offset_time(8)))


def render_payload(event: Event) -> dict[str, Any]:
    """The payload of `event` as a Codeup receiver expects it."""
    event = dated(event)
    body = event.body
    if isinstance(body, RefBody):
        return render_tag_push(event, body) if event.kind.is_tag else render_push(event, body)
    return PAYLOADS.payload_of(event)


def render(event: Event) -> bytes:
    """The exact bytes Codeup would POST for `event`: compact UTF-8 JSON."""
    return orjson.dumps(render_payload(event))
