"""GitLab's webhook bodies, built once: each GitLab-like face subclasses `GitLabPayloads`.

Key names and shapes follow GitLab's webhook events page (push, tag push, merge request,
issue, note, pipeline). A face passes a `Flavor` (its time formats and visibility levels)
and overrides a method where its platform adds or drops keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
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
    FieldChange,
    Issue,
    IssueBody,
    Label,
    MergeRequest,
    MergeRequestBody,
    NoteBody,
    PipelineBody,
    ProjectSnapshot,
    RefBody,
    SystemBody,
    dated,
)

JSON = dict[str, Any]
TimeFormat = Callable[[datetime], str]

#: GitLab's visibility levels.
GITLAB_VISIBILITY: Mapping[str, int] = MappingProxyType({"private": 0, "internal": 10, "public": 20})

#: object_attributes.action of each merge request kind.
MERGE_REQUEST_ACTIONS: Mapping[EventKind, str] = {
    EventKind.MERGE_REQUEST_OPEN: "open",
    EventKind.MERGE_REQUEST_UPDATE: "update",
    EventKind.MERGE_REQUEST_CLOSE: "close",
    EventKind.MERGE_REQUEST_REOPEN: "reopen",
    EventKind.MERGE_REQUEST_MERGE: "merge",
    EventKind.MERGE_REQUEST_APPROVE: "approved",
    EventKind.MERGE_REQUEST_CANCEL: "close",
}

#: object_attributes.action of each issue kind.
ISSUE_ACTIONS: Mapping[EventKind, str] = {
    EventKind.ISSUE_OPEN: "open",
    EventKind.ISSUE_UPDATE: "update",
    EventKind.ISSUE_CLOSE: "close",
    EventKind.ISSUE_REOPEN: "reopen",
}

#: GitLab's event_name of each membership kind.
MEMBER_EVENTS: Mapping[EventKind, str] = {
    EventKind.COLLABORATOR_ADD: "user_add_to_team",
    EventKind.COLLABORATOR_UPDATE: "user_update_for_team",
    EventKind.COLLABORATOR_REMOVE: "user_remove_from_team",
}

#: Merge request states GitLab numbers as `state_id`.
STATE_IDS: Mapping[str, int] = {"opened": 1, "closed": 2, "merged": 3, "locked": 4}


def gitlab_time(moment: datetime) -> str:
    """GitLab's hook time for pipelines and builds: `2016-08-12 15:23:28 UTC`."""
    return format_time(moment, fraction=0).removesuffix("+00:00").replace("T", " ") + " UTC"


def offset_time(offset_hours: int, fraction: int = 0) -> TimeFormat:
    """ISO 8601 at a fixed offset with `fraction` digits (GitCode and CodeArts write +08:00)."""
    return lambda moment: format_time(moment, offset_hours=offset_hours, fraction=fraction)


