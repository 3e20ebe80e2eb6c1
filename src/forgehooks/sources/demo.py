"""`forgehooks demo`: a project, hooks through every face, a real git push, and what arrived.

Everything goes through the running service's public HTTP APIs, as a newcomer's own
scripts would; the receiver runs inside the demo process on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from rich.console import Console
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table

from forgehooks.sources import post_receive

NATIVE = "/api/forgehooks/v1"
DEMO_SECRET = "demo-secret"
#: headers worth showing: platform event names, tokens, signatures, delivery ids
#: the pushes the demo makes: branch create, tag create, push
PUSHES = ("main", "v0.1.0", "main")
SHOWN_HEADER_MARKS = ("event", "token", "signature", "delivery", "secret", "user-agent", "content-type")


@dataclass(frozen=True, slots=True)
class Captured:
    """One request the demo receiver got."""

    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class FaceHook:
    """The outcome of creating one hook through one face."""

    face: str
    title: str
    status: str  # created | skipped | failed
    detail: str = ""


@dataclass(slots=True)
class DemoResult:
    """What the demo did and saw."""

    project: dict[str, Any] = field(default_factory=dict)
    hooks: list[FaceHook] = field(default_factory=list)
    received: dict[str, list[Captured]] = field(default_factory=dict)
    pushed: list[str] = field(default_factory=list)  # commit titles, oldest first

    @property
    def ok(self) -> bool:
        """Every hook that could be created got at least one delivery."""
        created = [h for h in self.hooks if h.status == "created"]
        return bool(created) and all(self.received.get(h.face) for h in created)


class DemoReceiver:
    """An HTTP receiver on 127.0.0.1:0; each face's hook posts to /<face>."""

    def __init__(self) -> None:
        self.received: dict[str, list[Captured]] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _take(self, request: web.Request) -> web.Response:
        face = request.match_info["face"]
        self.received.setdefault(face, []).append(Captured(dict(request.headers), await request.read()))
        return web.Response(text="received by the forgehooks demo")

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application()
        app.router.add_post("/{face}", self._take)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()


def face_requests(
    project: dict[str, Any], token: str, target: str
) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(face, title, path, request options) creating a push + tag push hook through each face's API."""
    pid, hex_id, org = project["id"], project["hex_id"], project["organization_id"]
    owner, name = project["owner"], project["name"]
    gitlab_flags = {"push_events": True, "tag_push_events": True}
    return [
        (
            "gitcode_v4",
            "GitCode v4",
            f"/api/v4/projects/{pid}/hooks",
            {
                "headers": {"PRIVATE-TOKEN": token},
                "json": {"url": f"{target}/gitcode_v4", "token": DEMO_SECRET, **gitlab_flags},
            },
        ),
        (
            "codeup_v3",
            "Codeup v3",
            f"/api/v3/projects/{pid}/hooks",
            {
                "params": {"AccessToken": token, "OrganizationId": org},
                "json": {"url": f"{target}/codeup_v3", "secret_token": DEMO_SECRET, **gitlab_flags},
            },
        ),
        (
            "gitflic",
            "GitFlic",
            f"/project/{owner}/{name}/setting/webhook",
            {
                "headers": {"Authorization": f"token {token}"},
                "json": {
                    "url": f"{target}/gitflic",
                    "secret": DEMO_SECRET,
                    "events": {
                        "PUSH": True,
                        "BRANCH_CREATE": True,
                        "BRANCH_UPDATE": True,
                        "TAG_CREATE": True,
                    },
                },
            },
        ),
        (
            "gitcode_v5",
            "GitCode v5",
            f"/api/v5/repos/{owner}/{name}/hooks",
            {
                "params": {"access_token": token},
                "json": {
                    "url": f"{target}/gitcode_v5",
                    "encryption_type": 1,
                    "password": DEMO_SECRET,
                    **gitlab_flags,
                },
            },
        ),
        (
            "codearts_v4",
            "CodeArts Repo v4",
            f"/v4/projects/{hex_id}/hooks",
            {
                "headers": {"X-Auth-Token": token},
                "json": {
                    "url": f"{target}/codearts_v4",
                    "name": "forgehooks demo",
                    "token": DEMO_SECRET,
                    "token_type": "X-Repo-Token",
                    "push_events_branch_regex_filter": ".*",
                    **gitlab_flags,
                },
            },
        ),
    ]


