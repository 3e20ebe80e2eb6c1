"""GitCode's GitLab-shaped webhook payloads: one renderer per body type, closed with assert_never.

Field names follow GitCode's event pages (push, tag push, merge request, issue, note);
pipeline and member payloads, which GitCode does not send, follow GitLab's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, assert_never

import orjson

from forgehooks.core.clock import format_time
from forgehooks.core.events import (
    ZERO_SHA,
    Actor,
    CollaboratorBody,
    Commit,
    Event,
    EventKind,
    Issue,
    IssueBody,
    MergeRequest,
    MergeRequestBody,
    NoteBody,
    PipelineBody,
    ProjectSnapshot,
    RefBody,
    SystemBody,
)

JSON = dict[str, Any]

#: GitCode documents 0 for private and 1 for public projects.
VISIBILITY_LEVEL = {"private": 0, "internal": 1, "public": 1}

MR_ACTIONS = {
    EventKind.MERGE_REQUEST_OPEN: "open",
    EventKind.MERGE_REQUEST_UPDATE: "update",
    EventKind.MERGE_REQUEST_CLOSE: "close",
    EventKind.MERGE_REQUEST_REOPEN: "reopen",
    EventKind.MERGE_REQUEST_MERGE: "merge",
    EventKind.MERGE_REQUEST_APPROVE: "approved",
    EventKind.MERGE_REQUEST_CANCEL: "close",
}
ISSUE_ACTIONS = {
    EventKind.ISSUE_OPEN: "open",
    EventKind.ISSUE_UPDATE: "update",
    EventKind.ISSUE_CLOSE: "close",
    EventKind.ISSUE_REOPEN: "reopen",
}
MEMBER_EVENTS = {
    EventKind.COLLABORATOR_ADD: "user_add_to_team",
    EventKind.COLLABORATOR_UPDATE: "user_update_for_team",
    EventKind.COLLABORATOR_REMOVE: "user_remove_from_team",
}


def timestamp(moment: datetime | None) -> str | None:
    """GitCode's payload time: ISO 8601 at +08:00, whole seconds."""
    return format_time(moment, offset_hours=8, fraction=0) if moment is not None else None


def project_of(p: ProjectSnapshot) -> JSON:
    """The `project` object."""
    return {
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "web_url": p.web_url,
        "avatar_url": None,
        "git_ssh_url": p.git_ssh_url,
        "git_http_url": p.git_http_url,
        "namespace": p.owner,
        "visibility_level": VISIBILITY_LEVEL.get(p.visibility, 0),
        "path_with_namespace": p.path,
        "default_branch": p.default_branch,
        "homepage": p.web_url,
        "url": p.git_ssh_url,
        "ssh_url": p.git_ssh_url,
        "http_url": p.git_http_url,
    }


def repository_of(p: ProjectSnapshot) -> JSON:
    """The older `repository` object GitLab-style receivers still read."""
    return {
        "name": p.name,
        "url": p.git_ssh_url,
        "description": p.description,
        "homepage": p.web_url,
        "git_http_url": p.git_http_url,
        "git_ssh_url": p.git_ssh_url,
        "visibility_level": VISIBILITY_LEVEL.get(p.visibility, 0),
    }


def user_of(actor: Actor) -> JSON:
    """The `user` object."""
    return {
        "id": actor.id,
        "name": actor.name or actor.username,
        "username": actor.username,
        "avatar_url": actor.avatar_url or None,
        "email": actor.email,
    }


def commit_of(c: Commit) -> JSON:
    """One entry of `commits`."""
    return {
        "id": c.id,
        "message": c.message,
        "title": c.title or c.message.split("\n", 1)[0],
        "timestamp": timestamp(c.timestamp),
        "url": c.url,
        "author": {"name": c.author_name, "email": c.author_email},
        "added": list(c.added),
        "modified": list(c.modified),
        "removed": list(c.removed),
    }


def _common(event: Event) -> JSON:
    return {
        "project": project_of(event.project),
        "repository": repository_of(event.project),
        "uuid": event.id,
    }


