"""Realistic sample events of every kind, for test calls, `forgehooks emit --sample` and the demo.

They carry the real project (ids, path, URLs) and the calling user as author and actor;
commit ids are fakes derived from the project, stable across calls, so a receiver can
tell a test from a real push and still see well-formed 40-hex shas.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import assert_never

from forgehooks.core.events import (
    ZERO_SHA,
    Actor,
    Body,
    CollaboratorBody,
    Commit,
    Event,
    EventFamily,
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
)
from forgehooks.core.ids import new_ordered_uuid

FEATURE_BRANCH = "feature/webhook-test"
SAMPLE_TAG = "v1.0.0"
NOTE_TEXT = "Looks good to me."

MR_STATES = {
    EventKind.MERGE_REQUEST_CLOSE: "closed",
    EventKind.MERGE_REQUEST_CANCEL: "closed",
    EventKind.MERGE_REQUEST_MERGE: "merged",
}
PIPELINE_STATES = {
    EventKind.PIPELINE_NEW: ("pending", "The pipeline is waiting for a runner"),
    EventKind.PIPELINE_RUNNING: ("running", "The pipeline is running"),
    EventKind.PIPELINE_SUCCESS: ("success", "The pipeline passed"),
    EventKind.PIPELINE_FAILED: ("failed", "The pipeline failed: 1 test failed"),
    EventKind.PIPELINE_CANCELED: ("canceled", "The pipeline was canceled"),
}


def sample_sha(project: ProjectSnapshot, label: str) -> str:
    """A stable fake commit id for `label` in `project`."""
    return hashlib.sha1(f"forgehooks-sample:{project.uuid}:{label}".encode()).hexdigest()


def _number(project: ProjectSnapshot, offset: int) -> int:
    """A global-looking id (merge request, issue, note) that differs per project."""
    return project.id * 1000 + offset


def _commit(project: ProjectSnapshot, actor: Actor, now: datetime) -> Commit:
    sha = sample_sha(project, "after")
    return Commit(
        id=sha,
        message="Update README.md\n\nDescribe the webhook setup. A test event sent by forgehooks.",
        title="Update README.md",
        timestamp=now - timedelta(minutes=1),
        url=f"{project.web_url}/commit/{sha}",
        author_name=actor.name or actor.username,
        author_email=actor.email,
        added=("docs/webhooks.md",),
        modified=("README.md",),
    )


def _label(project: ProjectSnapshot, offset: int, title: str, color: str, description: str) -> Label:
    return Label(id=_number(project, 10 + offset), title=title, color=color, description=description)


def _reviewer(project: ProjectSnapshot) -> Actor:
    return Actor(id=_number(project, 7), username="ada", name="Ada Lovelace", email="ada@example.com")


def _changes(now: datetime, kind: EventKind) -> tuple[FieldChange, ...]:
    """What an update changed: the title, and the update time as GitLab always adds."""
    if kind not in (EventKind.MERGE_REQUEST_UPDATE, EventKind.ISSUE_UPDATE):
        return ()
    previous = (now - timedelta(minutes=5)).isoformat()
    return (
        FieldChange(field="title", previous="Draft: webhook test", current="Add a webhook test"),
        FieldChange(field="updated_at", previous=previous, current=now.isoformat()),
    )


def _merge_request(project: ProjectSnapshot, actor: Actor, now: datetime, state: str) -> MergeRequest:
    return MergeRequest(
        id=_number(project, 1),
        iid=1,
        title="Add a webhook test",
        description=f"Adds a test for the webhooks of {project.path}.",
        state=state,
        source_branch=FEATURE_BRANCH,
        target_branch=project.default_branch,
        url=f"{project.web_url}/merge_requests/1",
        author=actor,
        created_at=now - timedelta(hours=1),
        updated_at=now,
        merge_status="can_be_merged",
        last_commit=_commit(project, actor, now),
        labels=(_label(project, 1, "feature", "#428BCA", "A new capability"),),
        assignees=(actor,),
        reviewers=(_reviewer(project),),
        milestone_id=_number(project, 6),
    )


def _issue(project: ProjectSnapshot, actor: Actor, now: datetime, state: str) -> Issue:
    return Issue(
        id=_number(project, 2),
        iid=1,
        title="Webhook deliveries are not shown",
        description=f"The delivery log of {project.path} stays empty after a push.",
        state=state,
        url=f"{project.web_url}/issues/1",
        author=actor,
        created_at=now - timedelta(hours=2),
        updated_at=now,
        labels=(_label(project, 2, "bug", "#FF0000", "Something does not work"),),
        assignees=(actor,),
        milestone_id=_number(project, 6),
    )


def _ref_body(kind: EventKind, project: ProjectSnapshot, actor: Actor, now: datetime) -> RefBody:
    commit = _commit(project, actor, now)
    before, after = sample_sha(project, "before"), commit.id
    feature, tag = f"refs/heads/{FEATURE_BRANCH}", f"refs/tags/{SAMPLE_TAG}"
    if kind is EventKind.BRANCH_DELETE:
        return RefBody(ref=feature, before=after, after=ZERO_SHA)
    if kind is EventKind.TAG_DELETE:
        return RefBody(ref=tag, before=after, after=ZERO_SHA)
    if kind is EventKind.PUSH:
        ref = f"refs/heads/{project.default_branch}"
    elif kind is EventKind.BRANCH_CREATE:
        ref, before = feature, ZERO_SHA
    else:  # tag create or tag moved
        ref, before = tag, ZERO_SHA if kind is EventKind.TAG_CREATE else before
    return RefBody(
        ref=ref,
        before=before,
        after=after,
        commits=(commit,),
        total_commits_count=1,
        message=f"Release {SAMPLE_TAG}" if ref == tag else "",
        checkout_sha=after,
    )


def _note_body(kind: EventKind, project: ProjectSnapshot, actor: Actor, now: datetime) -> NoteBody:
    note_id = _number(project, 3)
    discussion = hashlib.sha1(f"{project.uuid}:discussion:{note_id}".encode()).hexdigest()
    if kind is EventKind.NOTE_COMMIT:
        commit = _commit(project, actor, now)
        return NoteBody(
            id=note_id,
            note="Nice catch, thanks.",
            noteable_type="Commit",
            commit=commit,
            url=f"{commit.url}#note_{note_id}",
            discussion_id=discussion,
            created_at=now,
        )
    if kind is EventKind.NOTE_ISSUE:
        return NoteBody(
            id=note_id,
            note="I can reproduce this on the main branch.",
            noteable_type="Issue",
            issue=_issue(project, actor, now, "opened"),
            url=f"{project.web_url}/issues/1#note_{note_id}",
            discussion_id=discussion,
            created_at=now,
        )
    return NoteBody(
        id=note_id,
        note=NOTE_TEXT,
        noteable_type="MergeRequest",
        merge_request=_merge_request(project, actor, now, "opened"),
        url=f"{project.web_url}/merge_requests/1#note_{note_id}",
        discussion_id=discussion,
        created_at=now,
    )


def _pipeline_body(kind: EventKind, project: ProjectSnapshot, now: datetime) -> PipelineBody:
    status, description = PIPELINE_STATES[kind]
    pipeline_id = _number(project, 4)
    finished = now if status in ("success", "failed", "canceled") else None
    return PipelineBody(
        id=pipeline_id,
        sha=sample_sha(project, "after"),
        ref=project.default_branch,
        status=status,
        name="build",
        stage="test",
        target_url=f"{project.web_url}/pipelines/{pipeline_id}",
        description=description,
        created_at=now - timedelta(minutes=3),
        finished_at=finished,
        duration=180 if finished else None,
        iid=4,
        commit=_commit(project, Actor(name="forgehooks", email="forgehooks@example.com"), now),
    )


def _collaborator_body(kind: EventKind, project: ProjectSnapshot) -> CollaboratorBody:
    member = Actor(
        id=_number(project, 5),
        username="grace",
        name="Grace Hopper",
        email="grace@example.com",
    )
    if kind is EventKind.COLLABORATOR_UPDATE:
        return CollaboratorBody(member=member, role="maintainer", previous_role="developer")
    return CollaboratorBody(member=member, role="developer")


def sample_body(kind: EventKind, project: ProjectSnapshot, actor: Actor, now: datetime) -> Body:
    """A realistic body of `kind` for this project and user."""
    family = kind.family
    if family is EventFamily.REF:
        return _ref_body(kind, project, actor, now)
    if family is EventFamily.MERGE_REQUEST:
        state = MR_STATES.get(kind, "opened")
        merge_request = _merge_request(project, actor, now, state)
        return MergeRequestBody(merge_request=merge_request, changes=_changes(now, kind))
    if family is EventFamily.NOTE:
        return _note_body(kind, project, actor, now)
    if family is EventFamily.ISSUE:
        state = "closed" if kind is EventKind.ISSUE_CLOSE else "opened"
        return IssueBody(issue=_issue(project, actor, now, state), changes=_changes(now, kind))
    if family is EventFamily.PIPELINE:
        return _pipeline_body(kind, project, now)
    if family is EventFamily.COLLABORATOR:
        return _collaborator_body(kind, project)
    if family is EventFamily.SYSTEM:
        return SystemBody(message=f"webhook test of {project.path} by {actor.username or 'forgehooks'}")
    assert_never(family)


def sample_event(kind: EventKind, project: ProjectSnapshot, actor: Actor, now: datetime) -> Event:
    """A sample event of `kind` in `project` by `actor`, stamped `now`."""
    return Event(
        id=new_ordered_uuid(),
        kind=kind,
        project=project,
        actor=actor,
        occurred_at=now,
        body=sample_body(kind, project, actor, now),
    )
