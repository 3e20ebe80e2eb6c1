"""Canonical events: the kinds hooks subscribe to and one body type per family of kinds.

Event sources publish one canonical `Event`; every face renders it into its own wire
format. The body types carry everything the five faces' payloads need.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

ZERO_SHA = "0" * 40


class EventFamily(StrEnum):
    """Groups of kinds sharing one body type."""

    REF = "ref"  #: a ref moved: push, branch/tag create/delete, tag push
    MERGE_REQUEST = "merge_request"  #: a merge request changed state
    NOTE = "note"  #: a comment on a commit, merge request or issue
    ISSUE = "issue"  #: an issue changed state
    PIPELINE = "pipeline"  #: a pipeline (commit status) changed state
    COLLABORATOR = "collaborator"  #: project membership changed
    SYSTEM = "system"  #: events about the webhook system itself


class EventKind(StrEnum):
    """Every event a hook can subscribe to."""

    PUSH = "push"  #: commits pushed to an existing branch
    BRANCH_CREATE = "branch_create"  #: a branch was created by a push
    BRANCH_DELETE = "branch_delete"  #: a branch was deleted by a push
    TAG_PUSH = "tag_push"  #: an existing tag was moved
    TAG_CREATE = "tag_create"  #: a tag was created
    TAG_DELETE = "tag_delete"  #: a tag was deleted
    MERGE_REQUEST_OPEN = "merge_request_open"  #: a merge request was opened
    MERGE_REQUEST_UPDATE = "merge_request_update"  #: its title, description or commits changed
    MERGE_REQUEST_CLOSE = "merge_request_close"  #: it was closed without merging
    MERGE_REQUEST_REOPEN = "merge_request_reopen"  #: a closed one was reopened
    MERGE_REQUEST_MERGE = "merge_request_merge"  #: it was merged
    MERGE_REQUEST_APPROVE = "merge_request_approve"  #: a reviewer approved it
    MERGE_REQUEST_CANCEL = "merge_request_cancel"  #: its author withdrew it (GitFlic)
    NOTE_COMMIT = "note_commit"  #: a comment on a commit
    NOTE_MERGE_REQUEST = "note_merge_request"  #: a comment in a merge request discussion
    NOTE_ISSUE = "note_issue"  #: a comment on an issue
    DISCUSSION_CREATE = "discussion_create"  #: a new discussion thread in a merge request
    ISSUE_OPEN = "issue_open"  #: an issue was opened
    ISSUE_UPDATE = "issue_update"  #: an issue was edited
    ISSUE_CLOSE = "issue_close"  #: an issue was closed
    ISSUE_REOPEN = "issue_reopen"  #: an issue was reopened
    PIPELINE_NEW = "pipeline_new"  #: a pipeline was created (pending)
    PIPELINE_RUNNING = "pipeline_running"  #: a pipeline started
    PIPELINE_SUCCESS = "pipeline_success"  #: a pipeline succeeded
    PIPELINE_FAILED = "pipeline_failed"  #: a pipeline failed
    PIPELINE_CANCELED = "pipeline_canceled"  #: a pipeline was canceled
    COLLABORATOR_ADD = "collaborator_add"  #: a member was added
    COLLABORATOR_UPDATE = "collaborator_update"  #: a member's role changed
    COLLABORATOR_REMOVE = "collaborator_remove"  #: a member was removed
    WEBHOOK_SEND = "webhook_send"  #: a webhook of the project was sent (GitFlic)

    @property
    def family(self) -> EventFamily:
        """The family whose body type this kind carries."""
        return KIND_FAMILY[self]

    @property
    def is_tag(self) -> bool:
        """Tag events are never branch-filtered."""
        return self in (EventKind.TAG_PUSH, EventKind.TAG_CREATE, EventKind.TAG_DELETE)


def _family_of(kind: EventKind) -> EventFamily:
    name = kind.value
    if kind in (EventKind.DISCUSSION_CREATE,) or name.startswith("note_"):
        return EventFamily.NOTE
    for family in EventFamily:
        if name.startswith(family.value + "_"):
            return family
    if name.startswith(("branch_", "tag_")) or kind is EventKind.PUSH:
        return EventFamily.REF
    return EventFamily.SYSTEM


KIND_FAMILY: dict[EventKind, EventFamily] = {kind: _family_of(kind) for kind in EventKind}


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """The user who caused an event (or a commit author without an account)."""

    id: int = 0
    username: str = ""
    name: str = ""
    email: str = ""
    avatar_url: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectSnapshot:
    """A project's identities and addresses at the time of the event."""

    id: int
    hex_id: str
    uuid: str
    path: str  # owner/name
    name: str
    description: str = ""
    default_branch: str = "main"
    visibility: str = "private"
    web_url: str = ""
    git_http_url: str = ""
    git_ssh_url: str = ""

    @property
    def owner(self) -> str:
        """The namespace part of the path."""
        return self.path.rsplit("/", 1)[0]

    @property
    def slug(self) -> str:
        """The project's own name part of the path."""
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True, kw_only=True)
class Commit:
    """One commit as payloads list it."""

    id: str
    message: str = ""
    title: str = ""
    timestamp: datetime | None = None
    url: str = ""
    author_name: str = ""
    author_email: str = ""
    added: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RefBody:
    """A ref moved from `before` to `after` (push, branch and tag kinds)."""

    ref: str  # full ref: refs/heads/main, refs/tags/v1
    before: str = ZERO_SHA
    after: str = ZERO_SHA
    commits: tuple[Commit, ...] = ()
    total_commits_count: int = 0
    message: str = ""  # annotated tag message
    forced: bool = False
    #: the commit `after` resolves to (differs from `after` for an annotated tag); "" on delete
    checkout_sha: str = ""

    @property
    def short_ref(self) -> str:
        """The branch or tag name without its refs/... prefix."""
        for prefix in ("refs/heads/", "refs/tags/"):
            if self.ref.startswith(prefix):
                return self.ref[len(prefix) :]
        return self.ref


