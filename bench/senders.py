"""The sender comparison: the worker's durable delivery rate over each candidate HTTP client.

    .venv/bin/python bench/senders.py [--rounds 3] [--events 1000] [--hooks 10] [--only NAME,NAME]

Each candidate is put under the real worker in place of `engine/sender.py`'s client, with
the same small job (POST the body, headers as given, no redirects, response read up to
the cap, an `Outcome` back), and measured as `bench/delivery.py` measures forgehooks:
events published first, then delivered and recorded, on SQLite (embedded worker) and on
PostgreSQL (one `worker` process). The machine is shared and its speed drifts, so every
round runs every candidate back to back in a rotated order, and each figure is reported
as a ratio to the own client measured in the same round; the table gives medians.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))

import delivery
import own_client as own_client_module

from forgehooks.config import Settings
from forgehooks.core.deliveries import Outcome
from forgehooks.engine.sender import RESPONSE_BODY_CAP, Sender, clean_text
from forgehooks.services.runtime import Runtime
from forgehooks.store.tables import deliveries

BASELINE = "own HTTP/1.1 client (before)"
LIBCURL = "pycurl multi (engine/sender.py)"


class Candidate(Protocol):
    """What the worker asks of its sender."""

    per_host_limit: int

    async def send(
        self, url: str, headers: Mapping[str, str], body: bytes, *, ssl_verify: bool, tls: object = None
    ) -> Outcome:
        """POST `body`; an outcome, never an exception for network trouble."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def _failed(exc: BaseException, started: float) -> Outcome:
    return Outcome(
        error=f"{type(exc).__name__}: {exc}"[:500], duration_ms=(time.perf_counter() - started) * 1000
    )


