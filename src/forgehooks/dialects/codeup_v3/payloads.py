"""Codeup's delivery bodies: push and tag push as its webhook document shows them, the rest GitLab-like.

Push and tag push follow the documented examples (no `project`, no `checkout_sha`);
merge request and note follow the GitLab shape with the keys Codeup receivers read.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, assert_never

from forgehooks.core.clock import format_time
from forgehooks.core.events import (
    Actor,
    CollaboratorBody,
    Commit,
    Event,
    EventFamily,
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

VISIBILITY_LEVELS = {"private": 0, "internal": 10, "public": 20}

MERGE_REQUEST_ACTIONS: dict[EventKind, str] = {
    EventKind.MERGE_REQUEST_OPEN: "open",
    EventKind.MERGE_REQUEST_UPDATE: "update",
    EventKind.MERGE_REQUEST_CLOSE: "close",
    EventKind.MERGE_REQUEST_REOPEN: "reopen",
    EventKind.MERGE_REQUEST_MERGE: "merge",
    EventKind.MERGE_REQUEST_APPROVE: "approved",
    EventKind.MERGE_REQUEST_CANCEL: "close",
}

ISSUE_ACTIONS: dict[EventKind, str] = {
    EventKind.ISSUE_OPEN: "open",
    EventKind.ISSUE_UPDATE: "update",
    EventKind.ISSUE_CLOSE: "close",
    EventKind.ISSUE_REOPEN: "reopen",
}


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


def _user(actor: Actor) -> dict[str, Any]:
    return {"id": actor.id, "name": actor.name, "username": actor.username, "avatar_url": actor.avatar_url}


def _side(project: ProjectSnapshot) -> dict[str, Any]:
    return {
        "name": project.name,
        "namespace": project.owner,
        "path_with_namespace": project.path,
        "web_url": project.web_url,
        "http_url": project.git_http_url,
        "ssh_url": project.git_ssh_url,
        "visibility_level": VISIBILITY_LEVELS.get(project.visibility, 0),
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


def _merge_request_attributes(project: ProjectSnapshot, mr: MergeRequest) -> dict[str, Any]:
    return {
        "id": mr.id,
        "iid": mr.iid,
        "local_id": mr.iid,
        "title": mr.title,
        "description": mr.description,
        "state": mr.state,
        "source_branch": mr.source_branch,
        "target_branch": mr.target_branch,
        "source_project_id": project.id,
        "target_project_id": project.id,
        "project_id": project.id,
        "author_id": mr.author.id,
        "url": mr.url,
        "merge_status": mr.merge_status,
        "created_at": codeup_time(mr.created_at),
        "updated_at": codeup_time(mr.updated_at),
        "last_commit": _commit(mr.last_commit) if mr.last_commit else None,
        "source": _side(project),
        "target": _side(project),
    }


def render_merge_request(event: Event, body: MergeRequestBody) -> dict[str, Any]:
    """A merge request change: `object_attributes` with Codeup's `local_id` and an `action`."""
    attributes = _merge_request_attributes(event.project, body.merge_request)
    attributes["action"] = MERGE_REQUEST_ACTIONS.get(event.kind, "update")
    return {
        "object_kind": "merge_request",
        "user": _user(event.actor),
        "project_id": event.project.id,
        "repository": _repository(event.project),
        "object_attributes": attributes,
    }


def _issue(project: ProjectSnapshot, issue: Issue) -> dict[str, Any]:
    return {
        "id": issue.id,
        "iid": issue.iid,
        "project_id": project.id,
        "title": issue.title,
        "description": issue.description,
        "state": issue.state,
        "author_id": issue.author.id,
        "url": issue.url,
        "confidential": issue.confidential,
        "created_at": codeup_time(issue.created_at),
        "updated_at": codeup_time(issue.updated_at),
    }


