"""CodeArts Repo webhook bodies: GitLab-shaped JSON as CodeHub/CodeArts sends it, one renderer per family.

Every body carries `uuid` (the event id), which the hook log lists and filters on.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, assert_never

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
from forgehooks.dialects.codearts_v4.mapping import object_kind_of

VISIBILITY_LEVELS = {"private": 0, "internal": 10, "public": 20}

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


def render(event: Event) -> bytes:
    """The exact bytes CodeArts Repo would send for `event`."""
    return json.dumps(payload_of(event), ensure_ascii=False, separators=(",", ":")).encode()


def payload_of(event: Event) -> dict[str, Any]:
    """The payload of `event` as data, by the family of its body."""
    body = event.body
    match body:
        case RefBody():
            payload = render_ref(event, body)
        case MergeRequestBody():
            payload = render_merge_request(event, body)
        case NoteBody():
            payload = render_note(event, body)
        case IssueBody():
            payload = render_issue(event, body)
        case PipelineBody():
            payload = render_pipeline(event, body)
        case CollaboratorBody():
            payload = render_member(event, body)
        case SystemBody():
            payload = {"object_kind": "system", "event_name": "system", "message": body.message}
        case _:
            assert_never(body)
    payload["uuid"] = event.id
    return payload


def render_ref(event: Event, body: RefBody) -> dict[str, Any]:
    """Push Hook and Tag Push Hook (branch/tag create and delete are pushes with zero shas)."""
    kind = object_kind_of(event.kind)
    deleted = body.after == ZERO_SHA
    return {
        "object_kind": kind,
        "event_name": kind,
        "before": body.before,
        "after": body.after,
        "ref": body.ref,
        "checkout_sha": None if deleted else (body.checkout_sha or body.after),
        "message": body.message or None,
        "user_id": event.actor.id,
        "user_name": event.actor.name or event.actor.username,
        "user_username": event.actor.username,
        "user_email": event.actor.email,
        "user_avatar": event.actor.avatar_url or None,
        "project_id": event.project.id,
        "project": project_of(event.project),
        "commits": [commit_of(c) for c in body.commits],
        "total_commits_count": body.total_commits_count or len(body.commits),
        "repository": repository_of(event.project),
    }


def render_merge_request(event: Event, body: MergeRequestBody) -> dict[str, Any]:
    """Merge Request Hook."""
    mr = body.merge_request
    attributes = merge_request_of(mr, event.project)
    attributes["action"] = MR_ACTIONS.get(event.kind, "update")
    return {
        "object_kind": "merge_request",
        "event_type": "merge_request",
        "user": user_of(event.actor),
        "project": project_of(event.project),
        "repository": repository_of(event.project),
        "object_attributes": attributes,
        "labels": [{"title": label} for label in mr.labels],
    }


def render_note(event: Event, body: NoteBody) -> dict[str, Any]:
    """Note Hook: a comment and the commit, merge request or issue it is on."""
    payload: dict[str, Any] = {
        "object_kind": "note",
        "event_type": "note",
        "user": user_of(event.actor),
        "project_id": event.project.id,
        "project": project_of(event.project),
        "repository": repository_of(event.project),
        "object_attributes": {
            "id": body.id,
            "note": body.note,
            "noteable_type": body.noteable_type,
            "author_id": event.actor.id,
            "project_id": event.project.id,
            "discussion_id": body.discussion_id,
            "type": "DiscussionNote" if event.kind is EventKind.DISCUSSION_CREATE else None,
            "system": False,
            "url": body.url,
            "created_at": shown(body.created_at or event.occurred_at),
            "updated_at": shown(body.created_at or event.occurred_at),
        },
    }
    if body.commit is not None:
        payload["commit"] = commit_of(body.commit)
    if body.merge_request is not None:
        payload["merge_request"] = merge_request_of(body.merge_request, event.project)
    if body.issue is not None:
        payload["issue"] = issue_of(body.issue, event.project)
    return payload


def render_issue(event: Event, body: IssueBody) -> dict[str, Any]:
    """Issue Hook."""
    attributes = issue_of(body.issue, event.project)
    attributes["action"] = ISSUE_ACTIONS.get(event.kind, "update")
    return {
        "object_kind": "issue",
        "event_type": "issue",
        "user": user_of(event.actor),
        "project": project_of(event.project),
        "repository": repository_of(event.project),
        "object_attributes": attributes,
        "labels": [{"title": label} for label in body.issue.labels],
    }


def render_pipeline(event: Event, body: PipelineBody) -> dict[str, Any]:
    """Pipeline Hook, from a commit status or a CI."""
    return {
        "object_kind": "pipeline",
        "object_attributes": {
            "id": body.id,
            "ref": body.ref,
            "tag": False,
            "sha": body.sha,
            "status": body.status,
            "stages": [body.stage] if body.stage else [],
            "name": body.name,
            "detailed_status": body.description or body.status,
            "created_at": shown(body.created_at),
            "finished_at": shown(body.finished_at),
            "duration": body.duration,
            "url": body.target_url,
        },
        "user": user_of(event.actor),
        "project": project_of(event.project),
        "builds": [],
    }


def render_member(event: Event, body: CollaboratorBody) -> dict[str, Any]:
    """Member events, in the shape of GitLab's team member hooks."""
    return {
        "object_kind": "member",
        "event_name": MEMBER_EVENTS.get(event.kind, "user_update_for_team"),
        "project_id": event.project.id,
        "project_name": event.project.name,
        "project_path_with_namespace": event.project.path,
        "user_id": body.member.id,
        "user_username": body.member.username,
        "user_name": body.member.name,
        "user_email": body.member.email,
        "access_level": body.role,
        "previous_access_level": body.previous_role or None,
        "created_at": shown(event.occurred_at),
    }


