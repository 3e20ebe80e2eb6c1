"""API throughput: wrk against each face's hook-list endpoint of one `forgehooks serve` on SQLite.

    .venv/bin/python bench/api.py [--seconds 5] [--connections 16]

One project with 100 hooks (20 made through each face); wrk (2 threads) sends the list
request with the face's own credential for `--seconds` per face. The per-token rate limit
is switched off (FORGEHOOKS_API_RATE_LIMIT=0), otherwise wrk measures the 429 path.

The same run measures the FastAPI ceiling (bench/ceiling.py: a bare FastAPI app under the
same uvicorn settings answering the gitcode_v4 page's bytes as a constant) before and after
the faces; each face's result carries their mean as `ceiling` (req/s) and `ceiling_p99`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import uvloop
from delivery import FORGEHOOKS, free_port, stop_all, store, wait_port, wrk

from forgehooks.core.hooks import HookSpec
from forgehooks.services import accounts, hooks, projects

FACES = ("gitcode_v4", "codeup_v3", "gitflic", "gitcode_v5", "codearts_v4")
ORG = "bench-org"


def endpoints(base: str, token: str, project: Any) -> dict[str, tuple[str, list[str]]]:
    """Each face's hook-list URL and wrk header arguments."""
    owner, name = project.path.split("/")
    return {
        "gitcode_v4": (f"{base}/api/v4/projects/{project.id}/hooks", ["-H", f"PRIVATE-TOKEN: {token}"]),
        "codeup_v3": (
            f"{base}/api/v3/projects/{project.id}/hooks?AccessToken={token}&OrganizationId={ORG}",
            [],
        ),
        "gitflic": (
            f"{base}/project/{owner}/{name}/setting/webhook",
            ["-H", f"Authorization: token {token}"],
        ),
        "gitcode_v5": (f"{base}/api/v5/repos/{owner}/{name}/hooks?access_token={token}", []),
        "codearts_v4": (f"{base}/v4/projects/{project.hex_id}/hooks", ["-H", f"X-Auth-Token: {token}"]),
    }


def fetch(url: str, headers: list[str]) -> tuple[int, bytes]:
    """The status and body of one request (must be 200 before wrk is worth running)."""
    request = urllib.request.Request(url)
    for header in headers[1::2]:
        key, _, value = header.partition(": ")
        request.add_header(key, value)
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status), response.read()


def check(url: str, headers: list[str]) -> int:
    """The status of one request."""
    return fetch(url, headers)[0]