@dataclass(frozen=True, slots=True, kw_only=True)
class Label:
    """A label on a merge request or an issue (a bare string in input is its title)."""

    title: str
    id: int = 0
    color: str = "#428BCA"
    description: str = ""

    @classmethod
    def from_text(cls, title: str) -> Label:
        """A label given only by its title."""
        return cls(title=title)


#: A changed field's value: what GitLab-shaped `changes` carries as `previous`/`current`.
ChangeValue = str | int | bool | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldChange:
    """One field of a merge request or issue changed by an update."""

    field: str
    previous: ChangeValue = None
    current: ChangeValue = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MergeRequest:
    """A merge request as payloads describe it."""

    id: int
    iid: int
    title: str = ""
    description: str = ""
    state: str = "opened"  # opened | closed | merged | locked
    source_branch: str = ""
    target_branch: str = ""
    url: str = ""
    author: Actor = field(default_factory=Actor)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    merge_status: str = "can_be_merged"
    last_commit: Commit | None = None
    labels: tuple[Label, ...] = ()
    assignees: tuple[Actor, ...] = ()
    reviewers: tuple[Actor, ...] = ()
    milestone_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Issue:
    """An issue as payloads describe it."""

    id: int
    iid: int
    title: str = ""
    description: str = ""
    state: str = "opened"  # opened | closed
    url: str = ""
    author: Actor = field(default_factory=Actor)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    labels: tuple[Label, ...] = ()
    confidential: bool = False
    assignees: tuple[Actor, ...] = ()
    milestone_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MergeRequestBody:
    """Body of the merge request kinds."""

    merge_request: MergeRequest
    #: what an update changed (GitLab's `changes`); empty for other kinds
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteBody:
    """Body of the note kinds: the comment and the thing it is on."""

    id: int
    note: str
    noteable_type: str  # Commit | MergeRequest | Issue
    url: str = ""
    discussion_id: str = ""
    created_at: datetime | None = None
    commit: Commit | None = None
    merge_request: MergeRequest | None = None
    issue: Issue | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueBody:
    """Body of the issue kinds."""

    issue: Issue
    #: what an update changed (GitLab's `changes`); empty for other kinds
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PipelineBody:
    """Body of the pipeline kinds (from commit statuses or a CI)."""

    id: int
    sha: str
    ref: str = ""
    status: str = "pending"  # pending | running | success | failed | canceled
    name: str = ""
    stage: str = ""
    target_url: str = ""
    description: str = ""
    created_at: datetime | None = None
    finished_at: datetime | None = None
    duration: int | None = None
    iid: int | None = None  # the pipeline's number in its project; `id` stands in when absent
    commit: Commit | None = None  # the commit built (message, time, author); a bare `sha` otherwise