def shown(moment: datetime | None) -> str | None:
    """Payload times as the API writes them (`2024-10-15T22:30:24.000+08:00`)."""
    return format_time(moment, offset_hours=8, fraction=3) if moment else None


def user_of(actor: Actor) -> dict[str, Any]:
    """The `user` object."""
    return {
        "id": actor.id,
        "name": actor.name or actor.username,
        "username": actor.username,
        "avatar_url": actor.avatar_url or None,
        "email": actor.email,
    }


def project_of(project: ProjectSnapshot) -> dict[str, Any]:
    """The `project` object (also `source` and `target` of a merge request)."""
    return {
        "id": project.id,
        "name": project.name,
        "description": project.description,
        "web_url": project.web_url,
        "avatar_url": None,
        "git_ssh_url": project.git_ssh_url,
        "git_http_url": project.git_http_url,
        "namespace": project.owner,
        "visibility_level": VISIBILITY_LEVELS.get(project.visibility, 0),
        "path_with_namespace": project.path,
        "default_branch": project.default_branch,
        "ci_config_path": None,
        "homepage": project.web_url,
        "url": project.git_ssh_url,
        "ssh_url": project.git_ssh_url,
        "http_url": project.git_http_url,
    }


def repository_of(project: ProjectSnapshot) -> dict[str, Any]:
    """The older `repository` object."""
    return {
        "name": project.name,
        "url": project.git_ssh_url,
        "description": project.description,
        "homepage": project.web_url,
        "git_http_url": project.git_http_url,
        "git_ssh_url": project.git_ssh_url,
        "visibility_level": VISIBILITY_LEVELS.get(project.visibility, 0),
    }


def commit_of(commit: Commit) -> dict[str, Any]:
    """One commit of `commits` (also `last_commit` and a note's `commit`)."""
    return {
        "id": commit.id,
        "message": commit.message,
        "title": commit.title or commit.message.split("\n", 1)[0],
        "timestamp": shown(commit.timestamp),
        "url": commit.url,
        "author": {"name": commit.author_name, "email": commit.author_email},
        "added": list(commit.added),
        "modified": list(commit.modified),
        "removed": list(commit.removed),
    }


def merge_request_of(mr: MergeRequest, project: ProjectSnapshot) -> dict[str, Any]:
    """A merge request's attributes."""
    return {
        "id": mr.id,
        "iid": mr.iid,
        "title": mr.title,
        "description": mr.description,
        "state": mr.state,
        "source_branch": mr.source_branch,
        "target_branch": mr.target_branch,
        "source_project_id": project.id,
        "target_project_id": project.id,
        "author_id": mr.author.id,
        "assignee_id": None,
        "merge_status": mr.merge_status,
        "merge_commit_sha": None,
        "merge_params": {"force_remove_source_branch": False},
        "merge_when_pipeline_succeeds": False,
        "work_in_progress": False,
        "url": mr.url,
        "created_at": shown(mr.created_at),
        "updated_at": shown(mr.updated_at),
        "source": project_of(project),
        "target": project_of(project),
        "last_commit": commit_of(mr.last_commit) if mr.last_commit else None,
    }


def issue_of(issue: Issue, project: ProjectSnapshot) -> dict[str, Any]:
    """An issue's attributes."""
    return {
        "id": issue.id,
        "iid": issue.iid,
        "project_id": project.id,
        "title": issue.title,
        "description": issue.description,
        "state": issue.state,
        "url": issue.url,
        "author_id": issue.author.id,
        "confidential": issue.confidential,
        "created_at": shown(issue.created_at),
        "updated_at": shown(issue.updated_at),
    }
