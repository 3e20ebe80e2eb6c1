"""Replay a hook's or a project's deliveries since a time, as new attempts with the same ids."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

from forgehooks.core.clock import utcnow
from forgehooks.core.projects import Project
from forgehooks.services.runtime import Runtime
from forgehooks.store.replay import replayable_ids, requeue_many

BATCH = 500


async def replay(
    rt: Runtime, project: Project, *, since: datetime, hook_id: int | None = None, failed_only: bool = False
) -> AsyncIterator[tuple[int, int]]:
    """Requeue in batches; yields (done, total) after each batch for progress displays.

    A `since` without a zone is UTC (the CLI's and the console form's inputs have none).
    """
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    async with rt.db.reading(scan=True) as conn:
        ids = await replayable_ids(
            conn, project_id=project.id, hook_id=hook_id, since=since, failed_only=failed_only
        )
    done = 0
    yield 0, len(ids)
    for start in range(0, len(ids), BATCH):
        async with rt.db.transaction() as conn:
            done += await requeue_many(conn, ids[start : start + BATCH], utcnow())
        rt.wake_workers()
        yield done, len(ids)


async def replay_all(
    rt: Runtime, project: Project, *, since: datetime, hook_id: int | None = None, failed_only: bool = False
) -> int:
    """Replay and return how many deliveries were queued again."""
    progress = [0]
    async for done, _total in replay(rt, project, since=since, hook_id=hook_id, failed_only=failed_only):
        progress.append(done)
    return progress[-1]
