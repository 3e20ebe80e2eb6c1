"""Delivery benchmark: the loopback limit (wrk), the Python ceiling (bare aiohttp), forgehooks end to end.

    .venv/bin/python bench/delivery.py [--events 1000] [--hooks 10] [--seconds 5] [--no-docs]

Everything runs on 127.0.0.1 against nginx answering 204. forgehooks is measured durable:
events are published first, then workers deliver them and every attempt is recorded; the
rate is deliveries over the time from the first attempt to the last record. Results are
printed and written into the delivery section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import uvloop
from sqlalchemy import func, select

from forgehooks.api.app import build_runtime
from forgehooks.config import Settings
from forgehooks.core.events import Commit, EventKind, RefBody
from forgehooks.core.hooks import HookSpec
from forgehooks.services import accounts, events, hooks, projects
from forgehooks.services.runtime import Runtime
from forgehooks.store.migrate import upgrade
from forgehooks.store.tables import attempts, deliveries
from forgehooks.store.tables import events as events_table

ROOT = Path(__file__).resolve().parent.parent
RECEIVERS = ROOT / "bench" / "receivers"
DOCS = ROOT / "docs" / "benchmarks.md"
PG_DSN = os.environ.get("FORGEHOOKS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
FORGEHOOKS = Path(sys.executable).parent / "forgehooks"
BODY = b'{"pad":"' + b"x" * (2048 - 10) + b'"}'
CONCURRENCY = 64  # connections to the one receiver host: the worker's default per-host cap
BEGIN, END = "<!-- delivery:begin -->", "<!-- delivery:end -->"


@dataclass
class Results:
    """Every figure of one run."""

    machine: str = ""
    wrk: float = 0.0
    bare: float = 0.0
    durable: dict[str, float] = field(default_factory=dict)
    latency: dict[str, tuple[float, float]] = field(default_factory=dict)
    memory_mb: float = 0.0
    notes: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_tools() -> None:
    """nginx and wrk from Debian, installed when missing."""
    if shutil.which("nginx") and shutil.which("wrk"):
        return
    subprocess.run(["apt-get", "install", "-y", "-q", "nginx", "wrk"], check=True, capture_output=True)


@contextlib.contextmanager
def nginx() -> Iterator[str]:
    """nginx answering 204 on a free port; yields its URL."""
    root = Path(tempfile.mkdtemp(prefix="fh-nginx-"))
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text((RECEIVERS / "nginx.conf").read_text().format(port=port, root=root))
    process = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(root)], stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
                break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        process.send_signal(signal.SIGQUIT)
        process.wait(10)
        shutil.rmtree(root, ignore_errors=True)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    return (
        f"{os.cpu_count()} vCPU ({cpu}), {mem // 1024} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, aiohttp {aiohttp.__version__}, shared with other jobs"
    )


def wrk_rate(url: str, seconds: int) -> float:
    """(a) the loopback limit: wrk POSTing the 2 KB body."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONCURRENCY}", f"-d{seconds}s", "-s", str(RECEIVERS / "post.lua"), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(match.group(1)) if match else 0.0


