"""docs/benchmarks.md and its plots from the results of `bench/run_all.py`."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
IMG = ROOT / "docs" / "img"
SQLITE, PG1, PG2 = "SQLite, embedded worker", "PostgreSQL, 1 worker process", "PostgreSQL, 2 worker processes"


@dataclass(frozen=True)
class Row:
    """One figure against its target."""

    part: str
    measurement: str
    figure: str
    reference: str
    target: str
    ok: bool | None  # None: could not be measured


def _mark(ok: bool | None) -> str:
    return "–" if ok is None else ("✓" if ok else "✗")


def _fig(x: float | None, fmt: str) -> str:
    return "not measured" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt.format(x)


def targets(r: Any) -> list[Row]:
    """Every target of issues 3 and 11 with this run's figure."""
    rows: list[Row] = []
    b = r.bare or None
    own = getattr(r, "own", 0.0)  # (b'): runs saved before it existed have none
    ref_b = f"(b) {r.bare:,.0f}/s" if r.bare else "(b) not measured"

    shares = getattr(r, "durable_share", {})  # runs saved before bracketing have none
    beside = getattr(r, "durable_beside", {})

    def share(name: str) -> float | None:
        if name in shares:
            return float(shares[name])
        return r.durable[name] / r.bare if name in r.durable and r.bare else None

    def rate_row(name: str, need: float, note: str) -> None:
        got = share(name)
        figure = f"{r.durable[name]:,.0f}/s = {got:.0%} of (b)" if got is not None else "not measured"
        of_own = f"; {r.durable[name] / own:.0%} of (b') {own:,.0f}/s" if own and name in r.durable else ""
        reference = f"(b) beside its rounds {beside[name]:,.0f}/s" if name in beside else ref_b
        rows.append(
            Row(
                "2",
                f"durable, {name}",
                figure,
                reference + of_own,
                f"≥ {need:.0%} of (b){note}",
                None if got is None else got >= need,
            )
        )

    rows.append(
        Row(
            "1",
            "(a) wrk 2 KB POST to nginx 204",
            _fig(r.wrk or None, "{:,.0f} req/s"),
            "loopback limit",
            "reference",
            None,
        )
    )
    rows.append(
        Row(
            "1",
            "(b) bare asyncio + aiohttp (uvloop)",
            _fig(b, "{:,.0f} req/s"),
            f"{r.bare / r.wrk:.0%} of (a)" if r.wrk else "",
            "reference",
            None,
        )
    )
    if own:
        rows.append(
            Row(
                "1",
                "(b') the same loop over forgehooks' sender (libcurl)",
                f"{own:,.0f} req/s",
                f"{own / r.wrk:.0%} of (a)" if r.wrk else "",
                "reference (the worker's own ceiling)",
                None,
            )
        )
    rate_row(SQLITE, 0.7, " (issue 3: ≥ 50%)")
    rate_row(PG1, 0.4, "")
    rate_row(PG2, 1.0, "")
    hooks = r.sizes["fanout_hooks"]
    for name, got in r.fanout.items():
        rows.append(
            Row(
                "3",
                f"fan-out publish, 1 event → {hooks:,} hooks, {name}",
                f"{got['publish_ms']:.0f} ms",
                "",
                "< 50 ms",
                got["publish_ms"] < 50,
            )
        )
        bare_ms = hooks / r.bare * 1000 if r.bare else math.nan
        rows.append(
            Row(
                "3",
                f"fan-out publish → last delivery recorded, {name}",
                f"{got['last_ms']:.0f} ms",
                f"(b) sends {hooks:,} in {bare_ms:.0f} ms",
                "< 500 ms",
                got["last_ms"] < 500,
            )
        )
    for name, runs in r.latency.items():
        for run in runs:
            offered = int(run["offered"])
            if offered not in (200, 500):
                continue
            ok = run["p50"] < 10 and run["p99"] < 50
            target = "p50 < 10 ms, p99 < 50 ms" + (" (issue 3)" if offered == 200 else "")
            scope = name == SQLITE or offered == 500
            rows.append(
                Row(
                    "4",
                    f"latency at {offered} ev/s, {name}",
                    f"p50 {run['p50']:.1f} ms, p99 {run['p99']:.1f} ms",
                    f"{run['published']:.0f} ev/s published",
                    target if scope else "(no target)",
                    ok if name == SQLITE else None,
                )
            )
    if len(r.hard) == 2:
        base, hit = r.hard["all healthy"]["rate"], r.hard["10% never answer"]["rate"]
        rows.append(
            Row(
                "5",
                "healthy deliveries/s with 10% of hooks never answering (SQLite)",
                f"{hit:,.0f}/s = {hit / base:.0%}",
                f"all healthy {base:,.0f}/s",
                "≥ 80% of all healthy",
                hit / base >= 0.8,
            )
        )
    for face, got in r.api.items():
        ok = got["rate"] >= 1500 and got["p99"] < 20 and got["non2xx"] == 0
        rows.append(
            Row(
                "6",
                f"API hook list, {face}",
                f"{got['rate']:,.0f} req/s, p99 {got['p99']:.1f} ms",
                f"FastAPI ceiling {got['ceiling']:,.0f} req/s ({got['rate'] / got['ceiling']:.0%})"
                if got.get("ceiling")
                else f"(a) {r.wrk:,.0f} req/s",
                "≥ 1,500 req/s, p99 < 20 ms",
                ok,
            )
        )
    rows += _ingest_rows(r)
    for name, got in r.growth.items():
        ratio = got["full"] / got["empty"] if got["empty"] else 0.0
        rows.append(
            Row(
                "7",
                f"throughput with {r.sizes['growth_rows']:,} old delivery rows, {name}",
                f"{got['full']:,.0f}/s = {ratio:.0%}",
                f"empty log {got['empty']:,.0f}/s",
                "≥ 90% of empty",
                ratio >= 0.9,
            )
        )
    if r.celery.get("rate"):
        for name in (SQLITE, PG2):
            if name in r.durable:
                times = r.durable[name] / r.celery["rate"]
                rows.append(
                    Row(
                        "8",
                        f"forgehooks {name} vs Celery + requests",
                        f"{times:.1f}×",
                        f"Celery {r.celery['rate']:,.0f}/s",
                        "≥ 5×",
                        times >= 5,
                    )
                )
    if r.memory:
        full = r.memory["open"] >= r.memory["target"]
        rows.append(
            Row(
                "9",
                f"worker peak RSS, {r.memory['target']:,.0f} in flight (PostgreSQL)",
                f"{r.memory['peak_mb']:.0f} MB",
                f"{r.memory['open']:,.0f} connections open; bare aiohttp holding "
                f"{r.memory.get('bare_open', 0):,.0f}: {r.memory.get('bare_mb', 0):.0f} MB",
                "< 200 MB",
                r.memory["peak_mb"] < 200 if full else None,
            )
        )
    if r.console:
        worst = max(float(row[3]) for row in r.console)
        rows.append(
            Row(
                "–",
                "console pages, slowest p99 (10,000 deliveries)",
                f"{worst:.1f} ms",
                "",
                "< 100 ms",
                worst < 100,
            )
        )
    return rows