class AiohttpCandidate:
    """aiohttp's ClientSession, one connector capped per host."""

    def __init__(self, per_host_limit: int, timeout: float) -> None:
        self.per_host_limit = per_host_limit
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def send(
        self, url: str, headers: Mapping[str, str], body: bytes, *, ssl_verify: bool, tls: object = None
    ) -> Outcome:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=0, limit_per_host=self.per_host_limit)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self.timeout, auto_decompress=False
            )
        started = time.perf_counter()
        try:
            async with self._session.post(
                url, data=body, headers=dict(headers), allow_redirects=False, ssl=ssl_verify
            ) as response:
                raw = await response.content.read(RESPONSE_BODY_CAP)
                return Outcome(
                    status=response.status,
                    headers=dict(response.headers.items()),
                    body=clean_text(raw),
                    duration_ms=(time.perf_counter() - started) * 1000,
                )
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return _failed(exc, started)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class CurlCffiCandidate:
    """curl-cffi's AsyncSession (libcurl's multi interface driven by the asyncio loop)."""

    def __init__(self, per_host_limit: int, timeout: float) -> None:
        self.per_host_limit = per_host_limit
        self.timeout = timeout
        self._session: Any = None

    async def send(
        self, url: str, headers: Mapping[str, str], body: bytes, *, ssl_verify: bool, tls: object = None
    ) -> Outcome:
        from curl_cffi import CurlError
        from curl_cffi.requests import AsyncSession

        if self._session is None:
            self._session = AsyncSession(max_clients=self.per_host_limit)
        started = time.perf_counter()
        try:
            response = await self._session.post(
                url,
                data=body,
                headers={**headers, "Expect": ""},
                allow_redirects=False,
                verify=ssl_verify,
                timeout=self.timeout,
                accept_encoding=None,
                default_headers=False,
            )
        except (CurlError, OSError) as exc:
            return _failed(exc, started)
        return Outcome(
            status=response.status_code,
            headers=dict(response.headers.items()),
            body=clean_text(response.content[:RESPONSE_BODY_CAP]),
            duration_ms=(time.perf_counter() - started) * 1000,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class PyreqwestCandidate:
    """pyreqwest's Client (Rust's reqwest and hyper on their own tokio runtime)."""

    def __init__(self, per_host_limit: int, timeout: float) -> None:
        self.per_host_limit = per_host_limit
        self.timeout = timeout
        self._client: Any = None

    async def send(
        self, url: str, headers: Mapping[str, str], body: bytes, *, ssl_verify: bool, tls: object = None
    ) -> Outcome:
        from datetime import timedelta

        from pyreqwest.client import ClientBuilder
        from pyreqwest.exceptions import PyreqwestError

        if self._client is None:
            self._client = (
                ClientBuilder()
                .error_for_status(False)
                .follow_redirects(False)
                .max_connections(self.per_host_limit)
                .timeout(timedelta(seconds=self.timeout))
                .http1_only()
                .build()
            )
        started = time.perf_counter()
        try:
            request = self._client.post(url).headers(dict(headers)).body_bytes(body).build()
            response = await request.send()
            raw = await response.bytes()
        except PyreqwestError as exc:
            return _failed(exc, started)
        return Outcome(
            status=response.status,
            headers=dict(response.headers.items()),
            body=clean_text(bytes(raw)[:RESPONSE_BODY_CAP]),
            duration_ms=(time.perf_counter() - started) * 1000,
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


def own_client(per_host_limit: int, timeout: float) -> Candidate:
    """The sender before the move to libcurl: forgehooks' own HTTP/1.1 client."""
    return own_client_module.Sender(allow_local=True, total_timeout=timeout, per_host_limit=per_host_limit)


def libcurl(per_host_limit: int, timeout: float) -> Candidate:
    """The sender the worker uses: `engine/sender.py`, pycurl's multi interface under the policy."""
    return Sender(allow_local=True, total_timeout=timeout, per_host_limit=per_host_limit)


CANDIDATES: dict[str, Callable[[int, float], Candidate]] = {
    BASELINE: own_client,
    LIBCURL: libcurl,
    "aiohttp": AiohttpCandidate,
    "curl-cffi": CurlCffiCandidate,
    "pyreqwest": PyreqwestCandidate,
}


def build(name: str, settings: Settings) -> Candidate:
    """Candidate `name` with the settings' per-host cap and timeout."""
    return CANDIDATES[name](settings.per_host_limit, settings.send_timeout)


# -- a worker process over a chosen candidate ------------------------------------------------
def serve_worker(name: str) -> None:
    """`forgehooks worker` as the CLI runs it, with candidate `name` as its sender."""
    from forgehooks.cli import delivery_runtime

    settings = Settings()

    async def main() -> None:
        rt = delivery_runtime(settings)
        rt.sender = build(name, settings)  # type: ignore[assignment]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await rt.new_worker().run(stop)
        finally:
            await rt.close()

    uvloop.run(main())


@contextlib.asynccontextmanager
async def delivering(rt: Runtime, settings: Settings, name: str, process: bool) -> AsyncIterator[None]:
    """The embedded worker over candidate `name`, or one worker process over it."""
    if not process:
        rt.sender = build(name, settings)  # type: ignore[assignment]
        async with delivery.delivering(rt, settings, 0):
            yield
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORGEHOOKS_")} | {
        "FORGEHOOKS_DATABASE_URL": settings.resolved_database_url,
        "FORGEHOOKS_DATABASE_SCHEMA": settings.database_schema,
        "FORGEHOOKS_DATA_DIR": str(settings.data_dir),
        "FORGEHOOKS_ALLOW_LOCAL_TARGETS": "true",
    }
    command = [sys.executable, __file__, "--serve-worker", name]
    worker = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)  # noqa: ASYNC220 - returns at once
    try:
        yield
    finally:
        await asyncio.to_thread(delivery.stop_all, [worker], 30)


async def durable(url: str, backend: str, name: str, events: int, hooks: int) -> float:
    """Deliveries/s of the worker over candidate `name` (as `delivery.durable`)."""
    async with delivery.store(backend) as (rt, settings):
        user, project, _ = await delivery.seeded(rt, [url] * hooks)
        await delivery.publish_many(rt, user, project, events, 4 if backend == "postgres" else 1)
        async with delivering(rt, settings, name, backend == "postgres"):
            if not await delivery.drained(rt, 300):
                print(f"  {name}: not every delivery was recorded within 300 s", file=sys.stderr)
        rate, _ = await delivery.recorded_rate(rt)
        unsent = await delivery.count_where(rt, deliveries.c.state != "succeeded")
        if unsent:  # a rate of failures measures nothing of a sender
            raise RuntimeError(f"{name} on {backend}: {unsent} deliveries did not succeed")
        return rate


