"""`make bench`: every benchmark, each figure next to a reference measured in the same run.

    .venv/bin/python bench/run_all.py [--quick] [--no-docs] [--only NAME,NAME]

Runs on 127.0.0.1: nginx (answering 204) and wrk from Debian (installed when missing),
PostgreSQL and Redis of the machine. Every loop is bounded in count and time; a part that
fails prints why and the rest goes on. Then docs/benchmarks.md is rewritten (machine,
method, table of figures against targets) with plots under docs/img/. `--quick` is a smoke
run at small sizes (its figures are not written to the docs unless --docs is given).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import math
import os
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))

import celery_baseline
import delivery
import growth
import report
import senders

import api
import e2e

ROOT = delivery.ROOT


@dataclass(frozen=True)
class Sizes:
    """How big each part is (full: `make bench`, about 15 minutes; quick: a smoke run)."""

    wrk_seconds: float = 5
    bare: int = 20_000
    concurrency: tuple[int, ...] = (4, 16, 64, 256)
    sweep_seconds: float = 2
    sweep_bare: int = 6_000
    sweep_events: int = 150
    events: int = 1000
    durable_rounds: int = 3
    hooks: int = 10
    fanout_hooks: int = 1000
    fanout_rounds: int = 3
    rates: tuple[int, ...] = (100, 200, 500, 2000)
    latency_seconds: float = 3
    hard_events: int = 2000
    hard_hooks: int = 20
    growth_rows: int = 1_000_000
    growth_events: int = 1000
    growth_rounds: int = 5
    celery_tasks: int = 1000
    celery_concurrency: int = 8
    memory_in_flight: int = 10_000
    api_seconds: float = 3
    api_connections: int = 16
    e2e_events: int = 3000
    e2e_latency_seconds: float = 5
    console: tuple[str, ...] = ("--deliveries", "10000", "--repeat", "60", "--seconds", "5")
    sender_rounds: int = 3
    sender_events: int = 2000


QUICK = Sizes(
    wrk_seconds=1,
    bare=3000,
    concurrency=(16, 64),
    sweep_seconds=1,
    sweep_bare=2000,
    sweep_events=100,
    events=200,
    durable_rounds=1,
    fanout_hooks=200,
    fanout_rounds=1,
    rates=(100, 500),
    latency_seconds=1,
    hard_events=100,
    growth_rows=20_000,
    growth_events=100,
    growth_rounds=1,
    celery_tasks=500,
    memory_in_flight=2000,
    api_seconds=2,
    e2e_events=400,
    e2e_latency_seconds=1,
    console=("--deliveries", "1000", "--repeat", "10", "--seconds", "3"),
    sender_rounds=1,
    sender_events=200,
)


@dataclass
class Results:
    """Every figure of one run (also saved as JSON next to the plots)."""

    started: str = ""
    machine: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, Any] = field(default_factory=dict)
    wrk: float = 0.0
    bare: float = 0.0
    own: float = 0.0  # (b') the same loop over forgehooks' sender (engine/sender.py)
    sweep: dict[str, dict[str, float]] = field(default_factory=dict)  # concurrency -> series -> rate
    durable: dict[str, float] = field(default_factory=dict)  # median deliveries/s of the rounds
    durable_share: dict[str, float] = field(default_factory=dict)  # median share of (b) beside each round
    durable_beside: dict[str, float] = field(default_factory=dict)  # median (b) beside the rounds
    fanout: dict[str, dict[str, float]] = field(default_factory=dict)
    latency: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    hard: dict[str, dict[str, float]] = field(default_factory=dict)
    growth: dict[str, dict[str, Any]] = field(default_factory=dict)
    celery: dict[str, float] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)
    api: dict[str, dict[str, float]] = field(default_factory=dict)
    api_pg: dict[str, dict[str, float]] = field(default_factory=dict)  # "16", "64" connections
    e2e: dict[str, Any] = field(default_factory=dict)  # bench/e2e.py: rows and latency
    console: list[list[str]] = field(default_factory=list)
    senders: str = ""  # bench/senders.py's table: the worker's rate over each candidate client
    failures: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def pct(x: float, ref: float) -> str:
    """`x` as a share of `ref`."""
    return f"{x / ref:.0%}" if ref else "n/a"


class Bench:
    """Runs the parts in order, each bounded, each failure recorded and skipped."""

    def __init__(self, sizes: Sizes, only: set[str]) -> None:
        self.s = sizes
        self.only = only
        self.r = Results(
            started=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            machine=delivery.machine(),
            sizes=asdict(sizes),
        )

    async def part(self, name: str, work: Callable[[], Awaitable[None]], timeout: float) -> None:
        """Run one part within `timeout` seconds; on any failure print why and go on."""
        if self.only and name not in self.only:
            return
        print(f"\n== {name}", flush=True)
        started = time.perf_counter()
        try:
            await asyncio.wait_for(work(), timeout)
        except Exception as exc:  # one broken part must not hide the others' figures
            reason = f"{type(exc).__name__}: {exc}"[:300] or type(exc).__name__
            self.r.failures[name] = reason
            print(f"!! {name} failed: {reason}", flush=True)
            traceback.print_exc(limit=3)
        self.r.seconds[name] = time.perf_counter() - started
        print(f"   ({self.r.seconds[name]:.0f} s)", flush=True)

    # -- 1. references and the concurrency sweep -------------------------------------------
    async def references(self, url: str) -> None:
        s, r = self.s, self.r
        r.wrk = await asyncio.to_thread(delivery.wrk_rate, url, s.wrk_seconds)
        print(f"(a) wrk, {delivery.CONCURRENCY} connections: {r.wrk:,.0f} req/s (the loopback limit)")
        r.bare = await delivery.bare_rate(url, s.bare)
        print(
            f"(b) bare aiohttp + uvloop, {delivery.CONCURRENCY} senders: {r.bare:,.0f} req/s"
            f" = {pct(r.bare, r.wrk)} of (a)"
        )
        r.own = await delivery.own_client_rate(url, s.bare)
        print(
            f"(b') forgehooks' sender, same loop: {r.own:,.0f} req/s"
            f" = {pct(r.own, r.wrk)} of (a), {r.own / r.bare:.1f}x (b)"
        )

    async def sweep(self, url: str) -> None:
        s, r = self.s, self.r
        for c in s.concurrency:
            a = await asyncio.to_thread(delivery.wrk_rate, url, s.sweep_seconds, c)
            b = await delivery.bare_rate(url, s.sweep_bare, c)
            f = await delivery.durable(
                url, "sqlite", 0, s.sweep_events, s.hooks, per_host_limit=c, worker_concurrency=max(512, c)
            )
            r.sweep[str(c)] = {"wrk": a, "bare": b, "forgehooks": f}
            print(
                f"concurrency {c}: wrk {a:,.0f}/s, bare {b:,.0f}/s,"
                f" forgehooks SQLite {f:,.0f}/s = {pct(f, b)} of bare"
            )

    # -- 2. durable throughput --------------------------------------------------------------
    async def settle(self) -> None:
        """Wait until the last run's writes are on disk and its processes gone."""
        await asyncio.to_thread(os.sync)
        await asyncio.sleep(1.0)

    async def settled_bare(self, url: str) -> float:
        """The bare loop once settled: a bracket measures the machine, not the aftermath of
        the run beside it."""
        await self.settle()
        return await delivery.bare_rate(url, self.s.bare)

    async def durable(self, url: str) -> None:
        s, r = self.s, self.r
        for name, backend, workers in (
            ("SQLite, embedded worker", "sqlite", 0),
            ("PostgreSQL, 1 worker process", "postgres", 1),
            ("PostgreSQL, 2 worker processes", "postgres", 2),
        ):
            # the machine's speed drifts within minutes: each round is bracketed by the bare
            # loop right before and right after it, and the row's share is the median share
            rates, shares, beside = [], [], []
            for _ in range(s.durable_rounds):
                before = await self.settled_bare(url)
                rate = await delivery.durable(url, backend, workers, s.events, s.hooks)
                after = await self.settled_bare(url)
                rates.append(rate)
                beside.append((before + after) / 2)
                shares.append(rate / beside[-1])
                print(f"  {name}: {rate:,.0f} deliveries/s, (b) before {before:,.0f}/s, after {after:,.0f}/s")
            r.durable[name] = statistics.median(rates)
            r.durable_share[name] = statistics.median(shares)
            r.durable_beside[name] = statistics.median(beside)
            print(
                f"{name}: {r.durable[name]:,.0f} deliveries/s (median of {len(rates)}),"
                f" {r.durable_share[name]:.0%} of (b) beside it (median share),"
                f" {pct(r.durable[name], r.own)} of (b'), {pct(r.durable[name], r.wrk)} of (a) wrk"
            )

    # -- 3. fan-out ---------------------------------------------------------------------------
    async def fanout(self, url: str) -> None:
        s, r = self.s, self.r
        for name, backend, workers in (
            ("SQLite, embedded worker", "sqlite", 0),
            ("PostgreSQL, 1 worker process", "postgres", 1),
        ):
            got = await delivery.fanout_run(url, backend, s.fanout_hooks, s.fanout_rounds, workers)
            r.fanout[name] = got
            bare_ms = s.fanout_hooks / r.bare * 1000 if r.bare else math.nan
            print(
                f"{name}: publish of 1 event to {s.fanout_hooks} hooks {got['publish_ms']:.0f} ms; "
                f"publish to last delivery recorded {got['last_ms']:.0f} ms "
                f"(bare aiohttp would send {s.fanout_hooks} in {bare_ms:.0f} ms)"
            )

    # -- 4. latency ---------------------------------------------------------------------------
    async def latency(self, url: str) -> None:
        s, r = self.s, self.r
        for name, backend, workers in (
            ("SQLite, embedded worker", "sqlite", 0),
            ("PostgreSQL, 1 worker process", "postgres", 1),
        ):
            r.latency[name] = []
            for rate in s.rates:
                await self.settle()  # a light load's latency, not the last part's disk flush
                got = await delivery.latency_run(url, backend, rate, s.latency_seconds, workers)
                r.latency[name].append(got)
                print(
                    f"{name}, {rate} ev/s offered ({got['published']:.0f} published/s): "
                    f"p50 {got['p50']:.1f} ms, p99 {got['p99']:.1f} ms over {got['samples']:.0f} deliveries"
                )

    # -- 5. hard receivers --------------------------------------------------------------------
    async def hard(self, url: str) -> None:
        s, r = self.s, self.r
        for name, share in (("all healthy", 0.0), ("10% never answer", 0.1)):
            got = await delivery.hard_receivers_run(url, "sqlite", s.hard_events, s.hard_hooks, share)
            r.hard[name] = got
            print(
                f"SQLite, {s.hard_hooks} hooks, {name}: {got['rate']:,.0f} healthy deliveries/s"
                f" ({got['healthy_done']:.0f}/{got['expected']:.0f} done)"
            )
        base, hit = r.hard["all healthy"]["rate"], r.hard["10% never answer"]["rate"]
        print(f"healthy throughput with 10% dead receivers = {pct(hit, base)} of all healthy")

    # -- 7. growth ------------------------------------------------------------------------------
    async def growth(self, url: str) -> None:
        s, r = self.s, self.r
        for name, backend, workers in (
            ("SQLite, embedded worker", "sqlite", 0),
            ("PostgreSQL, 1 worker process", "postgres", 1),
        ):
            got = await growth.compare(
                url, backend, workers, s.growth_rows, s.growth_events, s.hooks, s.growth_rounds
            )
            r.growth[name] = {"empty": got["empty"], "full": got["full"], "fill_seconds": got["fill_seconds"]}
            pairs = zip(got["rounds"]["empty"], got["rounds"]["full"], strict=True)
            each = ", ".join(f"{e:,.0f}/{f:,.0f}" for e, f in pairs)
            print(
                f"{name}: empty log {got['empty']:,.0f}/s, with {s.growth_rows:,} old rows"
                f" {got['full']:,.0f}/s = {pct(got['full'], got['empty'])}, medians of {s.growth_rounds}"
                f" alternate rounds (empty/full: {each}; rows inserted in {got['fill_seconds']:.0f} s)"
            )

    # -- 8. Celery baseline ------------------------------------------------------------------------
    async def celery(self, url: str) -> None:
        s, r = self.s, self.r
        got = await asyncio.to_thread(celery_baseline.run, url, s.celery_tasks, s.celery_concurrency, 180)
        r.celery = got
        f = r.durable.get("SQLite, embedded worker", 0.0)
        print(
            f"Celery + Redis + requests, prefork -c {s.celery_concurrency}: {got['rate']:,.0f} deliveries/s "
            f"({got['done']:.0f}/{got['total']:.0f}); forgehooks SQLite {f:,.0f}/s = {f / got['rate']:.1f}x"
            if got["rate"]
            else "Celery delivered nothing"
        )

    # -- 9. memory --------------------------------------------------------------------------------
    async def memory(self) -> None:
        bare_mb, bare_open = await delivery.bare_memory(self.s.memory_in_flight)
        mb, opened = await delivery.worker_memory(self.s.memory_in_flight)
        self.r.memory = {
            "peak_mb": mb,
            "open": opened,
            "target": self.s.memory_in_flight,
            "bare_mb": bare_mb,
            "bare_open": bare_open,
        }
        print(
            f"bare aiohttp process peak RSS with {bare_open:,} requests open: {bare_mb:.0f} MB\n"
            f"worker process peak RSS with {opened:,} of {self.s.memory_in_flight:,} deliveries in flight:"
            f" {mb:.0f} MB"
        )

    # -- 6. API ---------------------------------------------------------------------------------------
    async def api(self) -> None:
        self.r.api = await api.run(self.s.api_seconds, self.s.api_connections)
        self.r.api_pg = await api.run_postgres(self.s.api_seconds, (16, 64))

    # -- 10. end to end through the HTTP API ---------------------------------------------------------
    async def e2e(self) -> None:
        s = self.s
        self.r.e2e = await e2e.measure(s.e2e_events, 16, s.bare, s.e2e_latency_seconds, None, True)

    # -- the sender comparison (bench/senders.py) -------------------------------------------------
    async def senders(self, url: str) -> None:
        s = self.s
        names = list(senders.CANDIDATES)
        got = await senders.compare(url, names, s.sender_rounds, s.sender_events, s.hooks)
        self.r.senders = senders.table(got, names)
        print(self.r.senders)

    # -- console ----------------------------------------------------------------------------------------
    async def console(self) -> None:
        command = [sys.executable, str(ROOT / "bench" / "console.py"), "--backend", "both", *self.s.console]
        done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=600)
        print(done.stdout)
        if done.returncode:
            raise RuntimeError(f"console.py exited {done.returncode}: {done.stderr[-300:]}")
        self.r.console = [
            [cell.strip() for cell in line.strip("|").split("|")]
            for line in done.stdout.splitlines()
            if line.startswith("| sqlite") or line.startswith("| postgres")
        ]

    async def run(self) -> Results:
        problem = await asyncio.to_thread(delivery.ensure_tools)
        if problem:
            print(f"!! {problem}: the parts needing nginx or wrk are skipped")
            self.r.failures["nginx/wrk"] = problem
        else:
            with delivery.nginx() as url:
                await self.part("references", lambda: self.references(url), 120)
                await self.part("durable", lambda: self.durable(url), 600)
                await self.part("sweep", lambda: self.sweep(url), 400)
                await self.part("fanout", lambda: self.fanout(url), 300)
                await self.part("latency", lambda: self.latency(url), 600)
                await self.part("hard", lambda: self.hard(url), 400)
                await self.part("growth", lambda: self.growth(url), 900)
                await self.part("celery", lambda: self.celery(url), 300)
                await self.part("senders", lambda: self.senders(url), 900)
            await self.part("api", self.api, 300)
            await self.part("e2e", self.e2e, 1200)
        await self.part("memory", self.memory, 300)
        await self.part("console", self.console, 650)
        return self.r