def render_ref(event: Event, body: RefBody) -> JSON:
    """Push and tag push (branch and tag create/delete are pushes with zero shas)."""
    kind = "tag_push" if event.kind.is_tag else "push"
    actor = event.actor
    deleted = body.after == ZERO_SHA
    payload: JSON = {
        "object_kind": kind,
        "event_name": kind,
        "before": body.before,
        "after": body.after,
        "ref": body.ref,
        "checkout_sha": None if deleted else (body.checkout_sha or body.after),
        "message": body.message or None,
        "user_id": actor.id,
        "user_name": actor.name or actor.username,
        "user_username": actor.username,
        "user_email": actor.email,
        "user_avatar": actor.avatar_url or None,
        "project_id": event.project.id,
        "commits": [commit_of(c) for c in body.commits],
        "total_commits_count": body.total_commits_count,
        "push_options": {},
    }
    if event.kind.is_tag:
        payload |= {"base_ref": None, "manual_build": False}
    return payload | _common(event)


def merge_request_of(mr: MergeRequest, project: ProjectSnapshot) -> JSON:
    """A merge request's attributes."""
    return {
        "id": mr.id,
        "iid": mr.iid,
        "title": mr.title,
        "description": mr.description,
        "state": mr.state,
        "created_at": timestamp(mr.created_at),
        "updated_at": timestamp(mr.updated_at),
        "work_in_progress": False,
        "merge_status": mr.merge_status,
        "merge_when_pipeline_succeeds": False,
        "source_branch": mr.source_branch,
        "target_branch": mr.target_branch,
        "source_project_id": project.id,
        "target_project_id": project.id,
        "author_id": mr.author.id,
        "url": mr.url,
        "source": project_of(project),
        "target": project_of(project),
        "last_commit": commit_of(mr.last_commit) if mr.last_commit else None,
        "labels": list(mr.labels),
    }


def render_merge_request(event: Event, body: MergeRequestBody) -> JSON:
    """A merge request opened, updated, closed, reopened, merged or approved."""
    mr = body.merge_request
    attributes = merge_request_of(mr, event.project) | {"action": MR_ACTIONS.get(event.kind, "update")}
    last = mr.last_commit
    return {
        "object_kind": "merge_request",
        "event_type": "merge_request",
        "user": user_of(event.actor),
        "object_attributes": attributes,
        "labels": [{"title": label} for label in mr.labels],
        "git_branch": mr.source_branch,
        "git_commit_no": last.id if last else None,
        "manual_build": False,
    } | _common(event)


def issue_of(issue: Issue, project: ProjectSnapshot) -> JSON:
    """An issue's attributes."""
    return {
        "id": issue.id,
        "iid": issue.iid,
        "project_id": project.id,
        "title": issue.title,
        "description": issue.description,
        "state": issue.state,
        "created_at": timestamp(issue.created_at),
        "updated_at": timestamp(issue.updated_at),
        "confidential": issue.confidential,
        "url": issue.url,
        "author_id": issue.author.id,
        "author": user_of(issue.author),
        "labels": list(issue.labels),
    }


def render_issue(event: Event, body: IssueBody) -> JSON:
    """An issue opened, updated, closed or reopened."""
    attributes = issue_of(body.issue, event.project) | {"action": ISSUE_ACTIONS.get(event.kind, "update")}
    return {
        "object_kind": "issue",
        "event_type": "issue",
        "user": user_of(event.actor),
        "object_attributes": attributes,
        "labels": [{"title": label} for label in body.issue.labels],
    } | _common(event)


