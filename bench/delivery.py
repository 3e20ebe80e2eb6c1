"""Delivery benchmarks: the references (wrk, bare aiohttp) and forgehooks end to end.

    .venv/bin/python bench/delivery.py [--events 1000] [--hooks 10] [--seconds 5]

Everything runs on 127.0.0.1 against nginx answering 204. forgehooks is measured durable:
events are published first, then workers deliver them and every attempt is recorded; the
rate is deliveries over the time from the first attempt to the last record. This module
is also the toolbox of `bench/run_all.py` (`make bench`), which runs every scenario and
rewrites docs/benchmarks.md; run alone it prints the references and the durable rates.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
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
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import uvloop
from sqlalchemy import func, select, text

from forgehooks.api.app import build_runtime
from forgehooks.config import Settings
from forgehooks.core.clock import utcnow
from forgehooks.core.events import Commit, EventKind, RefBody
from forgehooks.core.hooks import Hook, HookSpec
from forgehooks.core.projects import Project, User
from forgehooks.engine.sender import Sender
from forgehooks.engine.worker import Worker
from forgehooks.services import accounts, events, hooks, projects
from forgehooks.services.runtime import Runtime
from forgehooks.store import queue
from forgehooks.store.migrate import upgrade
from forgehooks.store.tables import attempts, deliveries
from forgehooks.store.tables import events as events_table

ROOT = Path(__file__).resolve().parent.parent
RECEIVERS = ROOT / "bench" / "receivers"
PG_DSN = os.environ.get("FORGEHOOKS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
FORGEHOOKS = Path(sys.executable).parent / "forgehooks"
BODY = b'{"pad":"' + b"x" * (2048 - 10) + b'"}'
CONCURRENCY = 64  # connections to the one receiver host: the worker's default per-host cap


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, seconds: float) -> bool:
    """Whether something listens on 127.0.0.1:`port` within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
            return True
        time.sleep(0.05)
    return False