async def _json_call(http: aiohttp.ClientSession, method: str, url: str, **options: Any) -> Any:
    async with http.request(method, url, **options) as response:
        text = await response.text()
        if response.status >= 300:
            raise RuntimeError(f"{method} {url} answered {response.status}: {text[:300]}")
        return json.loads(text) if text else None


async def create_face_hook(
    http: aiohttp.ClientSession, base: str, face: str, title: str, path: str, options: dict[str, Any]
) -> FaceHook:
    """Create one hook through one face; a 404 means the face is not served and is skipped."""
    try:
        async with http.post(base + path, **options) as response:
            text = await response.text()
    except aiohttp.ClientError as exc:
        return FaceHook(face, title, "failed", str(exc))
    if response.status == 404:
        return FaceHook(face, title, "skipped", f"POST {path} answered 404: face not served here")
    if response.status >= 300:
        return FaceHook(face, title, "failed", f"HTTP {response.status}: {text[:200]}")
    return FaceHook(face, title, "created", f"POST {path} answered {response.status}")


def push_demo_commits(
    workdir: Path, project_path: str, base: str, git_token: str, user: dict[str, Any]
) -> list[str]:
    """A bare repository with the hook installed, and a clone pushing a branch, a tag and more commits."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    who = user.get("name") or user["username"]
    email = user.get("email") or f"{user['username']}@example.com"
    env.update(GIT_AUTHOR_NAME=who, GIT_AUTHOR_EMAIL=email, GIT_COMMITTER_NAME=who, GIT_COMMITTER_EMAIL=email)
    bare, clone = workdir / "demo.git", workdir / "work"

    def git(*args: str, cwd: Path = clone) -> None:
        subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=120)

    git("init", "-q", "--bare", "-b", "main", str(bare), cwd=workdir)
    post_receive.install(bare, project_path, base, git_token)
    git("clone", "-q", str(bare), str(clone), cwd=workdir)
    git("symbolic-ref", "HEAD", "refs/heads/main")
    titles = ["Add a README", "Add the widget module", "Document the widget"]
    files = {"README.md": "# Demo\n", "widget.py": "WIDTH = 3\n", "docs.md": "Widgets.\n"}
    for title, (name, content) in zip(titles, files.items(), strict=True):
        (clone / name).write_text(content)
        git("add", name)
        git("commit", "-q", "-m", f"{title}\n\nMade by `forgehooks demo`.")
    git("push", "-q", "origin", "main")
    git("tag", "-a", "v0.1.0", "-m", "First demo release")
    git("push", "-q", "origin", "v0.1.0")
    (clone / "README.md").write_text("# Demo\n\nNow with a changelog.\n")
    git("commit", "-q", "-am", "Update the README")
    git("push", "-q", "origin", "main")
    return [*titles, "Update the README"]


async def _wait_for_deliveries(result: DemoResult, receiver: DemoReceiver, wait: float) -> None:
    created = [h.face for h in result.hooks if h.status == "created"]
    deadline = time.monotonic() + wait
    last_count, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = sum(len(v) for v in receiver.received.values())
        if count != last_count:
            last_count, quiet_since = count, time.monotonic()
        everyone = all(receiver.received.get(face) for face in created)
        native_done = len(receiver.received.get("forgehooks", [])) >= len(PUSHES)
        if everyone and native_done and time.monotonic() - quiet_since > 1:
            return
        await asyncio.sleep(0.1)


async def _create_project(
    http: aiohttp.ClientSession, base: str, auth: dict[str, str], out: Console
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The token's user, a fresh demo project, and a new token for the git hook."""
    user = await _json_call(http, "GET", f"{base}{NATIVE}/user", headers=auth)
    path = f"{user['username']}/demo-{secrets.token_hex(3)}"
    body = {"path": path, "description": "Made by forgehooks demo", "organization_id": "forgehooks-demo"}
    project = await _json_call(http, "POST", f"{base}{NATIVE}/projects", headers=auth, json=body)
    out.print(f"[bold]Project[/bold] {path}: id {project['id']}, hex {project['hex_id']}")
    issued = await _json_call(
        http, "POST", f"{base}{NATIVE}/tokens", headers=auth, json={"name": f"git-hook {path}"}
    )
    out.print(f"[bold]Token[/bold] for the git hook: {issued['token'][:8]}… (id {issued['id']})")
    return user, project, issued["token"]