#: Issue 25's targets on the end-to-end rows (bench/e2e.py): events accepted/s, share of (b).
INGEST = {
    "SQLite, serve with embedded worker": (2000, 0.5),
    "PostgreSQL, serve + 1 worker": (1000, 0.35),
    "PostgreSQL, serve --processes 2 + 1 worker": (2000, None),
    "PostgreSQL, serve + 1 worker, batch publish": (5000, None),
}


def _ingest_rows(r: Any) -> list[Row]:
    """Issue 25: publish through the HTTP API, end to end; the PostgreSQL hook list."""
    rows: list[Row] = []
    e2e = getattr(r, "e2e", None) or {}
    for name, got in e2e.get("rows", {}).items():
        need, share = INGEST.get(name, (None, None))
        rows.append(
            Row(
                "25",
                f"publish through the API, {name}: events accepted/s",
                f"{got['accepted']:,.0f}/s ({got['api_cpu_ms']:.2f} ms CPU of serve each)",
                f"(b) {got['bare']:,.0f}/s beside",
                f"≥ {need:,}/s" if need else "",
                got["accepted"] >= need if need else None,
            )
        )
        rows.append(
            Row(
                "25",
                f"end to end through the API, {name}: deliveries/s",
                f"{got['delivered']:,.0f}/s = {got['share']:.0%} of (b)",
                f"(b) {got['bare']:,.0f}/s beside",
                f"≥ {share:.0%} of (b)" if share else "",
                got["share"] >= share if share else None,
            )
        )
    for name, got in e2e.get("latency", {}).items():
        need = 10.0 if name.startswith("sqlite") else 20.0
        at_100 = name.endswith(" 100")
        rows.append(
            Row(
                "25",
                f"latency through the API, {name} events/s",
                f"p50 {got['p50']:.1f} ms, p99 {got['p99']:.1f} ms",
                f"{got['samples']} deliveries",
                f"p99 < {need:.0f} ms" if at_100 else "",
                got["p99"] < need if at_100 else None,
            )
        )
    for connections, got in (getattr(r, "api_pg", None) or {}).items():
        sixteen = connections == "16"
        rows.append(
            Row(
                "25",
                f"API hook list on PostgreSQL, {connections} connections",
                f"{got['rate']:,.0f} req/s, p99 {got['p99']:.1f} ms",
                "",
                "≥ 1,500 req/s, p99 < 20 ms" if sixteen else "p99 < 100 ms",
                (got["rate"] >= 1500 and got["p99"] < 20) if sixteen else got["p99"] < 100,
            )
        )
    return rows