def ensure_tools() -> str:
    """nginx and wrk from Debian, installed when missing; '' if ready, else why not."""
    if shutil.which("nginx") and shutil.which("wrk"):
        return ""
    install = ["apt-get", "install", "-y", "-q", "nginx", "wrk"]
    try:
        if subprocess.run(install, capture_output=True, timeout=300).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=300)
            subprocess.run(install, capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"cannot install nginx and wrk: {exc}"
    missing = [tool for tool in ("nginx", "wrk") if not shutil.which(tool)]
    return f"not installed: {', '.join(missing)} (apt-get failed)" if missing else ""


@contextlib.contextmanager
def nginx(log: Path | None = None) -> Iterator[str]:
    """nginx answering 204 on a free port; yields its URL. With `log`, each request's time
    (seconds since the epoch, ms precision) is written there, a line each."""
    root = Path(tempfile.mkdtemp(prefix="fh-nginx-"))
    port = free_port()
    conf = root / "nginx.conf"
    text = (RECEIVERS / "nginx.conf").read_text().format(port=port, root=root)
    if log is not None:
        logging = f"log_format stamp '$msec';\n    access_log {log} stamp buffer=64k flush=100ms;"
        text = text.replace("access_log off;", logging)
    conf.write_text(text)
    process = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(root)], stderr=subprocess.DEVNULL)
    try:
        if not wait_port(port, 5):
            raise RuntimeError("nginx did not start")
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    pg = "unknown"
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        pg = subprocess.run(
            ["psql", PG_DSN, "-Atc", "SHOW server_version"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "ram": f"{mem_kb / 1024 / 1024:.0f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgresql": pg,
        "aiohttp": aiohttp.__version__,
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def wrk(url: str, seconds: float, connections: int, extra: list[str] | None = None) -> dict[str, float]:
    """Run wrk (2 threads, `--latency`); requests/s, p50/p99 ms and non-2xx responses."""
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    out = subprocess.run(
        [*command, *(extra or []), url], check=True, capture_output=True, text=True, timeout=seconds + 60
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*?timeout (\d+)", out)

    def percentile(p: str) -> float:
        found = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not found:
            return float("nan")
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]
        return float(found.group(1)) * scale

    return {
        "rate": float(rate.group(1)) if rate else 0.0,
        "requests": float(total.group(1)) if total else 0.0,
        "non2xx": float(bad.group(1)) if bad else 0.0,
        "timeouts": float(errors.group(1)) if errors else 0.0,
        "p50": percentile("50"),
        "p99": percentile("99"),
    }


def wrk_rate(url: str, seconds: float, connections: int = CONCURRENCY) -> float:
    """(a) the loopback limit: wrk POSTing the 2 KB body."""
    return wrk(url, seconds, connections, ["-s", str(RECEIVERS / "post.lua")])["rate"]


async def send_loop_rate(
    send: Callable[[], Awaitable[None]], total: int, concurrency: int, seconds: float
) -> float:
    """Requests/s of `concurrency` senders each awaiting `send` in turn, after two each to
    warm the pool; bounded by `total` requests and `seconds`."""
    deadline = time.perf_counter() + seconds
    sent = 0

    async def sender(count: int) -> None:
        nonlocal sent
        for _ in range(count):
            if time.perf_counter() > deadline:
                return
            await send()
            sent += 1

    await asyncio.gather(*(sender(2) for _ in range(concurrency)))  # warm the pool
    sent = 0
    started = time.perf_counter()
    await asyncio.gather(*(sender(total // concurrency) for _ in range(concurrency)))
    return sent / (time.perf_counter() - started)


async def bare_rate(url: str, total: int, concurrency: int = CONCURRENCY, seconds: float = 30) -> float:
    """(b) the Python ceiling: one aiohttp session, `concurrency` senders, no database."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        headers = {"Content-Type": "application/json"}

        async def send() -> None:
            async with session.post(url, data=BODY, headers=headers) as response:
                await response.read()

        return await send_loop_rate(send, total, concurrency, seconds)


#: a delivery's usual headers (GitLab's, with forgehooks' own)
DELIVERY_HEADERS = {
    "Content-Type": "application/json",
    "User-Agent": "GitLab/16.0",
    "X-Gitlab-Event": "Push Hook",
    "X-Gitlab-Token": "secret",
    "X-Gitlab-Event-UUID": "3f0c7d0e-0000-4000-8000-000000000000",
    "X-Forgehooks-Delivery": "3f0c7d0e-0000-4000-8000-000000000001",
}


async def own_client_rate(url: str, total: int, concurrency: int = CONCURRENCY, seconds: float = 30) -> float:
    """(b') the loop of (b) over forgehooks' own sender (`engine/sender.py`), no database:
    what the worker's HTTP client alone could do, with a delivery's usual headers."""
    sender = Sender(allow_local=True, per_host_limit=concurrency)

    async def send() -> None:
        outcome = await sender.send(url, DELIVERY_HEADERS, BODY, ssl_verify=True)
        if outcome.status is None:
            raise RuntimeError(f"the receiver did not answer: {outcome.error}")

    try:
        return await send_loop_rate(send, total, concurrency, seconds)
    finally:
        await sender.close()


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


async def seeded(
    rt: Runtime, urls: list[str], path: str = "bench/widgets", user: User | None = None
) -> tuple[User, Project, list[Hook]]:
    """A user, a project and one push hook per url in `urls`."""
    user = user or await accounts.create_user(rt, "bench")
    project = await projects.create_project(rt, user, path)
    made = []
    for url in urls:
        spec = HookSpec(url=url, events=frozenset({EventKind.PUSH}), secret="s", standard_webhooks=False)
        made.append(await hooks.create_hook(rt, project, spec, "forgehooks"))
    return user, project, made


async def publish_one(rt: Runtime, user: User, project: Project, n: int) -> events.Published:
    """Publish push event number `n` to `project`."""
    event = events.build_event(rt, project, EventKind.PUSH, push_body(n), events.actor_of(user))
    return await events.publish(rt, event)


async def publish_many(rt: Runtime, user: User, project: Project, count: int, parallel: int) -> None:
    """Publish `count` push events with `parallel` publishers."""
    queue = iter(range(count))

    async def publisher() -> None:
        for n in queue:
            await publish_one(rt, user, project, n)

    await asyncio.gather(*(publisher() for _ in range(parallel)))


async def count_where(rt: Runtime, *conditions: Any) -> int:
    """How many deliveries match."""
    async with rt.db.reading() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(deliveries).where(*conditions))).scalar_one()
        )


# The due index's own condition, so the poll below reads the partial index instead of
# scanning the whole log (the benchmark's hooks are never ordered).
QUEUED = text(getattr(queue, "DUE_UNORDERED", "state = 'queued'"))


async def drained(rt: Runtime, timeout: float) -> bool:
    """Wait (at most `timeout` s) until no delivery is queued: every one sent and recorded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await count_where(rt, QUEUED) == 0:
            return True
        await asyncio.sleep(0.2)
    return False


async def recorded_rate(rt: Runtime, *conditions: Any) -> tuple[float, int]:
    """(deliveries/s, attempts) from the first attempt's start to the last delivery's record."""
    async with rt.db.reading() as conn:
        joined = attempts.join(deliveries, deliveries.c.id == attempts.c.delivery_id)
        first, count = (
            await conn.execute(
                select(func.min(attempts.c.started_at), func.count()).select_from(joined).where(*conditions)
            )
        ).one()
        last = (
            await conn.execute(
                select(func.max(deliveries.c.updated_at)).where(deliveries.c.attempt_count > 0, *conditions)
            )
        ).scalar_one()
    if not count:
        return 0.0, 0
    return float(count) / max((last - first).total_seconds(), 1e-6), int(count)


def bench_settings(folder: Path, backend: str, schema: str = "", **overrides: Any) -> Settings:
    """Settings of one benchmark database: SQLite in `folder`, or a PostgreSQL schema."""
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
        **overrides,
    )


@contextlib.asynccontextmanager
async def pg_schema() -> AsyncIterator[str]:
    """A fresh PostgreSQL schema, dropped afterwards."""
    name = "bench_" + uuid.uuid4().hex[:12]
    conn = await asyncpg.connect(PG_DSN, timeout=10)
    await conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield name
    finally:
        await conn.execute(f'DROP SCHEMA "{name}" CASCADE')
        await conn.close()


@contextlib.asynccontextmanager
async def store(backend: str, **overrides: Any) -> AsyncIterator[tuple[Runtime, Settings]]:
    """A migrated empty database of `backend` and a runtime on it; all removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="fh-bench-") as tmp:
        async with contextlib.AsyncExitStack() as stack:
            schema = await stack.enter_async_context(pg_schema()) if backend == "postgres" else ""
            settings = bench_settings(Path(tmp), backend, schema, **overrides)
            await asyncio.to_thread(upgrade, settings.resolved_database_url, "head", schema or None)
            rt = build_runtime(settings)
            stack.push_async_callback(rt.close)
            yield rt, settings


def worker_processes(settings: Settings, count: int, **extra: str) -> list[subprocess.Popen[bytes]]:
    """`count` separate `forgehooks worker` processes on the settings' database."""
    env = (
        {k: v for k, v in os.environ.items() if not k.startswith("FORGEHOOKS_")}
        | {
            "FORGEHOOKS_DATABASE_URL": settings.resolved_database_url,
            "FORGEHOOKS_DATABASE_SCHEMA": settings.database_schema,
            "FORGEHOOKS_DATA_DIR": str(settings.data_dir),
            "FORGEHOOKS_ALLOW_LOCAL_TARGETS": "true",
            "FORGEHOOKS_PER_HOST_LIMIT": str(settings.per_host_limit),
            "FORGEHOOKS_WORKER_CONCURRENCY": str(settings.worker_concurrency),
        }
        | {f"FORGEHOOKS_{k.upper()}": v for k, v in extra.items()}
    )
    return [
        subprocess.Popen([str(FORGEHOOKS), "worker"], env=env, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]


def stop_all(processes: list[subprocess.Popen[bytes]], grace: float = 30) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@contextlib.asynccontextmanager
async def delivering(
    rt: Runtime, settings: Settings, workers: int, drain: float = 2.0
) -> AsyncIterator[None]:
    """Workers running meanwhile: 0 is the embedded worker in this process, else worker processes."""
    if workers:
        processes = worker_processes(settings, workers)
        try:
            yield
        finally:
            await asyncio.to_thread(stop_all, processes, drain + 15)
        return
    # the embedded worker runs as in `forgehooks serve`, whose process freezes what it built
    # before serving, so the collector's full collections do not walk it
    gc.collect()
    gc.freeze()
    options = dataclasses.replace(rt.worker_options(), drain_seconds=drain)
    worker = Worker(rt.db, rt.box, rt.wires, rt.get_sender(), options)
    rt.workers.append(worker)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, drain + 30)
        rt.workers.remove(worker)


async def ready(rt: Runtime, user: User, url: str, timeout: float = 60) -> None:
    """Publish one event to a separate project and wait for its delivery: the workers are up."""
    _, warm, _ = await seeded(rt, [url], f"bench/warm-{uuid.uuid4().hex[:6]}", user)
    await publish_one(rt, user, warm, 0)
    if not await drained(rt, timeout):
        raise TimeoutError("the workers did not deliver the warm-up event")


async def durable(
    url: str, backend: str, workers: int, event_count: int, hook_count: int, **overrides: Any
) -> float:
    """forgehooks end to end: publish everything, then deliver and record it; deliveries/s."""
    async with store(backend, **overrides) as (rt, settings):
        user, project, _ = await seeded(rt, [url] * hook_count)
        await publish_many(rt, user, project, event_count, 4 if backend == "postgres" else 1)
        async with delivering(rt, settings, workers):
            if not await drained(rt, 300):
                print("  not every delivery was recorded within 300 s", file=sys.stderr)
        return (await recorded_rate(rt))[0]


async def latency_run(
    url: str, backend: str, rate: float, seconds: float, workers: int = 0
) -> dict[str, float]:
    """Publish-to-receiver latency (ms) at `rate` events/s offered (open loop) to one hook."""
    async with store(backend) as (rt, settings):
        user, project, _ = await seeded(rt, [url])
        async with delivering(rt, settings, workers):
            await ready(rt, user, url)
            count = max(1, int(rate * seconds))
            gate = asyncio.Semaphore(16)  # publishes in flight (the connection pool's size)
            tasks = []

            async def one(n: int) -> None:
                async with gate:
                    await publish_one(rt, user, project, n)

            started = time.perf_counter()
            for n in range(count):
                if time.perf_counter() - started > 2 * seconds + 1:
                    break  # the publisher cannot keep up: bounded in time, not in count
                await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
                await gate.acquire()  # never more than 16 waiting: the offered rate drops instead
                gate.release()
                tasks.append(asyncio.create_task(one(n)))
            await asyncio.gather(*tasks)
            published = len(tasks) / (time.perf_counter() - started)
            settled = await drained(rt, 120)
        async with rt.db.reading() as conn:
            rows = await conn.execute(
                select(events_table.c.occurred_at, attempts.c.started_at, attempts.c.duration_ms)
                .join(deliveries, deliveries.c.id == attempts.c.delivery_id)
                .join(events_table, events_table.c.id == deliveries.c.event_id)
                .where(deliveries.c.project_id == project.id)
            )
            waits = sorted((s - o).total_seconds() * 1000 + d for o, s, d in rows)
    return {
        "offered": rate,
        "published": published,
        "p50": statistics.median(waits),
        "p99": waits[min(len(waits) - 1, round(0.99 * (len(waits) - 1)))],
        "samples": len(waits),
        "complete": float(settled),
    }


async def fanout_run(
    url: str, backend: str, hook_count: int, rounds: int, workers: int = 0
) -> dict[str, float]:
    """One event to `hook_count` hooks: publish time and publish to last delivery recorded (ms)."""
    async with store(backend, max_hooks_per_project=hook_count) as (rt, settings):
        user, project, _ = await seeded(rt, [url] * hook_count)
        publish_ms, last_ms = [], []
        async with delivering(rt, settings, workers):
            await ready(rt, user, url)
            for n in range(rounds):
                before = utcnow()
                started = time.perf_counter()
                published = await publish_one(rt, user, project, n)
                publish_ms.append((time.perf_counter() - started) * 1000)
                if not await drained(rt, 60):
                    print("  fan-out not delivered within 60 s", file=sys.stderr)
                async with rt.db.reading() as conn:
                    last = (
                        await conn.execute(
                            select(func.max(deliveries.c.updated_at)).where(
                                deliveries.c.event_id == published.event_id
                            )
                        )
                    ).scalar_one()
                last_ms.append((as_aware(last) - before).total_seconds() * 1000)
    return {"publish_ms": statistics.median(publish_ms), "last_ms": statistics.median(last_ms)}


def as_aware(moment: datetime) -> datetime:
    """SQLite returns naive UTC times."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Holding(asyncio.Protocol):
    """Reads a request and never answers; counted once its first bytes came, not at connect:
    a process measured holding `target` requests has written them all, not just connected."""

    def __init__(
        self, opened: list[asyncio.BaseTransport], held: list[int], enough: asyncio.Event, target: int
    ) -> None:
        self.opened, self.held, self.enough, self.target = opened, held, enough, target
        self.counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.opened.append(transport)

    def data_received(self, data: bytes) -> None:
        if not self.counted:
            self.counted = True
            self.held[0] += 1
            if self.held[0] >= self.target:
                self.enough.set()


@contextlib.asynccontextmanager
async def holding_receiver(target: int) -> AsyncIterator[tuple[str, list[int], asyncio.Event]]:
    """A receiver that never answers; yields (url, [requests held], set once `target` arrived):
    the memory rows' receiver, and the hard-receivers row's dead one."""
    opened: list[asyncio.BaseTransport] = []
    held = [0]
    enough = asyncio.Event()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: Holding(opened, held, enough, target), "127.0.0.1", 0, backlog=4096
    )
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/hook", held, enough
    finally:
        server.close()
        for transport in opened:
            transport.close()


async def hard_receivers_run(
    url: str, backend: str, event_count: int, hook_count: int, silent_share: float
) -> dict[str, float]:
    """Deliveries/s to the healthy hooks while `silent_share` of the hooks never answer."""
    async with holding_receiver(0) as (silent_url, _, _), store(backend) as (rt, settings):
        bad = round(hook_count * silent_share)
        urls = [silent_url] * bad + [url] * (hook_count - bad)
        user, project, made = await seeded(rt, urls)
        healthy = [h.id for h in made if h.url == url]
        await publish_many(rt, user, project, event_count, 4 if backend == "postgres" else 1)
        expected = event_count * len(healthy)
        async with delivering(rt, settings, 0, drain=0.5):
            deadline = time.monotonic() + 300
            done = 0
            while time.monotonic() < deadline:
                done = await count_where(
                    rt, deliveries.c.state == "succeeded", deliveries.c.hook_id.in_(healthy)
                )
                if done >= expected:
                    break
                await asyncio.sleep(0.2)
        rate, _ = await recorded_rate(rt, deliveries.c.hook_id.in_(healthy))
        timeouts = await count_where(rt, deliveries.c.hook_id.not_in(healthy), deliveries.c.attempt_count > 0)
    return {"rate": rate, "healthy_done": done, "expected": expected, "silent_attempted": timeouts}


async def worker_memory(in_flight: int, hook_count: int = 10) -> tuple[float, int]:
    """Peak RSS (MB) of a worker process holding `in_flight` sends open at once (PostgreSQL)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        async with holding_receiver(in_flight) as (url, held, enough), store("postgres") as (rt, settings):
            user, project, _ = await seeded(rt, [url] * hook_count)
            await publish_many(rt, user, project, in_flight // hook_count, 4)
            [process] = worker_processes(
                settings,
                1,
                worker_concurrency=str(in_flight),
                per_host_limit=str(in_flight),
                claim_batch="1000",
                send_timeout="300",
            )
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(enough.wait(), 120)
                await asyncio.sleep(1)
                peak = _peak_mb(process.pid)
            finally:
                process.kill()
                await asyncio.to_thread(process.wait, 10)
            return peak, held[0]
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def bare_memory(in_flight: int) -> tuple[float, int]:
    """Peak RSS (MB) of a bare aiohttp process holding `in_flight` POSTs open (bench/bare_holder.py)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        async with holding_receiver(in_flight) as (url, held, enough):
            holder = ROOT / "bench" / "bare_holder.py"
            command = [sys.executable, str(holder), url, str(in_flight)]
            process = await asyncio.to_thread(subprocess.Popen, command)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(enough.wait(), 120)
                await asyncio.sleep(1)
                return _peak_mb(process.pid), held[0]
            finally:
                process.kill()
                await asyncio.to_thread(process.wait, 10)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _peak_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]


async def run(args: argparse.Namespace) -> None:
    """References, then forgehooks durable on each backend."""
    with nginx() as url:
        a = await asyncio.to_thread(wrk_rate, url, args.seconds)
        print(f"(a) wrk: {a:,.0f}/s")
        b = await bare_rate(url, args.bare)
        print(f"(b) bare aiohttp: {b:,.0f}/s = {b / a:.0%} of (a)")
        for name, backend, workers in (
            ("SQLite, embedded worker", "sqlite", 0),
            ("PostgreSQL, 1 worker process", "postgres", 1),
            ("PostgreSQL, 2 worker processes", "postgres", 2),
        ):
            rate = await durable(url, backend, workers, args.events, args.hooks)
            print(f"(c) {name}: {rate:,.0f}/s = {rate / b:.0%} of (b), {rate / a:.0%} of (a)")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--hooks", type=int, default=10)
    parser.add_argument("--bare", type=int, default=20_000, help="requests of the bare loop")
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    problem = ensure_tools()
    if problem:
        sys.exit(problem)
    uvloop.run(run(args))


if __name__ == "__main__":
    main()