def merge_previous(results: Results, only: str) -> None:
    """`--only` with docs: the other parts keep the figures of the previous full run."""
    saved = report.IMG / "benchmarks.json"
    if not saved.exists():
        return
    previous = json.loads(saved.read_text())
    for name, value in previous.items():
        if name in ("seconds", "failures"):
            getattr(results, name).update({k: v for k, v in value.items() if k not in getattr(results, name)})
        elif name not in ("started", "machine", "sizes") and not getattr(results, name, None):
            setattr(results, name, value)
    if only != "none":
        results.notes.append(
            f"parts re-run on {results.started}: {only}; the rest from {previous['started']}"
        )
    results.started, results.machine = previous["started"], previous["machine"]


def main() -> None:
    """Parse arguments, run, print the summary, write the docs."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of every part")
    parser.add_argument("--docs", dest="docs", action="store_true", default=None, help="write the docs")
    parser.add_argument("--no-docs", dest="docs", action="store_false")
    parser.add_argument("--only", default="", help="comma-separated parts to run")
    args = parser.parse_args()
    sizes = QUICK if args.quick else Sizes()
    started = time.perf_counter()
    results = uvloop.run(Bench(sizes, {p for p in args.only.split(",") if p}).run())
    print(f"\nall parts done in {time.perf_counter() - started:.0f} s")
    rows = report.targets(results)
    print("\n" + report.targets_table(rows))
    if results.failures:
        print("\nparts that could not run: " + "; ".join(f"{k}: {v}" for k, v in results.failures.items()))
    write = args.docs if args.docs is not None else not args.quick
    if write and args.only:
        merge_previous(results, args.only)
        rows = report.targets(results)
    Path("/tmp/forgehooks-bench-last-run.json").write_text(json.dumps(asdict(results), indent=1, default=str))
    if write:
        with contextlib.suppress(KeyboardInterrupt):
            report.write(results, rows)
        print(f"wrote {report.DOCS.relative_to(ROOT)} and {report.IMG.relative_to(ROOT)}/*.png")


if __name__ == "__main__":
    main()