def zulu_time(moment: datetime) -> str:
    """ISO 8601 in UTC with `Z`, whole seconds."""
    return format_time(moment, fraction=0, zulu=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class Flavor:
    """How one face writes the shared body: its formats, as data."""

    #: times of merge requests, issues, notes and labels
    time: TimeFormat
    #: `timestamp` of commits
    commit_time: TimeFormat
    #: times of pipelines and builds (GitLab's own format unless a platform documents one)
    pipeline_time: TimeFormat = gitlab_time
    visibility_levels: Mapping[str, int] = field(default_factory=lambda: GITLAB_VISIBILITY)


class GitLabPayloads:
    """GitLab's bodies for every family; faces override single methods for their extras."""

    def __init__(self, flavor: Flavor) -> None:
        self.flavor = flavor

    # -- formats -----------------------------------------------------------------------

    def time(self, moment: datetime | None) -> str | None:
        """An object time in the face's format; None stays None."""
        return self.flavor.time(moment) if moment is not None else None

    def visibility(self, project: ProjectSnapshot) -> int:
        """The numeric visibility level."""
        return self.flavor.visibility_levels.get(project.visibility, 0)

    # -- objects -----------------------------------------------------------------------

    def project(self, p: ProjectSnapshot) -> JSON:
        """The `project` object (also a merge request's `source` and `target`)."""
        return {
            "id": p.id,
            "name": p.name,
            "description": p.description,
            "web_url": p.web_url,
            "avatar_url": None,
            "git_ssh_url": p.git_ssh_url,
            "git_http_url": p.git_http_url,
            "namespace": p.owner,
            "visibility_level": self.visibility(p),
            "path_with_namespace": p.path,
            "default_branch": p.default_branch,
            "ci_config_path": None,
            "homepage": p.web_url,
            "url": p.git_ssh_url,
            "ssh_url": p.git_ssh_url,
            "http_url": p.git_http_url,
        }

    def repository(self, p: ProjectSnapshot) -> JSON:
        """The older `repository` object GitLab still sends."""
        return {
            "name": p.name,
            "url": p.git_ssh_url,
            "description": p.description,
            "homepage": p.web_url,
            "git_http_url": p.git_http_url,
            "git_ssh_url": p.git_ssh_url,
            "visibility_level": self.visibility(p),
        }

    def user(self, a: Actor) -> JSON:
        """A `user` (also assignees and reviewers); an unknown email is null, not ""."""
        return {
            "id": a.id,
            "name": a.name or a.username,
            "username": a.username,
            "avatar_url": a.avatar_url or None,
            "email": a.email or None,
        }

    def commit(self, c: Commit) -> JSON:
        """One commit (`commits[]`, `last_commit`, a note's or a pipeline's `commit`)."""
        return {
            "id": c.id,
            "message": c.message,
            "title": c.title or c.message.split("\n", 1)[0],
            "timestamp": self.flavor.commit_time(c.timestamp) if c.timestamp else None,
            "url": c.url,
            "author": {"name": c.author_name, "email": c.author_email},
            "added": list(c.added),
            "modified": list(c.modified),
            "removed": list(c.removed),
        }

    def label(self, label: Label, project: ProjectSnapshot, moment: datetime) -> JSON:
        """A label object as GitLab's `hook_attrs` write it."""
        return {
            "id": label.id,
            "title": label.title,
            "color": label.color,
            "project_id": project.id,
            "created_at": self.time(moment),
            "updated_at": self.time(moment),
            "template": False,
            "description": label.description,
            "type": "ProjectLabel",
            "group_id": None,
        }

    def labels(self, labels: tuple[Label, ...], event: Event) -> list[JSON]:
        """Every label of an object, as objects."""
        return [self.label(label, event.project, event.occurred_at) for label in labels]

    def changes(self, changes: tuple[FieldChange, ...]) -> JSON:
        """GitLab's `changes`: `{field: {previous, current}}`; times in the face's format."""
        return {
            c.field: {"previous": self._changed(c, c.previous), "current": self._changed(c, c.current)}
            for c in changes
        }

    def _changed(self, change: FieldChange, value: Any) -> Any:
        if change.field.endswith("_at") and isinstance(value, str):
            try:
                return self.time(datetime.fromisoformat(value.replace("Z", "+00:00")))
            except ValueError:
                return value
        return value

    # -- merge requests and issues -------------------------------------------------------

    def merge_request_attributes(self, mr: MergeRequest, event: Event) -> JSON:
        """A merge request's attributes (`object_attributes`, a note's `merge_request`)."""
        project = event.project
        assignee_ids = [a.id for a in mr.assignees]
        return {
            "id": mr.id,
            "iid": mr.iid,
            "title": mr.title,
            "description": mr.description,
            "state": mr.state,
            "state_id": STATE_IDS.get(mr.state, 1),
            "created_at": self.time(mr.created_at),
            "updated_at": self.time(mr.updated_at),
            "source_branch": mr.source_branch,
            "target_branch": mr.target_branch,
            "source_project_id": project.id,
            "target_project_id": project.id,
            "author_id": mr.author.id,
            "assignee_id": assignee_ids[0] if assignee_ids else None,
            "assignee_ids": assignee_ids,
            "reviewer_ids": [r.id for r in mr.reviewers],
            "milestone_id": mr.milestone_id,
            "merge_status": mr.merge_status,
            "detailed_merge_status": "mergeable" if mr.merge_status == "can_be_merged" else "not_open",
            "merge_commit_sha": None,
            "merge_when_pipeline_succeeds": False,
            "blocking_discussions_resolved": True,
            "first_contribution": False,
            "last_edited_at": None,
            "last_edited_by_id": None,
            "work_in_progress": False,
            "draft": False,
            "url": mr.url,
            "source": self.project(project),
            "target": self.project(project),
            "last_commit": self.commit(mr.last_commit) if mr.last_commit else None,
            "labels": self.labels(mr.labels, event),
            "time_estimate": 0,
            "total_time_spent": 0,
            "time_change": 0,
            "human_time_estimate": None,
            "human_total_time_spent": None,
            "human_time_change": None,
        }

    def issue_attributes(self, issue: Issue, event: Event) -> JSON:
        """An issue's attributes (`object_attributes`, a note's `issue`)."""
        assignee_ids = [a.id for a in issue.assignees]
        return {
            "id": issue.id,
            "iid": issue.iid,
            "project_id": event.project.id,
            "title": issue.title,
            "description": issue.description,
            "state": issue.state,
            "created_at": self.time(issue.created_at),
            "updated_at": self.time(issue.updated_at),
            "confidential": issue.confidential,
            "url": issue.url,
            "author_id": issue.author.id,
            "assignee_id": assignee_ids[0] if assignee_ids else None,
            "assignee_ids": assignee_ids,
            "milestone_id": issue.milestone_id,
            "labels": self.labels(issue.labels, event),
            "time_estimate": 0,
            "total_time_spent": 0,
            "human_time_estimate": None,
            "human_total_time_spent": None,
        }

    # -- one body per family -----------------------------------------------------------

    def common(self, event: Event) -> JSON:
        """Keys every body carries about the project."""
        return {"project": self.project(event.project), "repository": self.repository(event.project)}

    def ref(self, event: Event, body: RefBody) -> JSON:
        """Push Hook and Tag Push Hook (branch and tag create/delete are pushes with zero shas)."""
        kind = "tag_push" if event.kind.is_tag else "push"
        actor = event.actor
        deleted = body.after == ZERO_SHA
        return {
            "object_kind": kind,
            "event_name": kind,
            "before": body.before,
            "after": body.after,
            "ref": body.ref,
            "ref_protected": False,
            "checkout_sha": None if deleted else (body.checkout_sha or body.after),
            "message": body.message or None,
            "user_id": actor.id,
            "user_name": actor.name or actor.username,
            "user_username": actor.username,
            "user_email": actor.email,
            "user_avatar": actor.avatar_url or None,
            "project_id": event.project.id,
            "commits": [self.commit(c) for c in body.commits],
            "total_commits_count": body.total_commits_count or len(body.commits),
            "push_options": {},
        } | self.common(event)

    def merge_request(self, event: Event, body: MergeRequestBody) -> JSON:
        """Merge Request Hook."""
        mr = body.merge_request
        attributes = self.merge_request_attributes(mr, event)
        attributes["action"] = MERGE_REQUEST_ACTIONS[event.kind]
        return {
            "object_kind": "merge_request",
            "event_type": "merge_request",
            "user": self.user(event.actor),
            "object_attributes": attributes,
            "labels": self.labels(mr.labels, event),
            "changes": self.changes(body.changes),
            "assignees": [self.user(a) for a in mr.assignees],
            "reviewers": [self.user(r) for r in mr.reviewers],
        } | self.common(event)

    def issue(self, event: Event, body: IssueBody) -> JSON:
        """Issue Hook."""
        issue = body.issue
        attributes = self.issue_attributes(issue, event)
        attributes["action"] = ISSUE_ACTIONS[event.kind]
        assignees = [self.user(a) for a in issue.assignees]
        return {
            "object_kind": "issue",
            "event_type": "issue",
            "user": self.user(event.actor),
            "object_attributes": attributes,
            "labels": self.labels(issue.labels, event),
            "changes": self.changes(body.changes),
            "assignees": assignees,
            "assignee": assignees[0] if assignees else None,
        } | self.common(event)

    def note_attributes(self, event: Event, body: NoteBody) -> JSON:
        """A note's attributes."""
        return {
            "id": body.id,
            "note": body.note,
            "noteable_type": body.noteable_type,
            "noteable_id": self.noteable_id(body),
            "author_id": event.actor.id,
            "created_at": self.time(body.created_at),
            "updated_at": self.time(body.created_at),
            "project_id": event.project.id,
            "attachment": None,
            "line_code": None,
            "commit_id": body.commit.id if body.commit else None,
            "discussion_id": body.discussion_id,
            "system": False,
            "st_diff": None,
            "type": "DiscussionNote" if event.kind is EventKind.DISCUSSION_CREATE else None,
            "url": body.url,
            "description": body.note,
        }

    def noteable_id(self, body: NoteBody) -> int | None:
        """The numeric id of what the note is on; a commit has none (GitLab sends null)."""
        if body.merge_request is not None:
            return body.merge_request.id
        if body.issue is not None:
            return body.issue.id
        return None

    def note(self, event: Event, body: NoteBody) -> JSON:
        """Note Hook: a comment and the commit, merge request or issue it is on."""
        payload: JSON = {
            "object_kind": "note",
            "event_type": "note",
            "user": self.user(event.actor),
            "project_id": event.project.id,
            "object_attributes": self.note_attributes(event, body),
        }
        if body.commit is not None:
            payload["commit"] = self.commit(body.commit)
        if body.merge_request is not None:
            payload["merge_request"] = self.merge_request_attributes(body.merge_request, event)
        if body.issue is not None:
            payload["issue"] = self.issue_attributes(body.issue, event)
        return payload | self.common(event)

    def pipeline(self, event: Event, body: PipelineBody) -> JSON:
        """Pipeline Hook, from a commit status or a CI: attributes, commit and its one build."""
        when = self.flavor.pipeline_time
        created = when(body.created_at) if body.created_at else None
        finished = when(body.finished_at) if body.finished_at else None
        url = body.target_url or f"{event.project.web_url}/-/pipelines/{body.id}"
        commit = body.commit or Commit(id=body.sha, timestamp=body.created_at)
        if not commit.url:
            commit = replace(commit, url=f"{event.project.web_url}/commit/{body.sha}")
        ref = body.ref.removeprefix("refs/heads/").removeprefix("refs/tags/")
        attributes = {
            "id": body.id,
            "iid": body.iid or body.id,
            "name": body.name or None,
            "ref": ref,
            "tag": body.ref.startswith("refs/tags/"),
            "sha": body.sha,
            "before_sha": ZERO_SHA,
            "source": "external",
            "status": body.status,
            "detailed_status": body.status,
            "stages": [body.stage] if body.stage else [],
            "created_at": created,
            "finished_at": finished,
            "duration": body.duration,
            "queued_duration": None,
            "variables": [],
            "url": url,
        }
        build = {
            "id": body.id,
            "stage": body.stage or "test",
            "name": body.name or "build",
            "status": body.status,
            "created_at": created,
            "started_at": created if body.status != "pending" else None,
            "finished_at": finished,
            "duration": float(body.duration) if body.duration is not None else None,
            "queued_duration": None,
            "failure_reason": "script_failure" if body.status == "failed" else None,
            "when": "on_success",
            "manual": False,
            "allow_failure": False,
            "user": self.user(event.actor),
            "runner": None,
            "artifacts_file": {"filename": None, "size": None},
            "environment": None,
        }
        return {
            "object_kind": "pipeline",
            "object_attributes": attributes,
            "merge_request": None,
            "user": self.user(event.actor),
            "commit": self.commit(commit),
            "builds": [build],
        } | self.common(event)

    def member(self, event: Event, body: CollaboratorBody) -> JSON:
        """Membership changes, as GitLab's project member system hook writes them."""
        member = body.member
        return {
            "object_kind": "member",
            "event_name": MEMBER_EVENTS[event.kind],
            "created_at": self.time(event.occurred_at),
            "updated_at": self.time(event.occurred_at),
            "project_name": event.project.name,
            "project_path": event.project.slug,
            "project_path_with_namespace": event.project.path,
            "project_id": event.project.id,
            "user_username": member.username,
            "user_name": member.name,
            "user_email": member.email,
            "user_id": member.id,
            "access_level": body.role,
            "previous_access_level": body.previous_role or None,
            "project_visibility": event.project.visibility,
        } | self.common(event)

    def system(self, event: Event, body: SystemBody) -> JSON:
        """Events about the webhook system itself: a system-hook-like note."""
        return {
            "object_kind": "system",
            "event_name": event.kind.value,
            "created_at": self.time(event.occurred_at),
            "project_id": event.project.id,
            "message": body.message,
            "user": self.user(event.actor),
        } | self.common(event)

    # -- entry points ------------------------------------------------------------------

    def payload_of(self, event: Event) -> JSON:
        """The body of `event` as data; missing times are the time of publish."""
        event = dated(event)
        body = event.body
        match body:
            case RefBody():
                return self.ref(event, body)
            case MergeRequestBody():
                return self.merge_request(event, body)
            case NoteBody():
                return self.note(event, body)
            case IssueBody():
                return self.issue(event, body)
            case PipelineBody():
                return self.pipeline(event, body)
            case CollaboratorBody():
                return self.member(event, body)
            case SystemBody():
                return self.system(event, body)
            case _:
                assert_never(body)

    def render(self, event: Event) -> bytes:
        """The exact bytes sent: compact UTF-8 JSON."""
        return orjson.dumps(self.payload_of(event))