async def bare_rate(url: str, total: int) -> float:
    """(b) the Python ceiling: one aiohttp session, CONCURRENCY senders, no database."""
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:
        headers = {"Content-Type": "application/json"}

        async def sender(count: int) -> None:
            for _ in range(count):
                async with session.post(url, data=BODY, headers=headers) as response:
                    await response.read()

        await sender(50)  # warm the pool
        started = time.perf_counter()
        await asyncio.gather(*(sender(total // CONCURRENCY) for _ in range(CONCURRENCY)))
        return (total // CONCURRENCY * CONCURRENCY) / (time.perf_counter() - started)


def push_body(n: int) -> RefBody:
    """A push of three commits: about 2 KB rendered, like the other measurements' body."""
    commits = tuple(
        Commit(
            id=f"{n:032x}{i:08x}",
            message=f"Change {i} of push {n}\n\nWith a short description of what changed.",
            title=f"Change {i} of push {n}",
            timestamp=None,
            url=f"https://forge.example/acme/widgets/commit/{n:032x}{i:08x}",
            author_name="Alice Liddell",
            author_email="alice@example.com",
            added=("docs/new.md",),
            modified=("src/widgets/core.py", "README.md"),
            removed=(),
        )
        for i in range(3)
    )
    return RefBody(ref="refs/heads/main", after=f"{n:040x}", commits=commits, total_commits_count=3)


async def seeded(rt: Runtime, url: str, hook_count: int) -> tuple[object, object]:
    """A user, a project and `hook_count` push hooks to the receiver."""
    user = await accounts.create_user(rt, "bench")
    project = await projects.create_project(rt, user, "bench/widgets")
    for _ in range(hook_count):
        spec = HookSpec(url=url, events=frozenset({EventKind.PUSH}), secret="s", standard_webhooks=False)
        await hooks.create_hook(rt, project, spec, "forgehooks")
    return user, project


async def publish_many(rt: Runtime, user: object, project: object, count: int, parallel: int) -> None:
    actor = events.actor_of(user)  # type: ignore[arg-type]
    queue = iter(range(count))

    async def publisher() -> None:
        for n in queue:
            event = events.build_event(rt, project, EventKind.PUSH, push_body(n), actor)  # type: ignore[arg-type]
            await events.publish(rt, event)

    await asyncio.gather(*(publisher() for _ in range(parallel)))


async def settled(rt: Runtime, total: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    query = select(func.count()).where(deliveries.c.state == "succeeded")
    while time.monotonic() < deadline:
        async with rt.db.reading() as conn:
            if (await conn.execute(query)).scalar_one() >= total:
                return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"not all {total} deliveries succeeded in {timeout} s")


async def recorded_rate(rt: Runtime) -> float:
    """Deliveries per second from the first attempt's start to the last delivery's record."""
    async with rt.db.reading() as conn:
        first = (await conn.execute(select(func.min(attempts.c.started_at)))).scalar_one()
        last = (await conn.execute(select(func.max(deliveries.c.updated_at)))).scalar_one()
        count = (await conn.execute(select(func.count()).select_from(attempts))).scalar_one()
    return float(count) / max((last - first).total_seconds(), 1e-6)


def bench_settings(folder: Path, backend: str, schema: str = "") -> Settings:
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    if backend == "postgres":
        url = PG_DSN.replace("postgresql://", "postgresql+asyncpg://", 1)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=folder,
        database_url=url,
        database_schema=schema,
        allow_local_targets=True,
        secret_key="",
    )


@contextlib.asynccontextmanager
async def pg_schema() -> Any:
    name = "bench_" + uuid.uuid4().hex[:12]
    conn = await asyncpg.connect(PG_DSN)
    await conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield name
    finally:
        await conn.execute(f'DROP SCHEMA "{name}" CASCADE')
        await conn.close()


def worker_processes(settings: Settings, count: int, **extra: str) -> list[subprocess.Popen[bytes]]:
    env = (
        {k: v for k, v in os.environ.items() if not k.startswith("FORGEHOOKS_")}
        | {
            "FORGEHOOKS_DATABASE_URL": settings.resolved_database_url,
            "FORGEHOOKS_DATABASE_SCHEMA": settings.database_schema,
            "FORGEHOOKS_DATA_DIR": str(settings.data_dir),
            "FORGEHOOKS_ALLOW_LOCAL_TARGETS": "true",
        }
        | {f"FORGEHOOKS_{k.upper()}": v for k, v in extra.items()}
    )
    return [
        subprocess.Popen([str(FORGEHOOKS), "worker"], env=env, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


async def durable(url: str, backend: str, workers: int, event_count: int, hook_count: int) -> float:
    """(c) forgehooks end to end: publish, then deliver and record everything."""
    with tempfile.TemporaryDirectory(prefix="fh-bench-") as tmp:
        async with contextlib.AsyncExitStack() as stack:
            schema = await stack.enter_async_context(pg_schema()) if backend == "postgres" else ""
            settings = bench_settings(Path(tmp), backend, schema)
            await asyncio.to_thread(upgrade, settings.resolved_database_url, "head", schema or None)
            rt = build_runtime(settings)
            stack.push_async_callback(rt.close)
            user, project = await seeded(rt, url, hook_count)
            await publish_many(rt, user, project, event_count, 4 if backend == "postgres" else 1)
            total = event_count * hook_count
            if workers == 0:  # the embedded worker, in this process
                stop = asyncio.Event()
                task = asyncio.create_task(rt.new_worker().run(stop))
                await settled(rt, total, 300)
                stop.set()
                await task
            else:
                processes = worker_processes(settings, workers)
                try:
                    await settled(rt, total, 300)
                finally:
                    stop_all(processes)
            return await recorded_rate(rt)


async def latency(url: str, backend: str, rate: int, seconds: float) -> tuple[float, float]:
    """Publish-to-receiver latency (ms, p50 and p99) at a steady `rate` of events per second."""
    with tempfile.TemporaryDirectory(prefix="fh-bench-") as tmp:
        async with contextlib.AsyncExitStack() as stack:
            schema = await stack.enter_async_context(pg_schema()) if backend == "postgres" else ""
            settings = bench_settings(Path(tmp), backend, schema)
            await asyncio.to_thread(upgrade, settings.resolved_database_url, "head", schema or None)
            rt = build_runtime(settings)
            stack.push_async_callback(rt.close)
            user, project = await seeded(rt, url, 1)
            processes: list[subprocess.Popen[bytes]] = []
            stop = asyncio.Event()
            task = None
            if backend == "sqlite":
                task = asyncio.create_task(rt.new_worker().run(stop))
            else:
                processes = worker_processes(settings, 1)
                await asyncio.sleep(8)  # let the process start
            actor = events.actor_of(user)  # type: ignore[arg-type]
            count = int(rate * seconds)
            started = time.perf_counter()
            for n in range(count):
                await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
                event = events.build_event(rt, project, EventKind.PUSH, push_body(n), actor)  # type: ignore[arg-type]
                await events.publish(rt, event)
            await settled(rt, count, 60)
            stop.set()
            if task is not None:
                await task
            stop_all(processes)
            async with rt.db.reading() as conn:
                rows = await conn.execute(
                    select(events_table.c.occurred_at, attempts.c.started_at, attempts.c.duration_ms)
                    .join(deliveries, deliveries.c.id == attempts.c.delivery_id)
                    .join(events_table, events_table.c.id == deliveries.c.event_id)
                )
                waits = sorted((s - o).total_seconds() * 1000 + d for o, s, d in rows)
    return statistics.median(waits), waits[int(len(waits) * 0.99) - 1]


class Silent(asyncio.Protocol):
    """Accepts a request and never answers: every delivery stays in flight."""

    connections = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        Silent.connections += 1


async def worker_memory(in_flight: int) -> float:
    """Peak RSS (MB) of a worker process holding `in_flight` sends open at once (PostgreSQL)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Silent, "127.0.0.1", 0, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    hook_count = 10
    try:
        with tempfile.TemporaryDirectory(prefix="fh-bench-") as tmp:
            async with pg_schema() as schema:
                settings = bench_settings(Path(tmp), "postgres", schema)
                await asyncio.to_thread(upgrade, settings.resolved_database_url, "head", schema)
                rt = build_runtime(settings)
                try:
                    user, project = await seeded(rt, f"http://127.0.0.1:{port}/hook", hook_count)
                    await publish_many(rt, user, project, in_flight // hook_count, 4)
                finally:
                    await rt.close()
                [process] = worker_processes(
                    settings,
                    1,
                    worker_concurrency=str(in_flight),
                    per_host_limit=str(in_flight),
                    claim_batch="1000",
                    send_timeout="120",
                )
                try:
                    deadline = time.monotonic() + 120
                    while Silent.connections < in_flight and time.monotonic() < deadline:
                        await asyncio.sleep(0.2)
                    await asyncio.sleep(1)
                    status = Path(f"/proc/{process.pid}/status").read_text()
                    peak_kb = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
                    if Silent.connections < in_flight:
                        print(f"  only {Silent.connections} connections reached the receiver")
                finally:
                    process.kill()
                    process.wait(10)
    finally:
        server.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return peak_kb / 1024


def table(r: Results) -> str:
    def row(name: str, rate: float) -> str:
        return f"| {name} | {rate:,.0f} | {rate / r.wrk:.0%} | {rate / r.bare:.0%} |"

    lines = [
        "| measurement | deliveries/s | of (a) wrk | of (b) bare aiohttp |",
        "|---|---:|---:|---:|",
        row("(a) wrk, 2 KB POST, loopback limit", r.wrk),
        row("(b) bare asyncio + aiohttp loop, no database", r.bare),
    ]
    lines += [row(f"(c) forgehooks durable, {name}", rate) for name, rate in r.durable.items()]
    lines += ["", "| latency, publish to receiver | p50 ms | p99 ms |", "|---|---:|---:|"]
    lines += [f"| {name} | {p50:.1f} | {p99:.1f} |" for name, (p50, p99) in r.latency.items()]
    lines += [
        "",
        f"Worker memory with 10,000 deliveries in flight (PostgreSQL): **{r.memory_mb:.0f} MB** peak RSS.",
    ]
    return "\n".join(lines)


def write_docs(r: Results, args: argparse.Namespace) -> None:
    section = f"""{BEGIN}
## Delivery engine (`bench/delivery.py`)

Machine: {r.machine}.

Method: nginx (Debian) on 127.0.0.1 answers 204 to every POST. (a) wrk, 2 threads and
{CONCURRENCY} connections, POSTs the same 2 KB body for {args.seconds} s. (b) one aiohttp session
under uvloop, {CONCURRENCY} concurrent senders, no database. (c) forgehooks end to end and durable:
{args.events} push events (about 2 KB rendered each) are published to {args.hooks} hooks
({args.events * args.hooks} deliveries); then the worker(s) start, and the rate is the number of
recorded attempts over the time from the first attempt to the last delivery recorded succeeded.
SQLite runs the embedded worker in the benchmark's process; PostgreSQL runs separate
`forgehooks worker` processes. Latency: events published one at a time at a steady
{args.rate} events/s to one hook for {args.seconds} s; latency is event time to the end of its
attempt (the receiver's answer). Memory: one worker process on PostgreSQL, concurrency and
per-host cap raised to 10,000, against a receiver that never answers; peak RSS (VmHWM) once
10,000 connections are open.

{table(r)}

Targets (issue 3): SQLite at least 50% of (b), PostgreSQL with one worker at least 40% of (b);
latency p50 under 10 ms and p99 under 50 ms at 200 events/s; a worker under 200 MB with 10,000
deliveries in flight.
{chr(10).join("- " + n for n in r.notes)}
{END}"""
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n\nFigures measured by `make bench`.\n"
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOCS.write_text(text)


async def run(args: argparse.Namespace) -> Results:
    r = Results(machine=machine())
    with nginx() as url:
        r.wrk = wrk_rate(url, args.seconds)
        print(f"(a) wrk: {r.wrk:,.0f}/s")
        r.bare = await bare_rate(url, args.bare)
        print(f"(b) bare aiohttp: {r.bare:,.0f}/s")
        variants = [("SQLite, embedded worker", "sqlite", 0)]
        variants += [
            ("PostgreSQL, 1 worker process", "postgres", 1),
            ("PostgreSQL, 2 worker processes", "postgres", 2),
        ]
        for name, backend, workers in variants:
            rate = await durable(url, backend, workers, args.events, args.hooks)
            r.durable[name] = rate
            print(f"(c) {name}: {rate:,.0f}/s = {rate / r.bare:.0%} of (b), {rate / r.wrk:.0%} of (a)")
        for name, backend in (
            ("SQLite, embedded worker", "sqlite"),
            ("PostgreSQL, 1 worker process", "postgres"),
        ):
            r.latency[f"{name}, {args.rate} events/s"] = await latency(url, backend, args.rate, args.seconds)
            p50, p99 = r.latency[f"{name}, {args.rate} events/s"]
            print(f"latency {name}: p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    if args.memory:
        r.memory_mb = await worker_memory(10_000)
        print(f"worker memory with 10,000 in flight: {r.memory_mb:.0f} MB")
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--hooks", type=int, default=10)
    parser.add_argument("--bare", type=int, default=20_000, help="requests of the bare loop")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rate", type=int, default=200, help="events/s of the latency run")
    parser.add_argument("--no-memory", dest="memory", action="store_false")
    parser.add_argument("--no-docs", dest="docs", action="store_false")
    args = parser.parse_args()
    ensure_tools()
    results = uvloop.run(run(args))
    if args.docs:
        write_docs(results, args)
        print(f"wrote {DOCS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
