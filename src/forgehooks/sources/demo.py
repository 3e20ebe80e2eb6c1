"""`forgehooks demo`: a project, hooks through every face, a real git push, and what arrived.

Everything goes through the running service's public HTTP APIs, as a newcomer's own
scripts would; the receiver runs inside the demo process on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web
from rich.console import Console
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table

from forgehooks.sources import post_receive

NATIVE = "/api/forgehooks/v1"
DEMO_SECRET = "demo-secret"
#: the demo's project, under the token's user; each run replaces its hooks
DEMO_PROJECT = "forgehooks-demo"
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
    """An HTTP receiver on 127.0.0.1 (a free port by default); each face's hook posts to /<face>."""

    def __init__(self, on_request: Callable[[str, Captured], None] | None = None) -> None:
        self.received: dict[str, list[Captured]] = {}
        self._runner: web.AppRunner | None = None
        self._on_request = on_request
        self.url = ""

    async def _take(self, request: web.Request) -> web.Response:
        face = request.match_info["face"]
        captured = Captured(dict(request.headers), await request.read())
        self.received.setdefault(face, []).append(captured)
        if self._on_request is not None:
            self._on_request(face, captured)
        return web.Response(text="received by the forgehooks demo")

    async def start(self, port: int = 0) -> None:
        """Listen on a loopback port."""
        app = web.Application()
        app.router.add_post("/{face}", self._take)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        bound = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{bound}"

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()


def describe_request(face: str, captured: Captured) -> str:
    """One line about a received request: where it went, its event headers, its size."""
    events = [f"{k}: {v}" for k, v in sorted(captured.headers.items()) if k.lower().endswith("event")]
    return f"POST /{face}  {'  '.join(events)}  ({len(captured.body)} bytes)"


async def receive_forever(port: int, out: Console) -> None:
    """`forgehooks receive`: print a line for every request until interrupted."""
    receiver = DemoReceiver(lambda face, got: out.print(describe_request(face, got), markup=False))
    await receiver.start(port)
    out.print(f"Receiving on {receiver.url}/<anything>; Ctrl-C stops.")
    try:
        await asyncio.Event().wait()
    finally:
        await receiver.stop()


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


class DemoFailed(Exception):
    """A step of the demo was refused; nothing the demo made is left behind but its project."""

    def __init__(self, step: str, status: int | None, detail: str, *, field: str = "") -> None:
        super().__init__(f"{step}: {detail}")
        self.step, self.status, self.detail, self.field = step, status, detail, field

    @property
    def local_targets_refused(self) -> bool:
        """The service refused the demo receiver's URL, a 127.0.0.1 address: local targets are off."""
        return self.status == 400 and self.field == "url"

    def advice(self) -> str:
        """What to do about it, in a line or two."""
        if self.local_targets_refused:
            return (
                "The service refuses hook URLs on local addresses, and the demo's receiver runs on "
                "127.0.0.1. Restart it with FORGEHOOKS_ALLOW_LOCAL_TARGETS=true, or run "
                "`forgehooks demo` without --url and --token: it then starts a service of its own."
            )
        if self.status == 401:
            return "The token was refused: pass a valid personal access token with --token."
        if self.status is None:
            return "Is the service running at that URL? `make run` starts one."
        return ""


async def _json_call(http: aiohttp.ClientSession, step: str, method: str, url: str, **options: Any) -> Any:
    """One call of the native API; DemoFailed with the answer's status and field otherwise."""
    try:
        async with http.request(method, url, **options) as response:
            text = await response.text()
    except aiohttp.ClientError as exc:
        raise DemoFailed(step, None, f"{method} {url}: {exc}") from exc
    if response.status >= 300:
        try:
            error = json.loads(text).get("error", {})
        except (ValueError, AttributeError):
            error = {}
        detail = error.get("message") if isinstance(error, dict) else None
        field_name = error.get("field", "") if isinstance(error, dict) else ""
        raise DemoFailed(
            step, response.status, f"HTTP {response.status}: {detail or text[:300]}", field=field_name
        )
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


