"""End to end through the HTTP API, as a forge uses forgehooks: events POSTed, deliveries on nginx.

    .venv/bin/python bench/e2e.py [--events 3000] [--clients 16] [--only sqlite,postgres-1,...]

Each row starts `forgehooks serve` (and `forgehooks worker` processes on PostgreSQL) as
shipped, on a fresh database with one project and 10 hooks (two made through each face, so
every publish renders all five faces' bodies), all pointing at one nginx answering 204 that
logs each request's time. 16 clients POST push events to the native API
(`/projects/{p}/events`, or `/events:batch` with 100 events a request); the row reports
events accepted/s (last answer) and deliveries/s end to end (nginx's last logged request),
and its share of (b), the bare aiohttp send loop, measured right before and after the row.

The latency rows offer 100 and 500 events/s (open loop) to one hook and report the time from
sending the POST to the attempt's end as recorded in the delivery log.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import uvloop
from delivery import (
    FORGEHOOKS,
    bare_rate,
    free_port,
    nginx,
    pg_schema,
    stop_all,
    wait_port,
)
from sqlalchemy import select

from forgehooks.config import Settings
from forgehooks.core.codec import to_jsonable
from forgehooks.core.hooks import HookSpec
from forgehooks.services import accounts, hooks, projects
from forgehooks.services.runtime import Runtime
from forgehooks.store.migrate import upgrade
from forgehooks.store.tables import attempts, deliveries

FACES = ("gitcode_v4", "codeup_v3", "gitflic", "gitcode_v5", "codearts_v4")
PG = os.environ.get("FORGEHOOKS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BATCH = 100  # events per batch request


@dataclass(frozen=True, slots=True)
class Row:
    """One setup: the database, worker processes beside `serve`, API processes, batch or single."""

    name: str
    backend: str
    workers: int
    batch: bool = False
    processes: int = 1


ROWS = (
    Row("SQLite, serve with embedded worker", "sqlite", 0),
    Row("SQLite, serve, batch publish", "sqlite", 0, batch=True),
    Row("SQLite, serve --workers 0 + 1 worker process", "sqlite", 1),
    Row("PostgreSQL, serve + 1 worker", "postgres", 1),
    Row("PostgreSQL, serve + 2 workers", "postgres", 2),
    Row("PostgreSQL, serve --processes 2 + 1 worker", "postgres", 1, processes=2),
    Row("PostgreSQL, serve + 1 worker, batch publish", "postgres", 1, batch=True),
)


@contextlib.contextmanager
def logging_nginx() -> Iterator[tuple[str, Path]]:
    """nginx answering 204 and logging each request's time."""
    with tempfile.TemporaryDirectory(prefix="fh-e2e-log-") as folder:
        log = Path(folder) / "access.log"
        with nginx(log) as url:
            yield url, log


def logged(log: Path) -> tuple[int, float]:
    """Requests nginx logged and the time of the last one."""
    lines = log.read_text().split() if log.exists() else []
    return len(lines), float(lines[-1]) if lines else 0.0


def push(n: int) -> dict[str, Any]:
    """A push of three commits (about 2 KB rendered)."""
    commits = [
        {
            "id": f"{n:032x}{i:08x}",
            "message": f"commit {i} of push {n}\n\nwith a body",
            "timestamp": "2026-12-06T10:00:00+00:00",
            "url": f"https://forge.example/bench/widgets/commit/{n:032x}{i:08x}",
            "author_name": "Bench",
            "author_email": "bench@example.com",
            "added": ["src/new.py"],
            "modified": ["src/widgets/core.py", "README.md"],
            "removed": [],
        }
        for i in range(3)
    ]
    return {
        "kind": "push",
        "body": {
            "ref": "refs/heads/main",
            "after": f"{n:040x}",
            "commits": commits,
            "total_commits_count": 3,
        },
    }


@dataclass
class Service:
    """A running `forgehooks serve` (plus worker processes) and what the clients need."""

    base: str
    token: str
    project: str
    settings: Settings
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)


def environment(settings: Settings) -> dict[str, str]:
    """The service's settings as the environment its processes read."""
    return {k: v for k, v in os.environ.items() if not k.startswith("FORGEHOOKS_")} | {
        "FORGEHOOKS_DATABASE_URL": settings.resolved_database_url,
        "FORGEHOOKS_DATABASE_SCHEMA": settings.database_schema,
        "FORGEHOOKS_DATA_DIR": str(settings.data_dir),
        "FORGEHOOKS_ALLOW_LOCAL_TARGETS": "true",
        "FORGEHOOKS_API_RATE_LIMIT": "0",
        "FORGEHOOKS_LOG_LEVEL": "warning",
    }


