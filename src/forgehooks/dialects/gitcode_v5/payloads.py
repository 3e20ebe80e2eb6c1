"""GitCode's delivery bodies: GitLab-shaped JSON with GitCode's extras, one renderer per family.

Shapes follow docs.gitcode.com's webhook-stepup pages and captured deliveries; see
docs/dialects/gitcode_v5.md for the sources and which keys are inferred.
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

JSON = dict[str, Any]

VISIBILITY_LEVELS = {"private": 0, "internal": 10, "public": 20}

#: object_attributes.action of each merge request kind.
MR_ACTIONS: dict[EventKind, str] = {
    EventKind.MERGE_REQUEST_OPEN: "open",
    EventKind.MERGE_REQUEST_UPDATE: "update",
    EventKind.MERGE_REQUEST_CLOSE: "close",
    EventKind.MERGE_REQUEST_REOPEN: "reopen",
    EventKind.MERGE_REQUEST_MERGE: "merge",
    EventKind.MERGE_REQUEST_APPROVE: "approved",
    EventKind.MERGE_REQUEST_CANCEL: "close",
}

#: object_attributes.action of each issue kind.
ISSUE_ACTIONS: dict[EventKind, str] = {
    EventKind.ISSUE_OPEN: "open",
    EventKind.ISSUE_UPDATE: "update",
    EventKind.ISSUE_CLOSE: "close",
    EventKind.ISSUE_REOPEN: "reopen",
}

#: GitLab's event_name of each membership kind.
MEMBER_EVENTS: dict[EventKind, str] = {
    EventKind.COLLABORATOR_ADD: "user_add_to_team",
    EventKind.COLLABORATOR_UPDATE: "user_update_for_team",
    EventKind.COLLABORATOR_REMOVE: "user_remove_from_team",
}


def _time(moment: datetime | None) -> str | None:
    """GitCode's API time format: +08:00, whole seconds."""
    return format_time(moment, offset_hours=8, fraction=0) if moment else None


def _commit_time(moment: datetime | None) -> str | None:
    """Commit timestamps as captured deliveries show them: UTC with `Z`."""
    return format_time(moment, fraction=0, zulu=True) if moment else None


def _project(p: ProjectSnapshot) -> JSON:
    return {
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "web_url": p.web_url,
        "avatar_url": None,
        "git_ssh_url": p.git_ssh_url,
        "git_http_url": p.git_http_url,
        "namespace": p.owner,
        "visibility_level": VISIBILITY_LEVELS.get(p.visibility, 0),
        "path_with_namespace": p.path,
        "default_branch": p.default_branch,
        "homepage": p.web_url,
        "url": p.git_ssh_url,
        "ssh_url": p.git_ssh_url,
        "http_url": p.git_http_url,
    }


def _repository(p: ProjectSnapshot) -> JSON:
    return {
        "name": p.name,
        "url": p.git_ssh_url,
        "description": p.description,
        "homepage": p.web_url,
        "git_http_url": p.git_http_url,
        "git_ssh_url": p.git_ssh_url,
        "visibility_level": VISIBILITY_LEVELS.get(p.visibility, 0),
    }


def _user(a: Actor) -> JSON:
    return {
        "id": a.id,
        "name": a.name or a.username,
        "username": a.username,
        "avatar_url": a.avatar_url or None,
        "email": a.email,
    }


def _commit(c: Commit) -> JSON:
    return {
        "id": c.id,
        "message": c.message,
        "timestamp": _commit_time(c.timestamp),
        "url": c.url,
        "author": {"name": c.author_name, "email": c.author_email},
        "added": list(c.added),
        "removed": list(c.removed),
        "modified": list(c.modified),
    }


def _common(event: Event) -> JSON:
    """Keys every GitCode body carries about the project and the event's identity."""
    return {
        "project_id": event.project.id,
        "project": _project(event.project),
        "repository": _repository(event.project),
        "uuid": event.id,
    }


def render_ref(event: Event, body: RefBody) -> JSON:
    """Push Hook / Tag Push Hook: pushes, branch and tag creation and deletion."""
    kind = "tag_push" if event.kind.is_tag else "push"
    actor = event.actor
    return {
        "object_kind": kind,
        "event_name": kind,
        "before": body.before,
        "after": body.after,
        "ref": body.ref,
        "checkout_sha": None if body.after == ZERO_SHA else body.after,
        "message": body.message,
        "user_id": actor.id,
        "user_name": actor.name or actor.username,
        "user_username": actor.username,
        "user_email": actor.email,
        "user_avatar": actor.avatar_url or None,
        "commits": [_commit(c) for c in body.commits],
        "total_commits_count": body.total_commits_count,
        "push_options": [],
        "git_branch": body.short_ref,
        "git_commit_no": body.after,
        "manual_build": False,
        "hook_type": "project",
    } | _common(event)


def _merge_request_attributes(mr: MergeRequest, project: ProjectSnapshot) -> JSON:
    return {
        "id": mr.id,
        "iid": mr.iid,
        "title": mr.title,
        "description": mr.description,
        "state": mr.state,
        "created_at": _time(mr.created_at),
        "updated_at": _time(mr.updated_at),
        "work_in_progress": False,
        "merge_status": mr.merge_status,
        "merge_when_pipeline_succeeds": False,
        "source_branch": mr.source_branch,
        "target_branch": mr.target_branch,
        "source_project_id": project.id,
        "target_project_id": project.id,
        "author_id": mr.author.id,
        "url": mr.url,
        "need_review": False,
        "need_test": False,
        "conflict": mr.merge_status == "cannot_be_merged",
        "total_time_spent": 0,
        "last_commit": _commit(mr.last_commit) if mr.last_commit else None,
        "source": _project(project),
        "target": _project(project),
    }