def targets_table(rows: list[Row]) -> str:
    """The Markdown table of targets."""
    lines = [
        "| # | measurement | figure | reference (same run) | target | met |",
        "|---|---|---:|---|---|:-:|",
    ]
    lines += [
        f"| {x.part} | {x.measurement} | {x.figure} | {x.reference} | {x.target} | {_mark(x.ok)} |"
        for x in rows
    ]
    return "\n".join(lines)


def plots(r: Any) -> list[str]:
    """Throughput against concurrency and latency against load; the files written."""
    IMG.mkdir(parents=True, exist_ok=True)
    written = []
    if r.sweep:
        fig, ax = plt.subplots(figsize=(7, 4.2))
        levels = sorted(int(c) for c in r.sweep)
        for key, label in (
            ("wrk", "(a) wrk → nginx"),
            ("bare", "(b) bare aiohttp"),
            ("forgehooks", "forgehooks SQLite, durable"),
        ):
            ax.plot(levels, [r.sweep[str(c)][key] for c in levels], marker="o", label=label)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(levels, [str(c) for c in levels])
        ax.set_xlabel("concurrency (connections / per-host cap)")
        ax.set_ylabel("requests or deliveries per second")
        ax.set_title("Throughput against concurrency, 2 KB POST to nginx 204")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(IMG / "throughput-concurrency.png", dpi=110)
        plt.close(fig)
        written.append("throughput-concurrency.png")
    if r.latency:
        fig, ax = plt.subplots(figsize=(7, 4.2))
        for name, runs in r.latency.items():
            if not runs:
                continue
            xs = [run["offered"] for run in runs]
            short = "SQLite" if name == SQLITE else "PostgreSQL 1 worker"
            ax.plot(xs, [run["p50"] for run in runs], marker="o", label=f"{short} p50")
            ax.plot(xs, [run["p99"] for run in runs], marker="s", linestyle="--", label=f"{short} p99")
        ax.axhline(10, color="grey", linewidth=0.8, linestyle=":")
        ax.axhline(50, color="grey", linewidth=0.8, linestyle=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("offered load (events/s, one hook)")
        ax.set_ylabel("publish → receiver answered (ms)")
        ax.set_title("Delivery latency against load (dotted: 10 ms and 50 ms targets)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(IMG / "latency-load.png", dpi=110)
        plt.close(fig)
        written.append("latency-load.png")
    return written


def _console_section(r: Any, old: str) -> str:
    """The console section: regenerated from this run's bench/console.py, else the previous one."""
    if not r.console:
        found = re.search(r"^## Console\n.*?(?=^## |\Z)", old, re.S | re.M)
        return found.group(0).rstrip() if found else "## Console\n\nNot measured in this run."
    by_page: dict[str, dict[str, tuple[str, str]]] = {}
    for backend, page, p50, p99, _n in r.console:
        by_page.setdefault(page, {})[backend] = (p50, p99)
    lines = [
        "| page | SQLite p50 ms | SQLite p99 ms | PostgreSQL p50 ms | PostgreSQL p99 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for page, got in by_page.items():
        s, p = got.get("sqlite", ("–", "–")), got.get("postgres", ("–", "–"))
        lines.append(f"| {page} | {s[0]} | {s[1]} | {p[0]} | {p[1]} |")
    worst = max(float(row[3]) for row in r.console)
    verdict = "Every page stayed under" if worst < 100 else "At least one page went over"
    return f"""## Console

`bench/console.py` seeds one project with 5 hooks (one per face) and 10,000 deliveries, each
with one recorded attempt, all created within the last hour (the worst case for the
at-a-glance charts), inserted through the store. It then requests every console page
in-process (httpx over ASGI: the whole app, no network) with a session cookie: 3 warm-ups,
then up to 60 timed requests per page (at most 5 s per page). Run:
`.venv/bin/python bench/console.py --backend both`.

Measured {r.started} within `make bench` (same machine and load as above):

{chr(10).join(lines)}

{verdict} 100 ms at p99 in this run (slowest p99: {worst:.1f} ms). Earlier runs at a load average of 8-9
saw the project page (which aggregates all 10,000 deliveries of the hour) reach p99 of
125-150 ms with its p50 under 70 ms: figures on this shared machine vary by up to 2x.

What keeps it there: the charts count deliveries per hook and minute in one grouped
query over `ix_deliveries_project_id_created_at` (`COUNT(*) FILTER`, `date_trunc` on
PostgreSQL); a hook's page filters by the hook alone so both backends use
`ix_deliveries_hook_id_created_at`; the event stream pages events first and counts
deliveries for that page only; each page looks the user's role up once."""


def _kept(old: str, title: str) -> str:
    """A hand-written section of the previous docs, carried over unchanged (or nothing)."""
    found = re.search(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", old, re.S | re.M)
    return found.group(0).rstrip() if found else ""


def _detail_tables(r: Any) -> str:
    out = []
    if r.sweep:
        out += [
            "| concurrency | (a) wrk req/s | (b) bare aiohttp req/s | forgehooks SQLite deliveries/s"
            " | forgehooks of (b) |",
            "|---:|---:|---:|---:|---:|",
        ]
        for c in sorted(r.sweep, key=int):
            x = r.sweep[c]
            out.append(
                f"| {c} | {x['wrk']:,.0f} | {x['bare']:,.0f} | {x['forgehooks']:,.0f}"
                f" | {x['forgehooks'] / x['bare']:.0%} |"
            )
        out.append("")
    if r.latency:
        out += [
            "| backend | offered ev/s | published ev/s | p50 ms | p99 ms | deliveries |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, runs in r.latency.items():
            for run in runs:
                out.append(
                    f"| {name} | {run['offered']:.0f} | {run['published']:.0f}"
                    f" | {run['p50']:.1f} | {run['p99']:.1f} | {run['samples']:.0f} |"
                )
        out.append("")
    if r.api:
        out += [
            "| face | endpoint | req/s | p50 ms | p99 ms | non-2xx | FastAPI ceiling req/s | share |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        paths = {
            "gitcode_v4": "GET /api/v4/projects/{id}/hooks",
            "codeup_v3": "GET /api/v3/projects/{id}/hooks",
            "gitflic": "GET /project/{owner}/{name}/setting/webhook",
            "gitcode_v5": "GET /api/v5/repos/{owner}/{repo}/hooks",
            "codearts_v4": "GET /v4/projects/{hex_id}/hooks",
        }
        for face, got in r.api.items():
            top = got.get("ceiling")  # bench/api.py's bare FastAPI app, measured in the same run
            share = f"{got['rate'] / top:.0%}" if top else "not measured"
            out.append(
                f"| {face} | `{paths[face]}` | {got['rate']:,.0f} | {got['p50']:.1f} | {got['p99']:.1f}"
                f" | {got['non2xx']:.0f} | {_fig(top, '{:,.0f}')} | {share} |"
            )
        if any(got.get("ceiling") for got in r.api.values()):
            out += [
                "",
                "FastAPI ceiling: a bare FastAPI app under the same uvicorn settings (uvloop, httptools,"
                " one process) answering a constant body of the gitcode_v4 page's size, measured by the"
                " same wrk call before and after the faces (mean).",
            ]
        out.append("")
    return "\n".join(out)


def write(r: Any, rows: list[Row]) -> None:
    """Rewrite docs/benchmarks.md (keeping the console section if it was not re-measured)."""
    import json
    from dataclasses import asdict

    old = DOCS.read_text() if DOCS.exists() else ""
    images = plots(r)
    (IMG / "benchmarks.json").write_text(json.dumps(asdict(r), indent=1, default=str) + "\n")
    m, s = r.machine, r.sizes
    failures = "\n".join(f"- **{k}** could not run: {v}" for k, v in r.failures.items())
    failures += "".join(f"\n- {note}" for note in getattr(r, "notes", []) or [])
    missed = [x for x in rows if x.ok is False]
    met = [x for x in rows if x.ok is True]
    text = f"""# forgehooks benchmarks

Latest figures of `make bench` (`bench/run_all.py`); each figure is printed next to a
reference measured in the same run, because the machine is shared and absolute figures
move by up to 2x between runs. Ratios are the figures to compare.

Measured {r.started} on: {m["cores"]} cores ({m["cpu"]}), {m["ram"]} RAM, {m["os"]},
Python {m["python"]}, PostgreSQL {m["postgresql"]}, aiohttp {m["aiohttp"]}; load average
at the start {m["load"]} (other engineers' test runs share the machine). The whole run took
{sum(r.seconds.values()) / 60:.0f} minutes.

## Summary

{len(met)} targets met, {len(missed)} missed (✗), – = reference or not measured.

{targets_table(rows)}

{failures}

{_kept(old, "Where the time goes")}

## Method

Everything runs on 127.0.0.1. The receiver is nginx (Debian; `bench/receivers/nginx.conf`,
one worker process) answering 204 to every POST; bodies are about 2 KB.

1. **References.** (a) wrk, 2 threads and {64} connections, POSTs the same 2 KB body for
   {s["wrk_seconds"]:.0f} s (`bench/receivers/post.lua`): the loopback limit. (b) one aiohttp session
   under uvloop (the loop `forgehooks worker` and `serve` use), {64} concurrent senders, no
   database, {s["bare"]:,} requests: the Python ceiling the issues' targets are set against.
   (b') the same loop over forgehooks' sender (`engine/sender.py` on libcurl, through
   pycurl's multi interface) with a delivery's usual six headers, no database: what the
   worker's HTTP client alone can do. The worker no longer uses aiohttp to send, so (b')
   is its real ceiling, and a share of (b) above 100% is possible.
2. **Durable delivery.** {s["events"]:,} push events (three commits, about 2 KB rendered) to
   {s["hooks"]} hooks = {s["events"] * s["hooks"]:,} deliveries are published first; then the worker(s)
   start, and the rate is the number of recorded attempts over the time from the first
   attempt's start to the last delivery's record (every attempt written to the attempt log,
   every delivery's state updated). Each row runs {s.get("durable_rounds", 1)} rounds, each
   bracketed by the bare loop (b) right before and right after it ({s["bare"]:,} requests
   each, once the disk has taken the last run's writes and a second has passed): the
   machine's speed drifts within minutes (consecutive bare loops gave 7,300 to 17,200
   req/s), so a round's share is its rate over the mean of its two brackets, and the row
   shows the median rate and the median share. SQLite runs the embedded worker in the benchmark's
   process (as `forgehooks serve` does); PostgreSQL runs separate `forgehooks worker`
   processes. Default settings (512 sends in flight, 64 connections per receiver host).
   The sweep repeats the SQLite run ({s["sweep_events"]} events × {s["hooks"]} hooks) with the per-host cap
   set to each concurrency level, next to wrk and the bare loop at the same concurrency.
3. **Fan-out.** One project with {s["fanout_hooks"]:,} hooks (limit raised for the test); the worker
   is proven up by a warm-up delivery; then one event is published {s["fanout_rounds"]} time(s), each
   after the previous one is fully delivered. Publish time is the `publish()` call (event,
   rendered body and {s["fanout_hooks"]:,} delivery rows in one transaction); "to last delivery
   recorded" runs from just before `publish()` to the largest `updated_at` of its deliveries.
   Medians are shown.
4. **Latency.** One hook; events published open loop at the offered rate for
   {s["latency_seconds"]:.0f} s (at most 16 publishes in flight, so an overloaded publisher lowers the
   rate actually published, shown beside it; publishing stops after twice that time plus 1 s);
   latency is the event's time stamp (taken just
   before publish) to the end of its attempt (the receiver's answer), from the attempt log.
   SQLite: publisher and embedded worker in one process, as in `forgehooks serve`;
   PostgreSQL: publisher here, one `forgehooks worker` process. Each rate starts once the
   disk has taken the previous runs' writes and a second has passed.
5. **Hard receivers.** SQLite, embedded worker, {s["hard_hooks"]} hooks, {s["hard_events"]} events; in the
   second run 10% of the hooks point at a receiver that accepts connections and never answers (each
   attempt times out after the default 10 s). The rate counts only the healthy hooks'
   deliveries, from the first attempt to the last healthy one recorded.
6. **API.** `forgehooks serve` (one process, SQLite, as shipped: uvicorn with uvloop and
   httptools, access log on, embedded worker idle) with one project of 100 hooks (20 made
   through each face); wrk, 2 threads, {s["api_connections"]} connections, {s["api_seconds"]:.0f} s per face,
   each face's own credential, default page. The per-token rate limit is switched off
   (`FORGEHOOKS_API_RATE_LIMIT=0`); with the default 2,000/minute wrk would measure 429s.
7. **Growth.** As 2 ({s["growth_events"]} events × {s["hooks"]} hooks), on an empty log and on one where
   {s["growth_rows"]:,} finished delivery rows of the same hooks were bulk-inserted (INSERT ...
   SELECT generate_series on PostgreSQL, executemany on SQLite, then ANALYZE); both databases
   stay open and are measured in turn, {s.get("growth_rounds", 1)} rounds each, and the medians compared (one
   run of each varied by up to 40% on this shared machine).
8. **Celery baseline.** What a user would otherwise build: a Celery 5 task per delivery,
   Redis broker, `requests.Session` POST to the same nginx, a small log entry per attempt
   in Redis; a prefork worker with {s["celery_concurrency"]} processes, run as a subprocess;
   {s["celery_tasks"]:,} deliveries enqueued first, rate from the first task's start to the last one's end.
9. **Memory.** One `forgehooks worker` process on PostgreSQL, concurrency and per-host cap
   raised to {s["memory_in_flight"]:,}, against a receiver that accepts and never answers; peak RSS
   (VmHWM) once {s["memory_in_flight"]:,} connections are open. The reference is a bare aiohttp
   process (`bench/bare_holder.py`, no database) holding as many POSTs open to the same receiver.

## Plots

![throughput against concurrency](img/throughput-concurrency.png)

![latency against load](img/latency-load.png)

## Details

{_detail_tables(r)}
Raw figures of this run: `docs/img/benchmarks.json`.

{_console_section(r, old)}
"""
    if not images:
        text = text.replace("![throughput against concurrency](img/throughput-concurrency.png)\n\n", "")
        text = text.replace("![latency against load](img/latency-load.png)\n", "")
    DOCS.write_text(re.sub(r"\n{3,}", "\n\n", text))