async def seed(settings: Settings, urls: list[str]) -> tuple[str, str]:
    """A user's token and a project with one hook per url (faces in turn)."""
    rt = Runtime.build(settings)
    try:
        user = await accounts.create_user(rt, "bench", is_admin=True)
        token = (await accounts.issue_token(rt, user)).value
        project = await projects.create_project(rt, user, "bench/widgets")
        for n, url in enumerate(urls):
            spec = HookSpec(url=url, secret="s", name=f"hook {n}", standard_webhooks=False)
            await hooks.create_hook(rt, project, spec, FACES[n % len(FACES)])
        return token, str(project.id)
    finally:
        await rt.close()


def start(commands: list[list[str]], env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    """The processes of `commands` (their errors shown with E2E_DEBUG=1)."""
    errors = None if os.environ.get("E2E_DEBUG") else subprocess.DEVNULL
    return [subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL, stderr=errors) for c in commands]


@contextlib.asynccontextmanager
async def service(row: Row, urls: list[str]) -> AsyncIterator[Service]:
    """A fresh database seeded with `urls`' hooks, and the row's processes serving it."""
    with tempfile.TemporaryDirectory(prefix="fh-e2e-") as tmp:
        async with contextlib.AsyncExitStack() as stack:
            schema = await stack.enter_async_context(pg_schema()) if row.backend == "postgres" else ""
            url = f"sqlite+aiosqlite:///{tmp}/e2e.db"
            if row.backend == "postgres":
                url = PG.replace("postgresql://", "postgresql+asyncpg://", 1)
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                data_dir=Path(tmp),
                database_url=url,
                database_schema=schema,
                allow_local_targets=True,
                secret_key="",
            )
            await asyncio.to_thread(upgrade, settings.resolved_database_url, "head", schema or None)
            token, project = await seed(settings, urls)
            port = free_port()
            env = environment(settings)
            command = [str(FORGEHOOKS), "serve", "--host", "127.0.0.1", "--port", str(port)]
            if row.backend == "postgres" or row.workers:
                command += ["--workers", "0"]
            if row.processes > 1:
                command += ["--processes", str(row.processes)]
            found = Service(f"http://127.0.0.1:{port}", token, project, settings)
            found.processes += start([command] + [[str(FORGEHOOKS), "worker"]] * row.workers, env)
            try:
                if not await asyncio.to_thread(wait_port, port, 60):
                    raise RuntimeError("forgehooks serve did not start within 60 s")
                yield found
            finally:
                await asyncio.to_thread(stop_all, found.processes, 20)


