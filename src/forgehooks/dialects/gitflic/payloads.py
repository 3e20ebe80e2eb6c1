"""GitFlic's delivery bodies: common `action`, `project_id`, `project`, plus one entity object.

Confirmed by docs.gitflic.ru: the common fields, the `project` object, `push.ref` for
BRANCH_UPDATE and `issue{id,user_id,user_alias,title,description}`; the rest of each
entity object follows the same snake_case style (see docs/dialects/gitflic.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, assert_never

import orjson

from forgehooks.core.clock import format_time
from forgehooks.core.events import (
    Actor,
    CollaboratorBody,
    Commit,
    Event,
    EventFamily,
    Issue,
    IssueBody,
    MergeRequest,
    MergeRequestBody,
    NoteBody,
    PipelineBody,
    ProjectSnapshot,
    RefBody,
    SystemBody,
    dated,
)
from forgehooks.dialects.gitflic.mapping import ACTIONS, TEST_ACTION

JSON = dict[str, Any]


def timestamp(moment: datetime | None) -> str | None:
    """GitFlic's UTC time with microseconds and `Z`."""
    return format_time(moment, offset_hours=0, fraction=6, zulu=True) if moment else None


def project_object(project: ProjectSnapshot) -> JSON:
    """The documented `project` object."""
    return {
        "project_id": project.uuid,
        "title": project.name,
        "alias": project.slug,
        "owner_alias": project.owner,
        "owner_type": "USER",
        "http_transport_url": project.git_http_url,
        "ssh_transport_url": project.git_ssh_url,
        "language": None,
        "private": project.visibility != "public",
    }


def user_fields(actor: Actor) -> JSON:
    """Who did it, as GitFlic's issue object names it."""
    return {"user_id": str(actor.id), "user_alias": actor.username}


def commit_object(commit: Commit) -> JSON:
    """One commit of a push."""
    return {
        "id": commit.id,
        "message": commit.message,
        "timestamp": timestamp(commit.timestamp),
        "url": commit.url,
        "author": {"name": commit.author_name, "email": commit.author_email},
        "added": list(commit.added),
        "modified": list(commit.modified),
        "removed": list(commit.removed),
    }


def render_ref(body: RefBody, actor: Actor) -> JSON:
    """Branch and tag events: a `push` object."""
    return {
        "push": {
            "ref": body.ref,
            "before": body.before,
            "after": body.after,
            **user_fields(actor),
            "commits": [commit_object(c) for c in body.commits],
            "total_commits_count": body.total_commits_count,
        }
    }


def merge_request_object(mr: MergeRequest) -> JSON:
    """A merge request."""
    return {
        "id": str(mr.id),
        "local_id": mr.iid,
        **user_fields(mr.author),
        "title": mr.title,
        "description": mr.description,
        "status": mr.state.upper(),
        "source_branch": mr.source_branch,
        "target_branch": mr.target_branch,
        "url": mr.url,
        "labels": [label.title for label in mr.labels],
        "created_at": timestamp(mr.created_at),
        "updated_at": timestamp(mr.updated_at),
    }


def issue_object(issue: Issue) -> JSON:
    """An issue (its first five fields are the documented ones)."""
    return {
        "id": str(issue.id),
        **user_fields(issue.author),
        "title": issue.title,
        "description": issue.description,
        "local_id": issue.iid,
        "status": issue.state.upper(),
        "url": issue.url,
        "labels": [label.title for label in issue.labels],
        "created_at": timestamp(issue.created_at),
        "updated_at": timestamp(issue.updated_at),
    }


def render_note(body: NoteBody, actor: Actor) -> JSON:
    """Comments: `note` with its issue or commit, or `discussion` with its merge request."""
    note = {
        "id": str(body.id),
        **user_fields(actor),
        "message": body.note,
        "url": body.url,
        "created_at": timestamp(body.created_at),
    }
    if body.merge_request is not None:
        discussion = {**note, "discussion_id": body.discussion_id}
        return {"discussion": discussion, "merge_request": merge_request_object(body.merge_request)}
    if body.issue is not None:
        return {"note": note, "issue": issue_object(body.issue)}
    return {"note": note, "commit": commit_object(body.commit) if body.commit else None}


def render_pipeline(body: PipelineBody, actor: Actor) -> JSON:
    """Pipeline events: a `pipeline` object."""
    return {
        "pipeline": {
            "id": str(body.id),
            "status": body.status.upper(),
            "ref": body.ref,
            "commit_id": body.sha,
            "name": body.name,
            "stage": body.stage,
            "url": body.target_url,
            "description": body.description,
            **user_fields(actor),
            "created_at": timestamp(body.created_at),
            "finished_at": timestamp(body.finished_at),
            "duration": body.duration,
        }
    }


def render_collaborator(body: CollaboratorBody, actor: Actor) -> JSON:
    """Membership events: the `collaborator` and who changed it."""
    return {
        "collaborator": {
            **user_fields(body.member),
            "name": body.member.name,
            "role": body.role.upper(),
            "previous_role": body.previous_role.upper() or None,
        },
        "author": user_fields(actor),
    }


def entity_of(event: Event) -> JSON:
    """The event's own object(s), one renderer per family."""
    body, family = event.body, event.kind.family
    match family:
        case EventFamily.REF:
            assert isinstance(body, RefBody)
            return render_ref(body, event.actor)
        case EventFamily.MERGE_REQUEST:
            assert isinstance(body, MergeRequestBody)
            return {
                "merge_request": merge_request_object(body.merge_request),
                "author": user_fields(event.actor),
            }
        case EventFamily.NOTE:
            assert isinstance(body, NoteBody)
            return render_note(body, event.actor)
        case EventFamily.ISSUE:
            assert isinstance(body, IssueBody)
            return {"issue": issue_object(body.issue)}
        case EventFamily.PIPELINE:
            assert isinstance(body, PipelineBody)
            return render_pipeline(body, event.actor)
        case EventFamily.COLLABORATOR:
            assert isinstance(body, CollaboratorBody)
            return render_collaborator(body, event.actor)
        case EventFamily.SYSTEM:
            assert isinstance(body, SystemBody)
            return {"message": body.message}
        case _:
            assert_never(family)


def render(event: Event) -> bytes:
    """The JSON body GitFlic posts for `event`."""
    action = ACTIONS[event.kind]
    payload: JSON = {
        "action": action,
        "project_id": event.project.uuid,
        "project": project_object(event.project),
    }
    if action != TEST_ACTION:  # GitFlic's test carries the common fields only
        payload |= entity_of(dated(event))
    return orjson.dumps(payload)
