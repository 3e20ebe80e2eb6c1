"""Commit statuses and quality reports of a project's commits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update

from forgehooks.core.clock import as_utc
from forgehooks.core.events import Actor
from forgehooks.core.statuses import CommitState, CommitStatus, QualityInput, QualityReport, StatusReport
from forgehooks.store.driver import Connection
from forgehooks.store.tables import commit_statuses, quality_reports, users


def _opt_time(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def _status(row: Any) -> CommitStatus:
    return CommitStatus(
        id=row.id,
        project_id=row.project_id,
        sha=row.sha,
        ref=row.ref,
        status=CommitState(row.status),
        name=row.name,
        target_url=row.target_url,
        description=row.description,
        stage=row.stage,
        trigger_user=row.trigger_user,
        build_id=row.build_id,
        merge_request_iid=row.merge_request_iid,
        author=Actor(
            id=row.author_id,
            username=row.author_username or "",
            name=row.author_name or "",
            email=row.author_email or "",
        ),
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        started_at=_opt_time(row.started_at),
        finished_at=_opt_time(row.finished_at),
    )


def _report(row: Any) -> QualityReport:
    data = row.quality_data
    return QualityReport(
        id=row.id,
        project_id=row.project_id,
        sha=row.sha,
        ref=row.ref,
        stage=row.stage,
        status=row.status,
        url=row.url,
        message=row.message,
        merge_request_id=row.merge_request_id,
        merge_request_iid=row.merge_request_iid,
        results=tuple(data) if isinstance(data, list) else (),
        version=row.version,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )


def _with_author() -> Select[Any]:
    return select(
        commit_statuses,
        users.c.username.label("author_username"),
        users.c.name.label("author_name"),
        users.c.email.label("author_email"),
    ).select_from(commit_statuses.outerjoin(users, users.c.id == commit_statuses.c.author_id))


def _times(state: CommitState, started: datetime | None, now: datetime) -> dict[str, datetime | None]:
    """GitLab's rule: a status starts when it runs and finishes when it reaches a final state."""
    if state is CommitState.PENDING:
        return {"started_at": None, "finished_at": None}
    if state is CommitState.RUNNING:
        return {"started_at": now, "finished_at": None}
    return {"started_at": started, "finished_at": now}


class CommitStatusRepository:
    """One row per (commit, ref, name): a new report of the same name updates it."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def get(self, status_id: int) -> CommitStatus | None:
        """A status by id, with its author."""
        row = (await self.conn.execute(_with_author().where(commit_statuses.c.id == status_id))).first()
        return _status(row) if row else None

    async def save(self, project_id: int, report: StatusReport, author_id: int, now: datetime) -> int:
        """Insert or update the status `report` names; returns its id."""
        same = select(commit_statuses.c.id, commit_statuses.c.started_at).where(
            commit_statuses.c.project_id == project_id,
            commit_statuses.c.sha == report.sha,
            commit_statuses.c.ref == report.ref,
            commit_statuses.c.name == report.name,
        )
        existing = (await self.conn.execute(same.order_by(commit_statuses.c.id.desc()).limit(1))).first()
        started = _opt_time(existing.started_at) if existing else None
        values: dict[str, Any] = {
            "status": report.state.value,
            "target_url": report.target_url,
            "description": report.description,
            "stage": report.stage,
            "trigger_user": report.trigger_user,
            "build_id": report.build_id,
            "merge_request_iid": report.merge_request_iid,
            "author_id": author_id,
            "updated_at": now,
        } | _times(report.state, started, now)
        if existing is not None:
            query = update(commit_statuses).where(commit_statuses.c.id == existing.id).values(**values)
            await self.conn.execute(query)
            return int(existing.id)
        insert = commit_statuses.insert().values(
            project_id=project_id, sha=report.sha, ref=report.ref, name=report.name, created_at=now, **values
        )
        return int((await self.conn.execute(insert.returning(commit_statuses.c.id))).scalar_one())

    async def list_for_commit(
        self, project_id: int, sha: str, filters: Mapping[str, str], *, offset: int, limit: int
    ) -> tuple[list[CommitStatus], int]:
        """A page of a commit's statuses (optionally by ref, stage or name), newest first, and the total."""
        conditions = [commit_statuses.c.project_id == project_id, commit_statuses.c.sha == sha]
        conditions += [commit_statuses.c[column] == value for column, value in filters.items()]
        page = _with_author().where(*conditions).order_by(commit_statuses.c.id.desc())
        rows = await self.conn.execute(page.offset(offset).limit(limit))
        count = select(func.count()).select_from(commit_statuses).where(*conditions)
        return [_status(r) for r in rows], int((await self.conn.execute(count)).scalar_one())


class QualityReportRepository:
    """One row per (commit, ref, stage); each new report of it raises its version."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def save(self, project_id: int, report: QualityInput, now: datetime) -> QualityReport:
        """Insert or update the quality report of the stage `report` names."""
        same = select(quality_reports.c.id, quality_reports.c.version).where(
            quality_reports.c.project_id == project_id,
            quality_reports.c.sha == report.sha,
            quality_reports.c.ref == report.ref,
            quality_reports.c.stage == report.stage,
        )
        existing = (await self.conn.execute(same.order_by(quality_reports.c.id.desc()).limit(1))).first()
        values: dict[str, Any] = {
            "status": report.status,
            "url": report.url,
            "message": report.message,
            "merge_request_id": report.merge_request_id,
            "merge_request_iid": report.merge_request_iid,
            "quality_data": [dict(r) for r in report.results],
            "updated_at": now,
        }
        if existing is not None:
            changed = (
                update(quality_reports)
                .where(quality_reports.c.id == existing.id)
                .values(version=existing.version + 1, **values)
                .returning(*quality_reports.c)
            )
            return _report((await self.conn.execute(changed)).one())
        created = quality_reports.insert().values(
            project_id=project_id,
            sha=report.sha,
            ref=report.ref,
            stage=report.stage,
            version=1,
            created_at=now,
            **values,
        )
        return _report((await self.conn.execute(created.returning(*quality_reports.c))).one())

    async def list_for_commit(self, project_id: int, sha: str) -> list[QualityReport]:
        """Every stage's report of a commit, newest first."""
        query = (
            select(quality_reports)
            .where(quality_reports.c.project_id == project_id, quality_reports.c.sha == sha)
            .order_by(quality_reports.c.id.desc())
        )
        return [_report(r) for r in await self.conn.execute(query)]