@dataclass(frozen=True, slots=True, kw_only=True)
class CollaboratorBody:
    """Body of the collaborator kinds."""

    member: Actor
    role: str = "developer"
    previous_role: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemBody:
    """Body of system kinds: a free text note about what happened."""

    message: str = ""


Body = RefBody | MergeRequestBody | NoteBody | IssueBody | PipelineBody | CollaboratorBody | SystemBody

BODY_TYPES: dict[EventFamily, type[Body]] = {
    EventFamily.REF: RefBody,
    EventFamily.MERGE_REQUEST: MergeRequestBody,
    EventFamily.NOTE: NoteBody,
    EventFamily.ISSUE: IssueBody,
    EventFamily.PIPELINE: PipelineBody,
    EventFamily.COLLABORATOR: CollaboratorBody,
    EventFamily.SYSTEM: SystemBody,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One canonical event of one project."""

    id: str
    kind: EventKind
    project: ProjectSnapshot
    actor: Actor
    occurred_at: datetime
    body: Body

    def __post_init__(self) -> None:
        expected = BODY_TYPES[self.kind.family]
        if not isinstance(self.body, expected):
            raise TypeError(f"{self.kind} needs a {expected.__name__}")

    @property
    def branch(self) -> str | None:
        """The branch the event is about, for branch filters (None when not branch-bound)."""
        body = self.body
        if isinstance(body, RefBody) and body.ref.startswith("refs/heads/"):
            return body.short_ref
        if isinstance(body, MergeRequestBody):
            return body.merge_request.target_branch or None
        if isinstance(body, PipelineBody) and body.ref:
            return body.ref.removeprefix("refs/heads/")
        return None


def _commit_dated(commit: Commit, moment: datetime) -> Commit:
    return commit if commit.timestamp else replace(commit, timestamp=moment)


def _merge_request_dated(mr: MergeRequest, moment: datetime) -> MergeRequest:
    last = mr.last_commit
    if mr.created_at and mr.updated_at and (last is None or last.timestamp):
        return mr
    return replace(
        mr,
        created_at=mr.created_at or moment,
        updated_at=mr.updated_at or moment,
        last_commit=_commit_dated(last, moment) if last else None,
    )


def _issue_dated(issue: Issue, moment: datetime) -> Issue:
    if issue.created_at and issue.updated_at:
        return issue
    return replace(issue, created_at=issue.created_at or moment, updated_at=issue.updated_at or moment)


def _body_dated(body: Body, moment: datetime) -> Body:
    """`body` itself when it lacks no time (the common case: no copy), else a dated copy."""
    match body:
        case RefBody():
            if all(c.timestamp for c in body.commits):
                return body
            return replace(body, commits=tuple(_commit_dated(c, moment) for c in body.commits))
        case MergeRequestBody():
            mr = _merge_request_dated(body.merge_request, moment)
            return body if mr is body.merge_request else replace(body, merge_request=mr)
        case IssueBody():
            issue = _issue_dated(body.issue, moment)
            return body if issue is body.issue else replace(body, issue=issue)
        case NoteBody():
            dated_note = replace(
                body,
                created_at=body.created_at or moment,
                commit=_commit_dated(body.commit, moment) if body.commit else None,
                merge_request=_merge_request_dated(body.merge_request, moment)
                if body.merge_request
                else None,
                issue=_issue_dated(body.issue, moment) if body.issue else None,
            )
            return body if dated_note == body else dated_note
        case PipelineBody():
            if body.created_at and (body.commit is None or body.commit.timestamp):
                return body
            commit = _commit_dated(body.commit, moment) if body.commit else None
            return replace(body, created_at=body.created_at or moment, commit=commit)
        case _:
            return body


def dated(event: Event) -> Event:
    """`event` with every missing creation, update and commit time set to when it happened.

    Events published without times (the native API lets a caller leave them out) would
    otherwise go out with `created_at: null`, which GitLab-shaped receivers reject.
    """
    body = _body_dated(event.body, event.occurred_at)
    return event if body is event.body else replace(event, body=body)
