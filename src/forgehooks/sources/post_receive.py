"""The git post-receive hook: install it in a bare repository, and run it on each push.

Each pushed ref becomes one canonical event, spooled in the repository and then sent to
the service's native API; a push never fails or waits long because the service is down.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from forgehooks.core.clock import utcnow
from forgehooks.core.codec import to_jsonable
from forgehooks.core.events import RefBody
from forgehooks.sources.git import GitError, RefUpdate, git, kind_of, parse_updates, ref_body
from forgehooks.sources.spool import FlushReport, Spool, Verdict

HOOK_MARKER = "# forgehooks post-receive hook"
SPOOL_FOLDER = "forgehooks-spool"
EVENTS_PATH = "/api/forgehooks/v1/projects/{project}/events"
DEFAULT_BUDGET = 10.0  #: seconds a push may spend sending before the rest stays spooled
#: statuses that say the event itself is bad; anything else may pass later
REJECTING_STATUSES = frozenset({400, 413, 422})
#: Where git servers name the pushing user, checked in order: GitLab's shell (GL_USERNAME),
#: gitolite (GL_USER), and a web server's authentication for smart HTTP (REMOTE_USER).
PUSHER_VARIABLES = ("GL_USERNAME", "GL_USER", "REMOTE_USER")


class HookSetupError(RuntimeError):
    """The repository or the hook configuration is not usable."""


@dataclass(frozen=True, slots=True)
class HookConfig:
    """Where a repository's events go: `git config forgehooks.*` of the repository."""

    url: str
    token: str
    project: str
    web_url: str = ""
    budget: float = DEFAULT_BUDGET
    #: the environment variable naming the pusher (`--user-from-env`); else PUSHER_VARIABLES
    user_from_env: str = ""
    #: server user name -> forgehooks user name (`git config --add forgehooks.usermap from=to`)
    user_map: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, repo: Path) -> HookConfig:
        """The configuration stored by `install`; HookSetupError when something is missing."""
        try:
            listing = git(repo, "config", "--get-regexp", r"^forgehooks\.")
        except GitError as exc:
            raise HookSetupError(f"{repo} has no forgehooks configuration; run git-hook install") from exc
        pairs = [line.split(" ", 1) for line in listing.splitlines() if " " in line]
        values = dict(pairs)
        mapped = (value.split("=", 1) for key, value in pairs if key == "forgehooks.usermap" and "=" in value)
        missing = [k for k in ("url", "token", "project") if not values.get(f"forgehooks.{k}")]
        if missing:
            raise HookSetupError(f"git config forgehooks.{missing[0]} is not set in {repo}")
        url = values["forgehooks.url"].rstrip("/")
        project = values["forgehooks.project"]
        return cls(
            url=url,
            token=values["forgehooks.token"],
            project=project,
            web_url=values.get("forgehooks.weburl", f"{url}/{project}"),
            budget=float(values.get("forgehooks.budget", DEFAULT_BUDGET)),
            user_from_env=values.get("forgehooks.userfromenv", ""),
            user_map={server.strip(): name.strip() for server, name in mapped},
        )

    def pusher(self, environ: Mapping[str, str]) -> str | None:
        """Who pushed, from the server's environment and the user map; None when unknown."""
        names = (self.user_from_env,) if self.user_from_env else PUSHER_VARIABLES
        found = next((environ[name] for name in names if environ.get(name)), None)
        return self.user_map.get(found, found) if found else None


@dataclass(slots=True)
class RunReport:
    """What one run of the hook did."""

    spooled: int = 0
    flush: FlushReport = field(default_factory=FlushReport)
    warnings: list[str] = field(default_factory=list)

    def lines(self, spool_folder: Path) -> list[str]:
        """Short lines for the pusher's terminal (git prefixes them with `remote:`)."""
        out = [f"forgehooks: {w}" for w in self.warnings]
        report = self.flush
        if report.sent:
            out.append(f"forgehooks: {report.sent} event(s) sent")
        if report.rejected:
            out.append(f"forgehooks: {report.rejected} event(s) refused, kept in {spool_folder / 'rejected'}")
            out.extend(f"forgehooks:   {e}" for e in report.errors[:5])
        if report.left:
            out.append(
                f"forgehooks: {report.left} event(s) wait in {spool_folder} ({report.problem}); "
                "they go with the next push or `forgehooks git-hook flush`"
            )
        return out


def git_dir_of(path: Path) -> Path:
    """The git directory of a bare repository, or of a work tree's .git."""
    path = path.resolve()
    if (path / ".git").is_dir():
        path = path / ".git"
    if not (path / "objects").is_dir() or not (path / "HEAD").exists():
        raise HookSetupError(f"{path} is not a git repository")
    return path


