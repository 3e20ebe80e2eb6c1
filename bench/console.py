"""Console page latency with 10,000 deliveries in one project: seed through the store, time each page.

    .venv/bin/python bench/console.py [--backend sqlite|postgres|both] [--deliveries 10000] [--repeat 60]

Pages are served in-process (httpx over ASGI, the whole app stack, no network); each is
warmed up, then requested `--repeat` times (at most `--seconds` per page). Prints p50/p99
per page as a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx

from forgehooks.api.app import build_runtime, create_app
from forgehooks.config import Settings
from forgehooks.core.clock import utcnow
from forgehooks.core.deliveries import DeliveryState, Verdict
from forgehooks.core.events import EventKind, RefBody
from forgehooks.core.hooks import HookSpec
from forgehooks.services import accounts, events, hooks, projects
from forgehooks.services.runtime import Runtime
from forgehooks.store.events import EventRepository
from forgehooks.store.migrate import upgrade
from forgehooks.store.queue import AttemptRecord, record_attempts

PG_DSN = os.environ.get("FORGEHOOKS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
DIALECTS = ("forgehooks", "gitcode_v4", "codeup_v3", "gitflic", "codearts_v4")
BATCH = 1000


@dataclass(frozen=True, slots=True)
class Seeded:
    """What the pages are asked about."""

    token: str
    project_id: int
    hook_id: int
    delivery_id: str


async def seed(rt: Runtime, count: int) -> Seeded:
    """A project with five hooks and `count` deliveries (one attempt each) over the last hour."""
    user = await accounts.create_user(rt, "bench")
    token = (await accounts.issue_token(rt, user)).value
    project = await projects.create_project(rt, user, "bench/console")
    made = [
        await hooks.create_hook(rt, project, HookSpec(url=f"http://127.0.0.1:9/{d}?token=x", name=d), d)
        for d in DIALECTS
    ]
    actor = events.actor_of(user)
    now = utcnow()
    rng = random.Random(7)
    last_id = ""
    for start in range(0, count // len(made), BATCH // len(made)):
        async with rt.db.transaction() as conn:
            repo = EventRepository(conn)
            rows, records = [], []
            for n in range(start, min(start + BATCH // len(made), count // len(made))):
                at = now - timedelta(seconds=3600 * (1 - n / (count // len(made))))
                body = RefBody(ref="refs/heads/main", before="1" * 40, after=f"{n:040x}")
                event = events.build_event(rt, project, EventKind.PUSH, body, actor, at)
                await repo.insert([event])
                bodies = await repo.insert_bodies([(event.id, "bench", b'{"ref":"refs/heads/main"}')])
                body_id = bodies[(event.id, "bench")]
                for hook in made:
                    last_id = str(uuid.uuid4())
                    rows.append(
                        _delivery_row(last_id, hook.id, hook.dialect, event.id, body_id, project.id, at)
                    )
                    records.append(_attempt(last_id, at, ok=rng.random() < 0.9))
            await repo.insert_deliveries(rows)
            await record_attempts(conn, records, now)
    return Seeded(token=token, project_id=project.id, hook_id=made[0].id, delivery_id=last_id)


def _delivery_row(
    delivery_id: str, hook_id: int, dialect: str, event_id: str, body_id: int, project_id: int, at: object
) -> dict[str, object]:
    return {
        "id": delivery_id,
        "hook_id": hook_id,
        "event_id": event_id,
        "body_id": body_id,
        "project_id": project_id,
        "event_kind": EventKind.PUSH.value,
        "dialect": dialect,
        "state": DeliveryState.QUEUED.value,
        "next_attempt_at": at,
        "lease_token": "bench",
        "attempt_count": 0,
        "created_at": at,
        "updated_at": at,
        "last_error": "",
        "last_status_code": None,
    }


def _attempt(delivery_id: str, at: object, *, ok: bool) -> AttemptRecord:
    assert hasattr(at, "isoformat")
    return AttemptRecord(
        delivery_id=delivery_id,
        lease_token="bench",
        number=1,
        started_at=at,  # type: ignore[arg-type]
        duration_ms=12.5,
        request_url="http://127.0.0.1:9/hook",
        request_headers={"Content-Type": "application/json", "X-Forgehooks-Delivery": delivery_id},
        response_status=200 if ok else 500,
        response_headers={"Content-Type": "text/plain"},
        response_body="ok" if ok else "boom",
        error="",
        verdict=(Verdict.SUCCESS if ok else Verdict.FINAL).value,
        reason="ok" if ok else "http_4xx",
        state=DeliveryState.SUCCEEDED if ok else DeliveryState.FAILED,
        next_attempt_at=at,  # type: ignore[arg-type]
    )


def pages(s: Seeded, count: int) -> dict[str, str]:
    """Every console page, including deep pages and filters."""
    project = f"/-/projects/{s.project_id}"
    hook = f"{project}/hooks/{s.hook_id}"
    last_page = max(1, -(-(count // len(DIALECTS)) // 20))
    return {
        "projects": "/-/projects",
        "project hooks + charts": project,
        "event stream": f"{project}/events",
        "event stream, page 50": f"{project}/events?page=50",
        "hook deliveries": hook,
        "hook deliveries, filtered": f"{hook}?state=failed&kind=push",
        f"hook deliveries, last page ({last_page})": f"{hook}?page={last_page}",
        "one delivery": f"{project}/deliveries/{s.delivery_id}",
    }


async def time_pages(
    rt: Runtime, s: Seeded, count: int, repeat: int, budget: float
) -> list[tuple[str, float, float, int]]:
    """(page, p50 ms, p99 ms, samples) for every page."""
    app = create_app(runtime=rt, workers=0)
    results = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        client.cookies.set("forgehooks_session", s.token)
        for name, path in pages(s, count).items():
            for _ in range(3):
                response = await client.get(path)
                assert response.status_code == 200, (path, response.status_code)
            samples: list[float] = []
            deadline = time.perf_counter() + budget
            while len(samples) < repeat and time.perf_counter() < deadline:
                started = time.perf_counter()
                await client.get(path)
                samples.append((time.perf_counter() - started) * 1000)
            samples.sort()
            p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
            results.append((name, statistics.median(samples), p99, len(samples)))
    return results


async def run(
    backend: str, count: int, repeat: int, budget: float
) -> list[tuple[str, float, float, int]] | None:
    """Seed a fresh database of `backend` and time the pages; None if PostgreSQL is unreachable."""
    folder = Path(tempfile.mkdtemp(prefix="fh-console-bench-"))
    schema = ""
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    if backend == "postgres":
        try:
            conn = await asyncpg.connect(PG_DSN, timeout=5)
        except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
            print(f"postgres skipped: {exc}", file=sys.stderr)
            return None
        schema = "bench_" + uuid.uuid4().hex[:12]
        await conn.execute(f'CREATE SCHEMA "{schema}"')
        await conn.close()
        url = PG_DSN.replace("postgresql://", "postgresql+asyncpg://", 1)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=folder,
        database_url=url,
        database_schema=schema,
        allow_local_targets=True,
    )
    await asyncio.to_thread(upgrade, url, "head", schema or None)
    rt = build_runtime(settings)
    try:
        started = time.perf_counter()
        seeded = await seed(rt, count)
        if schema:  # what autovacuum would soon do after a bulk load: fresh planner statistics
            async with rt.db.transaction() as conn:
                await conn.exec_driver_sql("ANALYZE")
        print(
            f"{backend}: seeded {count} deliveries in {time.perf_counter() - started:.1f} s", file=sys.stderr
        )
        return await time_pages(rt, seeded, count, repeat, budget)
    finally:
        await rt.close()
        if schema:
            conn = await asyncpg.connect(PG_DSN)
            await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            await conn.close()


def main() -> None:
    """Parse arguments, run each backend, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=20.0, help="time budget per page")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    print("| backend | page | p50 ms | p99 ms | samples |\n|---|---|---:|---:|---:|")
    worst = 0.0
    for backend in backends:
        results = asyncio.run(run(backend, args.deliveries, args.repeat, args.seconds))
        for name, p50, p99, n in results or []:
            worst = max(worst, p99)
            print(f"| {backend} | {name} | {p50:.1f} | {p99:.1f} | {n} |")
    print(f"\nslowest p99: {worst:.1f} ms ({'under' if worst < 100 else 'OVER'} the 100 ms target)")


if __name__ == "__main__":
    main()