async def check(url: str, name: str) -> str:
    """'' if candidate `name` delivers to `url`, else why not."""
    try:
        candidate = CANDIDATES[name](4, 10.0)
        try:
            outcome = await candidate.send(url, delivery.DELIVERY_HEADERS, delivery.BODY, ssl_verify=True)
        finally:
            await candidate.close()
    except ImportError as exc:  # a candidate library not installed here
        return f"not installed: {exc.name}"
    return (
        ""
        if outcome.status is not None and outcome.status < 300
        else outcome.error or f"HTTP {outcome.status}"
    )


BACKENDS = (("SQLite, embedded worker", "sqlite"), ("PostgreSQL, 1 worker process", "postgres"))


async def compare(url: str, names: list[str], rounds: int, events: int, hooks: int) -> dict[str, Any]:
    """Per backend and candidate: every round's rate and its ratio to the own client."""
    rates: dict[str, dict[str, list[float]]] = {b: {n: [] for n in names} for b, _ in BACKENDS}
    ratios: dict[str, dict[str, list[float]]] = {b: {n: [] for n in names} for b, _ in BACKENDS}
    for number in range(rounds):
        order = names[number % len(names) :] + names[: number % len(names)]
        for label, backend in BACKENDS:
            got = {}
            for name in order:
                await asyncio.to_thread(os.sync)
                await asyncio.sleep(0.5)
                got[name] = await durable(url, backend, name, events, hooks)
            base = got.get(BASELINE) or 0.0
            for name, rate in got.items():
                rates[label][name].append(rate)
                ratios[label][name].append(rate / base if base else float("nan"))
            print(
                f"round {number + 1}, {label}: "
                + ", ".join(f"{n} {got[n]:,.0f}/s ({got[n] / base:.2f})" for n in names if base),
                flush=True,
            )
    return {"rates": rates, "ratios": ratios}


def table(result: dict[str, Any], names: list[str]) -> str:
    """The comparison as a Markdown table: median rate and median ratio to the own client."""
    lines = [
        "| sender | " + " | ".join(f"{label}: deliveries/s, x own client" for label, _ in BACKENDS) + " |",
        "|---|" + "---|" * len(BACKENDS),
    ]
    for name in names:
        cells = []
        for label, _ in BACKENDS:
            rate = statistics.median(result["rates"][label][name])
            ratio = statistics.median(result["ratios"][label][name])
            cells.append(f"{rate:,.0f} ({ratio:.2f})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> str:
    """Check each candidate, compare them, print the table."""
    wanted = [n for n in args.only.split(",") if n] if args.only else list(CANDIDATES)
    names = [BASELINE] + [n for n in wanted if n != BASELINE]
    problem = await asyncio.to_thread(delivery.ensure_tools)
    if problem:
        raise RuntimeError(problem)
    with delivery.nginx() as url:
        for name in list(names):
            why = await check(url, name)
            if why:
                print(f"!! {name} left out: {why}")
                names.remove(name)
        result = await compare(url, names, args.rounds, args.events, args.hooks)
    text = table(result, names)
    print(f"\nmedians of {args.rounds} rounds, {args.events} events x {args.hooks} hooks:\n{text}")
    return text


def main() -> None:
    """Parse arguments and run (or serve one worker process for a run)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--hooks", type=int, default=10)
    parser.add_argument(
        "--only", default="", help="comma-separated candidates (the own client always runs, as the reference)"
    )
    parser.add_argument("--serve-worker", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_worker:
        serve_worker(args.serve_worker)
        return
    uvloop.run(run(args))


if __name__ == "__main__":
    main()