def hook_script(python: str) -> str:
    """The post-receive program: hand stdin to `forgehooks git-hook run`, never fail the push."""
    return (
        "#!/bin/sh\n"
        f"{HOOK_MARKER} (installed by `forgehooks git-hook install`).\n"
        "# Events that cannot be sent now wait in forgehooks-spool/ for the next push.\n"
        # the same command as `forgehooks git-hook run`, without loading the web service
        f'"{python}" -m forgehooks.sources.commands run || true\n'
        "exit 0\n"
    )


def install(
    repo: Path, project: str, url: str, token: str, *, force: bool = False, user_from_env: str = ""
) -> Path:
    """Store the configuration and write an executable hooks/post-receive; returns its path."""
    git_dir = git_dir_of(repo)
    target = git_dir / "hooks" / "post-receive"
    if target.exists() and HOOK_MARKER not in target.read_text(errors="replace") and not force:
        raise HookSetupError(f"{target} exists and is not forgehooks' (use --force to replace it)")
    if "/" not in project.strip("/"):
        raise HookSetupError("--project must be OWNER/NAME")
    for key, value in (("url", url.rstrip("/")), ("token", token), ("project", project.strip("/"))):
        git(git_dir, "config", f"forgehooks.{key}", value)
    if user_from_env:
        git(git_dir, "config", "forgehooks.userfromenv", user_from_env)
    (git_dir / "config").chmod(0o600)  # the token lives there
    target.parent.mkdir(exist_ok=True)
    target.write_text(hook_script(sys.executable))
    target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH | stat.S_IRUSR)
    return target


def entry_of(
    project: str, update: RefUpdate, body: RefBody, pusher: str | None = None
) -> dict[str, Any] | None:
    """The spool entry (target project and native API request body) of one ref update.

    With a `pusher` the event names that user; without one the service takes the owner of
    the integration's token.
    """
    kind = kind_of(update)
    if kind is None:
        return None
    event = {"kind": kind.value, "body": to_jsonable(body), "occurred_at": to_jsonable(utcnow())}
    if pusher:
        event["pusher"] = pusher
    return {"project": project, "event": event}


def native_sender(config: HookConfig, timeout: float) -> Callable[[dict[str, Any]], tuple[Verdict, str]]:
    """Send one spool entry to the native API with the configured token."""

    def send(entry: dict[str, Any]) -> tuple[Verdict, str]:
        url = config.url + EVENTS_PATH.format(project=quote(entry["project"], safe=""))
        request = urllib.request.Request(
            url,
            data=json.dumps(entry["event"]).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {config.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Verdict.SENT, f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            detail = f"HTTP {exc.code}: {exc.read()[:300].decode('utf-8', 'replace')}"
            return (Verdict.REJECTED if exc.code in REJECTING_STATUSES else Verdict.RETRY), detail
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            return Verdict.RETRY, f"service unreachable at {config.url}: {reason}"

    return send


def flush(repo: Path, config: HookConfig | None = None, budget: float | None = None) -> FlushReport:
    """Send what waits in the repository's spool, within `budget` seconds."""
    git_dir = git_dir_of(repo)
    config = config or HookConfig.read(git_dir)
    seconds = budget if budget is not None else config.budget
    sender = native_sender(config, timeout=max(1.0, min(5.0, seconds)))
    return Spool(git_dir / SPOOL_FOLDER).flush(sender, time.monotonic() + seconds)


def run(repo: Path, updates_text: str, environ: Mapping[str, str] | None = None) -> RunReport:
    """Spool one event per pushed branch or tag, by the pusher the environment names, then flush."""
    git_dir = git_dir_of(repo)
    config = HookConfig.read(git_dir)
    pusher = config.pusher(os.environ if environ is None else environ)
    report = RunReport()
    spool = Spool(git_dir / SPOOL_FOLDER)
    for update in parse_updates(updates_text):
        try:
            body = ref_body(git_dir, update, config.web_url)
        except GitError as exc:
            report.warnings.append(f"{update.ref}: commits not read ({exc}); sending the ref move only")
            body = RefBody(ref=update.ref, before=update.old, after=update.new)
        entry = entry_of(config.project, update, body, pusher)
        if entry is not None:
            spool.add(entry)
            report.spooled += 1
    report.flush = flush(git_dir, config)
    return report


def repo_from_environment() -> Path:
    """The repository a hook runs in: $GIT_DIR, else the working directory."""
    return Path(os.environ.get("GIT_DIR", ".")).resolve()