async def _create_hooks(
    http: aiohttp.ClientSession, base: str, token: str, project: dict[str, Any], target: str
) -> list[FaceHook]:
    """A native hook, then one hook through each face that is served."""
    native = {"url": f"{target}/forgehooks", "secret": DEMO_SECRET, "events": list(_REF_KINDS)}
    hooks_url = f"{base}{NATIVE}/projects/{project['id']}/hooks"
    await _json_call(http, "POST", hooks_url, headers={"Authorization": f"Bearer {token}"}, json=native)
    made = [FaceHook("forgehooks", "forgehooks native", "created", "canonical JSON")]
    for face, title, route, options in face_requests(project, token, target):
        made.append(await create_face_hook(http, base, face, title, route, options))
    return made


async def run_demo(base: str, token: str, out: Console, *, wait: float = 20.0) -> DemoResult:
    """Run the whole demo against the service at `base` with an existing user's `token`."""
    base = base.rstrip("/")
    result = DemoResult()
    receiver = DemoReceiver()
    await receiver.start()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            auth = {"Authorization": f"Bearer {token}"}
            user, result.project, git_token = await _create_project(http, base, auth, out)
            result.hooks = await _create_hooks(http, base, token, result.project, receiver.url)
        _print_hooks(out, result.hooks)
        with tempfile.TemporaryDirectory(prefix="forgehooks-demo-") as workdir:
            out.print("[bold]Pushing[/bold] a branch, a tag and a commit to a real repository…")
            result.pushed = await asyncio.to_thread(
                push_demo_commits, Path(workdir), result.project["path"], base, git_token, user
            )
            await _wait_for_deliveries(result, receiver, wait)
    finally:
        await receiver.stop()
    result.received = receiver.received
    _print_received(out, result)
    return result


_REF_KINDS = ("push", "branch_create", "branch_delete", "tag_push", "tag_create", "tag_delete")


def _print_hooks(out: Console, hooks: list[FaceHook]) -> None:
    table = Table(title="Hooks created through each face")
    for column in ("face", "status", "detail"):
        table.add_column(column)
    colour = {"created": "green", "skipped": "yellow", "failed": "red"}
    for hook in hooks:
        table.add_row(hook.title, f"[{colour[hook.status]}]{hook.status}[/]", hook.detail)
    out.print(table)


def _excerpt(body: bytes, lines: int = 24) -> str:
    try:
        text = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        text = body.decode("utf-8", "replace")
    cut = text.splitlines()
    return "\n".join(cut[:lines] + ([f"… ({len(cut) - lines} more lines)"] if len(cut) > lines else []))


def _print_received(out: Console, result: DemoResult) -> None:
    for hook in result.hooks:
        if hook.status != "created":
            continue
        got = result.received.get(hook.face, [])
        if not got:
            out.print(Panel(f"[red]nothing arrived[/red] for {hook.title}", title=hook.title))
            continue
        first = got[0]
        kinds = ", ".join(c.headers.get("X-Forgehooks-Event", "?") for c in got)
        shown = {k: v for k, v in first.headers.items() if any(m in k.lower() for m in SHOWN_HEADER_MARKS)}
        header_text = "\n".join(f"{k}: {v}" for k, v in sorted(shown.items()))
        out.print(
            Panel(
                Syntax(header_text + "\n\n" + _excerpt(first.body), "json", word_wrap=True),
                title=f"{hook.title}: {len(got)} request(s) ({kinds}); the first one",
            )
        )
    out.print(f"Pushed commits: {', '.join(result.pushed)}")
    if result.ok:
        out.print("[bold green]Every hook got its deliveries.[/bold green]")
    else:
        out.print("[bold red]Some hooks got nothing[/bold red] (is FORGEHOOKS_ALLOW_LOCAL_TARGETS=true set?)")