@dataclass(slots=True)
class DemoSession:
    """The service the demo talks to and what it made there, to undo on failure."""

    http: aiohttp.ClientSession
    base: str
    token: str
    out: Console
    project: dict[str, Any] = field(default_factory=dict)
    git_token_id: int | None = None

    @property
    def auth(self) -> dict[str, str]:
        """The native API's credentials."""
        return {"Authorization": f"Bearer {self.token}"}

    def native(self, path: str) -> str:
        """The URL of a native API path."""
        return f"{self.base}{NATIVE}{path}"

    async def call(self, step: str, method: str, path: str, **options: Any) -> Any:
        """A native API call with the session's token."""
        return await _json_call(self.http, step, method, self.native(path), headers=self.auth, **options)

    async def remove_hooks(self) -> None:
        """Delete every hook of the demo project (it is the demo's own)."""
        if not self.project:
            return
        pid = self.project["id"]
        for hook in await self.call("listing the demo hooks", "GET", f"/projects/{pid}/hooks?per_page=100"):
            await self.call("deleting a demo hook", "DELETE", f"/projects/{pid}/hooks/{hook['id']}")

    async def revoke_git_token(self) -> None:
        """The git hook's token is needed for the push only."""
        if self.git_token_id is not None:
            await self.call("revoking the git token", "DELETE", f"/tokens/{self.git_token_id}")
            self.git_token_id = None


async def _project(session: DemoSession) -> dict[str, Any]:
    """The token's user and its demo project, reused from run to run with its old hooks removed."""
    user: dict[str, Any] = await session.call("reading the token's user", "GET", "/user")
    path = f"{user['username']}/{DEMO_PROJECT}"
    try:
        session.project = await session.call(
            "reading the demo project", "GET", f"/projects/{quote(path, safe='')}"
        )
        await session.remove_hooks()
    except DemoFailed as exc:
        if exc.status != 404:
            raise
        body = {"path": path, "description": "Made by forgehooks demo", "organization_id": "forgehooks-demo"}
        session.project = await session.call("creating the demo project", "POST", "/projects", json=body)
    project = session.project
    session.out.print(f"[bold]Project[/bold] {path}: id {project['id']}, hex {project['hex_id']}")
    return user


async def _git_token(session: DemoSession) -> str:
    """A token of its own for the git hook, revoked when the demo ends."""
    issued = await session.call(
        "creating the git token", "POST", "/tokens", json={"name": f"git-hook {session.project['path']}"}
    )
    session.git_token_id = issued["id"]
    session.out.print(f"[bold]Token[/bold] for the git hook: {issued['token'][:8]}… (id {issued['id']})")
    return str(issued["token"])


async def _create_hooks(session: DemoSession, target: str) -> list[FaceHook]:
    """A native hook, then one hook through each face that is served."""
    native = {"url": f"{target}/forgehooks", "secret": DEMO_SECRET, "events": list(_REF_KINDS)}
    await session.call(
        "creating the native hook", "POST", f"/projects/{session.project['id']}/hooks", json=native
    )
    made = [FaceHook("forgehooks", "forgehooks native", "created", "canonical JSON")]
    for face, title, route, options in face_requests(session.project, session.token, target):
        made.append(await create_face_hook(session.http, session.base, face, title, route, options))
    return made


async def run_demo(base: str, token: str, out: Console, *, wait: float = 20.0) -> DemoResult:
    """Run the whole demo against the service at `base` with an existing user's `token`.

    DemoFailed when a step is refused; the hooks made by then are deleted and the git token
    revoked, so a failed run leaves only the (reusable) demo project.
    """
    base = base.rstrip("/")
    result = DemoResult()
    receiver = DemoReceiver()
    await receiver.start()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            session = DemoSession(http=http, base=base, token=token, out=out)
            try:
                await _run_steps(session, result, receiver, wait)
            except BaseException:
                with contextlib.suppress(DemoFailed):
                    await session.remove_hooks()
                raise
            finally:
                with contextlib.suppress(DemoFailed):
                    await session.revoke_git_token()
    finally:
        await receiver.stop()
    result.received = receiver.received
    _print_received(out, result)
    return result


async def _run_steps(session: DemoSession, result: DemoResult, receiver: DemoReceiver, wait: float) -> None:
    user = await _project(session)
    result.project = session.project
    result.hooks = await _create_hooks(session, receiver.url)
    _print_hooks(session.out, result.hooks)
    git_token = await _git_token(session)
    with tempfile.TemporaryDirectory(prefix="forgehooks-demo-") as workdir:
        session.out.print("[bold]Pushing[/bold] a branch, a tag and a commit to a real repository…")
        result.pushed = await asyncio.to_thread(
            push_demo_commits, Path(workdir), result.project["path"], session.base, git_token, user
        )
        await _wait_for_deliveries(result, receiver, wait)


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
        out.print("[bold red]Some hooks got nothing[/bold red]: see each hook's deliveries in the console.")