async def post_all(svc: Service, count: int, clients: int, batch: bool) -> float:
    """POST `count` events with `clients` concurrent clients; events accepted/s."""
    headers = {"Authorization": f"Bearer {svc.token}"}
    path = f"{svc.base}/api/forgehooks/v1/projects/{svc.project}/events"
    per_request = BATCH if batch else 1
    requests = iter(range(0, count, per_request))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as session:

        async def client() -> None:
            for first in requests:
                if batch:
                    body: Any = {"events": [push(n) for n in range(first, min(count, first + BATCH))]}
                    url = path + ":batch"
                else:
                    body, url = push(first), path
                async with session.post(url, json=body, headers=headers) as answer:
                    if answer.status != 201:
                        raise RuntimeError(f"{url} answered {answer.status}: {await answer.text()}")
                    await answer.read()

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return count / (time.perf_counter() - started)


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process and its children (`--processes`) have used: their
    cost, whatever else the machine runs."""
    used, parents = 0, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # ended meanwhile
            continue
        parents[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    for found, (parent, ticks) in parents.items():
        if found == pid or parent == pid:
            used += ticks
    return used / os.sysconf("SC_CLK_TCK")


def profiler(pid: int, path: str) -> subprocess.Popen[bytes]:
    """py-spy sampling `pid` for 8 s into `path` (collapsed stacks)."""
    command = ["py-spy", "record", "--pid", str(pid), "--duration", "8", "--format", "raw", "-r", "250"]
    return subprocess.Popen([*command, "-o", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def end_to_end(row: Row, url: str, log: Path, count: int, clients: int) -> dict[str, float]:
    """One row: accepted events/s and delivered/s (10 hooks, nginx's log as the clock)."""
    async with service(row, [url] * 10) as svc:
        before, _ = logged(log)
        serve = svc.processes[0].pid
        cpu = cpu_seconds(serve)
        profile = os.environ.get("E2E_PROFILE")  # a file for py-spy's collapsed stacks of serve
        spy = profiler(serve, profile) if profile else None
        started = time.time()
        accepted = await post_all(svc, count, clients, row.batch)
        cpu = cpu_seconds(serve) - cpu
        if spy is not None:
            await asyncio.to_thread(spy.wait, 60)
        deadline = time.monotonic() + 300
        expected = before + count * 10
        while logged(log)[0] < expected and time.monotonic() < deadline:  # noqa: ASYNC110  (a file, not an event)
            await asyncio.sleep(0.2)
        seen, last = logged(log)
    return {
        "api_cpu_ms": cpu * 1000 / count,
        "accepted": accepted,
        "delivered": (seen - before) / max(1e-6, last - started),
        "complete": float(seen >= expected),
    }


#: The latency setups: name, database, worker processes beside `serve` (0: its embedded one).
LATENCY_SETUPS = (
    ("sqlite", "sqlite", 0),
    ("sqlite + worker process", "sqlite", 1),
    ("postgres", "postgres", 1),
)


async def latency(backend: str, workers: int, url: str, rate: float, seconds: float) -> dict[str, float]:
    """POST-to-delivered latency (ms) at `rate` events/s offered to one hook."""
    row = Row("latency", backend, workers)
    async with service(row, [url]) as svc:
        headers = {"Authorization": f"Bearer {svc.token}"}
        path = f"{svc.base}/api/forgehooks/v1/projects/{svc.project}/events"
        sent: dict[str, datetime] = {}
        async with aiohttp.ClientSession() as session:

            async def one(n: int) -> None:
                at = datetime.now(UTC)
                async with session.post(path, json=push(n), headers=headers) as answer:
                    sent[(await answer.json())["event_id"]] = at

            await one(0)  # warm: the first request opens connections and compiles statements
            tasks = []
            started = time.perf_counter()
            for n in range(1, 1 + int(rate * seconds)):
                await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
                tasks.append(asyncio.create_task(one(n)))
            await asyncio.gather(*tasks)
        await asyncio.sleep(2)
        rt = Runtime.build(svc.settings)
        try:
            async with rt.db.reading() as conn:
                rows = await conn.execute(
                    select(deliveries.c.event_id, attempts.c.started_at, attempts.c.duration_ms).join(
                        deliveries, deliveries.c.id == attempts.c.delivery_id
                    )
                )
                waits = sorted(
                    ((_aware(s) - sent[e]).total_seconds() * 1000 + d) for e, s, d in rows if e in sent
                )
        finally:
            await rt.close()
    return {
        "offered": rate,
        "p50": statistics.median(waits),
        "p99": waits[min(len(waits) - 1, round(0.99 * (len(waits) - 1)))],
        "samples": len(waits),
    }


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every selected row bracketed by (b); then the latency rows."""
    only = set(args.only.split(";")) if args.only else None
    return await measure(
        args.events, args.clients, args.bare, args.latency_seconds, only, not args.no_latency
    )


async def measure(
    events: int, clients: int, bare: int, latency_seconds: float, only: set[str] | None, with_latency: bool
) -> dict[str, Any]:
    """The rows (all, or those named in `only`), then the latency rows if asked."""
    results: dict[str, Any] = {"rows": {}, "latency": {}}
    with logging_nginx() as (url, log):
        for row in ROWS:
            if only and row.name not in only:
                continue
            before = await bare_rate(url, bare)
            got = await end_to_end(row, url, log, events, clients)
            after = await bare_rate(url, bare)
            got["bare"] = (before + after) / 2
            got["share"] = got["delivered"] / got["bare"]
            results["rows"][row.name] = got
            print(
                f"{row.name}: {got['accepted']:,.0f} events/s accepted"
                f" ({got['api_cpu_ms']:.2f} ms of serve's CPU each), {got['delivered']:,.0f} deliveries/s"
                f" end to end = {got['share']:.2f} of (b) ({before:,.0f}/s before, {after:,.0f}/s after)"
                + ("" if got["complete"] else "  [INCOMPLETE]"),
                flush=True,
            )
        if with_latency:
            for setup, backend, workers in LATENCY_SETUPS:
                for rate in (100.0, 500.0):
                    got = await latency(backend, workers, url, rate, latency_seconds)
                    results["latency"][f"{setup} {rate:.0f}"] = got
                    print(
                        f"latency {setup} at {rate:.0f} events/s through the API: p50 {got['p50']:.1f} ms,"
                        f" p99 {got['p99']:.1f} ms over {got['samples']} deliveries",
                        flush=True,
                    )
    return results


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--bare", type=int, default=20000, help="requests of each (b) bracket")
    parser.add_argument("--latency-seconds", type=float, default=5)
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--only", default="", help="row names, separated by ;")
    args = parser.parse_args()
    print(to_jsonable(uvloop.run(run(args))), file=sys.stderr)


if __name__ == "__main__":
    main()
