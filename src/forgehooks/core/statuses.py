"""Commit statuses and quality reports that a CI posts back for a commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from forgehooks.core.events import Actor, EventKind


class CommitState(StrEnum):
    """The state of one named status (a CI job or pipeline) of a commit."""

    PENDING = "pending"  #: queued, not started
    RUNNING = "running"  #: started
    SUCCESS = "success"  #: finished and passed
    FAILED = "failed"  #: finished and failed
    CANCELED = "canceled"  #: stopped before finishing

    @property
    def is_final(self) -> bool:
        """Whether the status has finished."""
        return self in (CommitState.SUCCESS, CommitState.FAILED, CommitState.CANCELED)


#: The pipeline event each commit state publishes.
STATE_EVENT: Mapping[CommitState, EventKind] = {
    CommitState.PENDING: EventKind.PIPELINE_NEW,
    CommitState.RUNNING: EventKind.PIPELINE_RUNNING,
    CommitState.SUCCESS: EventKind.PIPELINE_SUCCESS,
    CommitState.FAILED: EventKind.PIPELINE_FAILED,
    CommitState.CANCELED: EventKind.PIPELINE_CANCELED,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusReport:
    """What a CI reports for one named status of a commit."""

    sha: str
    state: CommitState
    name: str = "default"
    ref: str = ""
    target_url: str = ""
    description: str = ""
    stage: str = ""
    trigger_user: str | None = None
    build_id: str = ""
    merge_request_iid: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitStatus:
    """A stored status: the latest report of one name on one commit and ref."""

    id: int
    project_id: int
    sha: str
    ref: str
    status: CommitState
    name: str
    target_url: str
    description: str
    stage: str
    trigger_user: str | None
    build_id: str
    merge_request_iid: int | None
    author: Actor
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def duration(self) -> int | None:
        """Whole seconds from start to finish, when both are known."""
        if self.started_at is None or self.finished_at is None:
            return None
        return max(0, int((self.finished_at - self.started_at).total_seconds()))


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityInput:
    """What a CI reports as the quality gate of one stage of a commit."""

    sha: str
    status: str = "success"
    stage: str = ""
    ref: str = ""
    url: str = ""
    message: str | None = None
    merge_request_id: int | None = None
    merge_request_iid: int | None = None
    results: Sequence[Mapping[str, Any]] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True, kw_only=True)
class QualityReport:
    """A stored quality report; `version` counts how often its stage was reported."""

    id: int
    project_id: int
    sha: str
    ref: str
    stage: str
    status: str
    url: str
    message: str | None
    merge_request_id: int | None
    merge_request_iid: int | None
    results: Sequence[Mapping[str, Any]]
    version: int
    created_at: datetime
    updated_at: datetime