def render_merge_request(event: Event, body: MergeRequestBody) -> JSON:
    """Merge Request Hook."""
    mr = body.merge_request
    attributes = _merge_request_attributes(mr, event.project) | {"action": MR_ACTIONS[event.kind]}
    return {
        "object_kind": "merge_request",
        "event_type": "merge_request",
        "produce_random_id": event.id,
        "user": _user(event.actor),
        "object_attributes": attributes,
        "labels": [{"title": label} for label in mr.labels],
        "issues": [],
        "git_branch": mr.source_branch,
        "git_commit_no": mr.last_commit.id if mr.last_commit else "",
        "git_target_branch_commit_no": "",
        "manual_build": False,
        "virtual_merge_build": False,
    } | _common(event)


def _issue_attributes(issue: Issue, project: ProjectSnapshot) -> JSON:
    author = issue.author
    return {
        "id": issue.id,
        "iid": issue.iid,
        "project_id": project.id,
        "title": issue.title,
        "description": issue.description,
        "state": issue.state,
        "created_at": _time(issue.created_at),
        "updated_at": _time(issue.updated_at),
        "confidential": issue.confidential,
        "url": issue.url,
        "time_estimate": 0,
        "total_time_spent": 0,
        "human_time_estimate": None,
        "human_total_time_spent": None,
        "assignee_ids": [],
        "author": _user(author) | {"web_url": ""},
    }


def render_issue(event: Event, body: IssueBody) -> JSON:
    """Issue Hook."""
    attributes = _issue_attributes(body.issue, event.project) | {"action": ISSUE_ACTIONS[event.kind]}
    return {
        "object_kind": "issue",
        "event_type": "issue",
        "produce_random_id": event.id,
        "user": _user(event.actor),
        "object_attributes": attributes,
        "labels": [{"title": label} for label in body.issue.labels],
    } | _common(event)


def _noteable(body: NoteBody, project: ProjectSnapshot) -> tuple[Any, JSON]:
    """The noteable's id and the object the payload carries beside the note."""
    if body.merge_request is not None:
        mr = body.merge_request
        return mr.id, {"merge_request": _merge_request_attributes(mr, project)}
    if body.issue is not None:
        return body.issue.id, {"issue": _issue_attributes(body.issue, project)}
    if body.commit is not None:
        return body.commit.id, {"commit": _commit(body.commit)}
    return None, {}


def render_note(event: Event, body: NoteBody) -> JSON:
    """Note Hook: comments on commits, merge requests and issues, and new discussions."""
    noteable_id, noteable = _noteable(body, event.project)
    discussion = event.kind is EventKind.DISCUSSION_CREATE
    attributes = {
        "id": body.id,
        "note": body.note,
        "noteable_type": body.noteable_type,
        "noteable_id": noteable_id,
        "author_id": event.actor.id,
        "discussion_id": body.discussion_id,
        "type": "DiscussionNote" if discussion else None,
        "system": False,
        "position": None,
        "original_position": None,
        "change_position": None,
        "project_id": event.project.id,
        "created_at": _time(body.created_at or event.occurred_at),
        "updated_at": _time(body.created_at or event.occurred_at),
        "description": body.note,
        "url": body.url,
    }
    return (
        {
            "object_kind": "note",
            "event_type": "note",
            "user": _user(event.actor),
            "object_attributes": attributes,
        }
        | noteable
        | _common(event)
    )


def render_pipeline(event: Event, body: PipelineBody) -> JSON:
    """Pipeline Hook (GitCode sends none; GitLab's shape, for hooks given pipeline kinds elsewhere)."""
    return {
        "object_kind": "pipeline",
        "object_attributes": {
            "id": body.id,
            "ref": body.ref,
            "tag": False,
            "sha": body.sha,
            "status": body.status,
            "name": body.name,
            "stages": [body.stage] if body.stage else [],
            "created_at": _time(body.created_at),
            "finished_at": _time(body.finished_at),
            "duration": body.duration,
            "url": body.target_url,
        },
        "user": _user(event.actor),
    } | _common(event)


def render_member(event: Event, body: CollaboratorBody) -> JSON:
    """Member Hook (GitLab's project membership events; GitCode documents none)."""
    member = body.member
    return {
        "object_kind": "member",
        "event_name": MEMBER_EVENTS[event.kind],
        "project_name": event.project.name,
        "project_path_with_namespace": event.project.path,
        "user_id": member.id,
        "user_username": member.username,
        "user_name": member.name,
        "user_email": member.email,
        "access_level": body.role,
        "previous_access_level": body.previous_role or None,
    } | _common(event)


def render_system(event: Event, body: SystemBody) -> JSON:
    """System Hook: notes about the webhook system itself."""
    return {"object_kind": "system", "event_name": event.kind.value, "message": body.message} | _common(event)


def payload_of(event: Event) -> JSON:
    """The GitCode payload of `event` as a dict, one renderer per body family."""
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
    """The exact bytes GitCode would POST for `event`: compact UTF-8 JSON."""
    return json.dumps(payload_of(event), ensure_ascii=False, separators=(",", ":")).encode()