def render_note(event: Event, body: NoteBody) -> JSON:
    """A comment on a commit, a merge request or an issue."""
    attributes = {
        "id": body.id,
        "note": body.note,
        "noteable_type": body.noteable_type,
        "author_id": event.actor.id,
        "created_at": timestamp(body.created_at or event.occurred_at),
        "updated_at": timestamp(body.created_at or event.occurred_at),
        "project_id": event.project.id,
        "commit_id": body.commit.id if body.commit else None,
        "noteable_id": _noteable_id(body),
        "discussion_id": body.discussion_id,
        "system": False,
        "type": "DiscussionNote" if event.kind is EventKind.DISCUSSION_CREATE else None,
        "url": body.url,
        "description": body.note,
    }
    payload: JSON = {
        "object_kind": "note",
        "event_type": "note",
        "user": user_of(event.actor),
        "project_id": event.project.id,
        "object_attributes": attributes,
    }
    if body.commit:
        payload["commit"] = commit_of(body.commit)
    if body.merge_request:
        payload["merge_request"] = merge_request_of(body.merge_request, event.project)
    if body.issue:
        payload["issue"] = issue_of(body.issue, event.project)
    return payload | _common(event)


def _noteable_id(body: NoteBody) -> int | None:
    if body.merge_request:
        return body.merge_request.id
    if body.issue:
        return body.issue.id
    return None


def render_pipeline(event: Event, body: PipelineBody) -> JSON:
    """A pipeline (a commit status) changed state: GitLab's pipeline hook."""
    build = {
        "id": body.id,
        "stage": body.stage,
        "name": body.name,
        "status": body.status,
        "created_at": timestamp(body.created_at),
        "finished_at": timestamp(body.finished_at),
        "duration": body.duration,
        "allow_failure": False,
        "user": user_of(event.actor),
    }
    attributes = {
        "id": body.id,
        "ref": body.ref,
        "tag": False,
        "sha": body.sha,
        "before_sha": ZERO_SHA,
        "source": "external",
        "status": body.status,
        "detailed_status": body.status,
        "stages": [body.stage] if body.stage else [],
        "created_at": timestamp(body.created_at),
        "finished_at": timestamp(body.finished_at),
        "duration": body.duration,
        "url": body.target_url,
        "name": body.name,
        "description": body.description,
    }
    return {
        "object_kind": "pipeline",
        "object_attributes": attributes,
        "merge_request": None,
        "user": user_of(event.actor),
        "commit": {"id": body.sha, "url": f"{event.project.web_url}/commit/{body.sha}"},
        "builds": [build],
    } | _common(event)


def render_member(event: Event, body: CollaboratorBody) -> JSON:
    """Membership changes, which GitCode does not send: GitLab's system-hook shape."""
    return {
        "object_kind": "project_member",
        "event_name": MEMBER_EVENTS.get(event.kind, "user_update_for_team"),
        "created_at": timestamp(event.occurred_at),
        "updated_at": timestamp(event.occurred_at),
        "project_name": event.project.name,
        "project_path": event.project.slug,
        "project_path_with_namespace": event.project.path,
        "project_id": event.project.id,
        "user_username": body.member.username,
        "user_name": body.member.name,
        "user_email": body.member.email,
        "user_id": body.member.id,
        "access_level": body.role.capitalize(),
        "project_visibility": event.project.visibility,
    } | _common(event)


def render_system(event: Event, body: SystemBody) -> JSON:
    """Events about the webhook system itself: a system-hook-like note."""
    return {
        "object_kind": "system",
        "event_name": event.kind.value,
        "created_at": timestamp(event.occurred_at),
        "project_id": event.project.id,
        "message": body.message,
        "user": user_of(event.actor),
    } | _common(event)


def payload_of(event: Event) -> JSON:
    """The payload object of any event."""
    body = event.body
    match body:
        case RefBody():
            return render_ref(event, body)
        case MergeRequestBody():
            return render_merge_request(event, body)
        case NoteBody():
            return render_note(event, body)
        case IssueBody():
            return render_issue(event, body)
        case PipelineBody():
            return render_pipeline(event, body)
        case CollaboratorBody():
            return render_member(event, body)
        case SystemBody():
            return render_system(event, body)
        case _:
            assert_never(body)


def render(event: Event) -> bytes:
    """The exact body GitCode sends for `event`."""
    return orjson.dumps(payload_of(event))
