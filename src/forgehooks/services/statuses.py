"""Commit statuses and quality reports; a status change publishes the matching pipeline event."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from forgehooks.core import limits
from forgehooks.core.clock import utcnow
from forgehooks.core.errors import InvalidInput, NotFound
from forgehooks.core.events import PipelineBody
from forgehooks.core.limits import check_lengths
from forgehooks.core.projects import Project, User
from forgehooks.core.statuses import (
    STATE_EVENT,
    CommitStatus,
    QualityInput,
    QualityReport,
    StatusReport,
)
from forgehooks.services import events
from forgehooks.services.runtime import Runtime
from forgehooks.store.statuses import CommitStatusRepository, QualityReportRepository

#: A commit id as CIs send it: abbreviated (7+) or full SHA-1/SHA-256, hex.
SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")
STATUS_FILTERS = frozenset({"ref", "stage", "name"})


def check_sha(sha: str) -> str:
    """The commit id, lower-cased; NotFound (as GitLab answers) when it cannot be one."""
    if not SHA.match(sha):
        raise NotFound("404 Commit Not Found")
    return sha.lower()


def pipeline_body(status: CommitStatus) -> PipelineBody:
    """The pipeline event body a commit status publishes."""
    return PipelineBody(
        id=status.id,
        sha=status.sha,
        ref=status.ref,
        status=status.status.value,
        name=status.name,
        stage=status.stage,
        target_url=status.target_url,
        description=status.description,
        created_at=status.created_at,
        finished_at=status.finished_at,
        duration=status.duration,
    )


async def set_commit_status(rt: Runtime, project: Project, user: User, report: StatusReport) -> CommitStatus:
    """Create or update the named status of a commit and publish its pipeline event."""
    if not report.name or len(report.name) > 255:
        raise InvalidInput("name", "is invalid")
    check_lengths(
        (
            ("ref", report.ref, limits.NAME),
            ("stage", report.stage, limits.NAME),
            ("trigger_user", report.trigger_user, limits.NAME),
            ("build_id", report.build_id, limits.NAME),
            ("description", report.description, limits.TEXT),
            ("target_url", report.target_url, limits.TEXT),
        )
    )
    sha = check_sha(report.sha)
    now = utcnow()
    async with rt.db.transaction() as conn:
        repo = CommitStatusRepository(conn)
        status_id = await repo.save(project.id, dataclasses.replace(report, sha=sha), user.id, now)
        status = await repo.get(status_id)
    assert status is not None  # written in the transaction above
    event = events.build_event(
        rt, project, STATE_EVENT[status.status], pipeline_body(status), events.actor_of(user), now
    )
    await events.publish(rt, event)
    return status


async def list_commit_statuses(
    rt: Runtime, project: Project, sha: str, filters: Mapping[str, str], *, offset: int, limit: int
) -> tuple[list[CommitStatus], int]:
    """A page of a commit's statuses, newest first, filtered by ref, stage or name."""
    unknown = set(filters) - STATUS_FILTERS
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "is not a status filter")
    async with rt.db.reading() as conn:
        return await CommitStatusRepository(conn).list_for_commit(
            project.id, check_sha(sha), filters, offset=offset, limit=limit
        )


async def save_quality_report(rt: Runtime, project: Project, report: QualityInput) -> QualityReport:
    """Store a stage's quality report of a commit (a repeat report raises its version)."""
    if not report.status or len(report.status) > 16:
        raise InvalidInput("status", "is invalid")
    check_lengths(
        (
            ("stage", report.stage, limits.NAME),
            ("ref", report.ref, limits.NAME),
            ("url", report.url, limits.TEXT),
            ("message", report.message, limits.TEXT),
        )
    )
    sha = check_sha(report.sha)
    async with rt.db.transaction() as conn:
        return await QualityReportRepository(conn).save(
            project.id, dataclasses.replace(report, sha=sha), utcnow()
        )


async def list_quality_reports(rt: Runtime, project: Project, sha: str) -> list[QualityReport]:
    """Every stage's quality report of a commit, newest first."""
    async with rt.db.reading() as conn:
        return await QualityReportRepository(conn).list_for_commit(project.id, check_sha(sha))