def render_note(event: Event, body: NoteBody) -> dict[str, Any]:
    """A comment, with the commit, merge request or issue it is on."""
    payload: dict[str, Any] = {
        "object_kind": "note",
        "user": _user(event.actor),
        "project_id": event.project.id,
        "repository": _repository(event.project),
        "object_attributes": {
            "id": body.id,
            "note": body.note,
            "noteable_type": body.noteable_type,
            "author_id": event.actor.id,
            "project_id": event.project.id,
            "discussion_id": body.discussion_id,
            "url": body.url,
            "created_at": codeup_time(body.created_at),
            "updated_at": codeup_time(body.created_at),
        },
    }
    if body.commit is not None:
        payload["commit"] = _commit(body.commit)
    if body.merge_request is not None:
        payload["merge_request"] = _merge_request_attributes(event.project, body.merge_request)
    if body.issue is not None:
        payload["issue"] = _issue(event.project, body.issue)
    return payload


def render_issue(event: Event, body: IssueBody) -> dict[str, Any]:
    """An issue change (deprecated in Codeup; GitLab's shape)."""
    attributes = _issue(event.project, body.issue) | {"action": ISSUE_ACTIONS.get(event.kind, "update")}
    return {
        "object_kind": "issue",
        "user": _user(event.actor),
        "project_id": event.project.id,
        "repository": _repository(event.project),
        "object_attributes": attributes,
    }


def render_pipeline(event: Event, body: PipelineBody) -> dict[str, Any]:
    """A build status change (deprecated in Codeup; GitLab's pipeline shape)."""
    return {
        "object_kind": "pipeline",
        "user": _user(event.actor),
        "project_id": event.project.id,
        "repository": _repository(event.project),
        "object_attributes": {
            "id": body.id,
            "ref": body.ref,
            "sha": body.sha,
            "status": body.status,
            "name": body.name,
            "stage": body.stage,
            "target_url": body.target_url,
            "description": body.description,
            "created_at": codeup_time(body.created_at),
            "finished_at": codeup_time(body.finished_at),
            "duration": body.duration,
        },
    }


def render_collaborator(event: Event, body: CollaboratorBody) -> dict[str, Any]:
    """A membership change (no Codeup counterpart; GitLab's member event shape)."""
    return {
        "object_kind": "member",
        "event_name": event.kind.value,
        "project_id": event.project.id,
        "repository": _repository(event.project),
        "user_id": body.member.id,
        "user_username": body.member.username,
        "user_name": body.member.name,
        "user_email": body.member.email,
        "access_level": body.role,
        "previous_access_level": body.previous_role,
    }


def render_system(event: Event, body: SystemBody) -> dict[str, Any]:
    """A note about the webhook system itself."""
    return {
        "object_kind": "system",
        "event_name": event.kind.value,
        "project_id": event.project.id,
        "message": body.message,
    }


def render_payload(event: Event) -> dict[str, Any]:
    """The payload of `event` as a Codeup receiver expects it."""
    body = event.body
    family = event.kind.family
    match family:
        case EventFamily.REF:
            assert isinstance(body, RefBody)
            return render_tag_push(event, body) if event.kind.is_tag else render_push(event, body)
        case EventFamily.MERGE_REQUEST:
            assert isinstance(body, MergeRequestBody)
            return render_merge_request(event, body)
        case EventFamily.NOTE:
            assert isinstance(body, NoteBody)
            return render_note(event, body)
        case EventFamily.ISSUE:
            assert isinstance(body, IssueBody)
            return render_issue(event, body)
        case EventFamily.PIPELINE:
            assert isinstance(body, PipelineBody)
            return render_pipeline(event, body)
        case EventFamily.COLLABORATOR:
            assert isinstance(body, CollaboratorBody)
            return render_collaborator(event, body)
        case EventFamily.SYSTEM:
            assert isinstance(body, SystemBody)
            return render_system(event, body)
        case _:
            assert_never(family)


def render(event: Event) -> bytes:
    """The exact bytes Codeup would POST for `event`: compact UTF-8 JSON."""
    return json.dumps(render_payload(event), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