def ceiling(body: bytes, seconds: float, connections: int) -> dict[str, float]:
    """wrk against bench/ceiling.py answering `body` (the same wrk call as for the faces)."""
    port = free_port()
    with tempfile.NamedTemporaryFile(suffix=".json") as page:
        Path(page.name).write_bytes(body)
        command = [sys.executable, str(Path(__file__).with_name("ceiling.py")), "--port", str(port)]
        server = subprocess.Popen(
            [*command, "--body", page.name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            if not wait_port(port, 60):
                raise RuntimeError("the FastAPI ceiling app did not start within 60 s")
            return wrk(f"http://127.0.0.1:{port}/api/v4/projects/1/hooks", seconds, connections)
        finally:
            stop_all([server], 15)


def with_ceiling(results: dict[str, dict[str, float]], runs: list[dict[str, float]]) -> None:
    """Each face's figures with the ceiling's mean of `runs` (before and after the faces)."""
    rate = sum(r["rate"] for r in runs) / len(runs)
    p99 = sum(r["p99"] for r in runs) / len(runs)
    each = ", ".join(f"{r['rate']:,.0f}" for r in runs)
    print(f"  FastAPI ceiling: {rate:,.0f} req/s, p99 {p99:.1f} ms (before, after: {each})")
    for face, r in results.items():
        r["ceiling"], r["ceiling_p99"] = rate, p99
        print(f"  {face}: {r['rate'] / rate:.0%} of the FastAPI ceiling")


def serve(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`forgehooks serve` (API, console and its embedded worker) as shipped, logs discarded."""
    return subprocess.Popen(
        [str(FORGEHOOKS), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def seeded(rt: Any, hook_count: int) -> tuple[str, Any]:
    """An admin's token and a project with `hook_count` hooks, made through the faces in turn."""
    user = await accounts.create_user(rt, "bench", is_admin=True)
    token = (await accounts.issue_token(rt, user)).value
    project = await projects.create_project(rt, user, "bench/widgets", organization_id=ORG)
    for n in range(hook_count):
        spec = HookSpec(url=f"http://127.0.0.1:9/hook-{n}", secret="s", name=f"hook {n}")
        await hooks.create_hook(rt, project, spec, FACES[n % len(FACES)])
    return token, project


def environment(settings: Any) -> dict[str, str]:
    """The service's settings as its environment, the rate limit off (else wrk measures 429s)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("FORGEHOOKS_")} | {
        "FORGEHOOKS_DATABASE_URL": settings.resolved_database_url,
        "FORGEHOOKS_DATABASE_SCHEMA": settings.database_schema,
        "FORGEHOOKS_DATA_DIR": str(settings.data_dir),
        "FORGEHOOKS_API_RATE_LIMIT": "0",
    }


async def run(seconds: float, connections: int, hook_count: int = 100) -> dict[str, dict[str, float]]:
    """requests/s, p50 and p99 (ms), non-2xx per face, and the FastAPI ceiling of the same run."""
    results: dict[str, dict[str, float]] = {}
    async with store("sqlite", api_rate_limit=0) as (rt, settings):
        token, project = await seeded(rt, hook_count)
        port = free_port()
        env = environment(settings) | {"FORGEHOOKS_ALLOW_LOCAL_TARGETS": "true"}
        server = serve(port, env)
        try:
            if not await asyncio.to_thread(wait_port, port, 60):
                raise RuntimeError("forgehooks serve did not start within 60 s")
            urls = endpoints(f"http://127.0.0.1:{port}", token, project)
            status, page = await asyncio.to_thread(fetch, *urls["gitcode_v4"])
            if status != 200:
                raise RuntimeError(f"gitcode_v4: GET answered {status}")
            runs = [await asyncio.to_thread(ceiling, page, seconds, connections)]
            for face, (url, headers) in urls.items():
                status = await asyncio.to_thread(check, url, headers)
                if status != 200:
                    raise RuntimeError(f"{face}: GET answered {status}")
                results[face] = await asyncio.to_thread(wrk, url, seconds, connections, headers)
                r = results[face]
                print(f"  {face}: {r['rate']:,.0f} req/s, p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms")
        finally:
            await asyncio.to_thread(stop_all, [server], 15)
    runs.append(await asyncio.to_thread(ceiling, page, seconds, connections))
    with_ceiling(results, runs)
    return results


async def run_postgres(
    seconds: float, connections: tuple[int, ...], hook_count: int = 100
) -> dict[str, dict[str, float]]:
    """The gitcode_v4 hook list on PostgreSQL (one `serve`, no workers) at each connection count."""
    results: dict[str, dict[str, float]] = {}
    async with store("postgres", api_rate_limit=0) as (rt, settings):
        token, project = await seeded(rt, hook_count)
        port = free_port()
        env = environment(settings) | {"FORGEHOOKS_EMBEDDED_WORKER": "false"}
        server = serve(port, env)
        try:
            if not await asyncio.to_thread(wait_port, port, 60):
                raise RuntimeError("forgehooks serve did not start within 60 s")
            url, headers = endpoints(f"http://127.0.0.1:{port}", token, project)["gitcode_v4"]
            if (status := await asyncio.to_thread(check, url, headers)) != 200:
                raise RuntimeError(f"gitcode_v4 on PostgreSQL: GET answered {status}")
            for count in connections:
                got = results[str(count)] = await asyncio.to_thread(wrk, url, seconds, count, headers)
                print(
                    f"  PostgreSQL gitcode_v4 list, {count} connections: {got['rate']:,.0f} req/s,"
                    f" p50 {got['p50']:.1f} ms, p99 {got['p99']:.1f} ms"
                )
        finally:
            await asyncio.to_thread(stop_all, [server], 15)
    return results


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    uvloop.run(run(args.seconds, args.connections))


if __name__ == "__main__":
    main()
