"""A bare repository and a clone of it, driven with the real `git` command, for source tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

AUTHOR = ("Ada Lovelace", "ada@example.com")


def git_env(home: Path) -> dict[str, str]:
    """An environment with a fixed identity and no user or system git configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME=AUTHOR[0],
        GIT_AUTHOR_EMAIL=AUTHOR[1],
        GIT_COMMITTER_NAME=AUTHOR[0],
        GIT_COMMITTER_EMAIL=AUTHOR[1],
    )
    return env


class Workspace:
    """`bare` is the server-side repository, `clone` a work tree pushing to it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bare = root / "server.git"
        self.clone = root / "work"
        self.env = git_env(root)
        self.run_git(root, "init", "--bare", "-b", "main", str(self.bare))
        self.run_git(root, "init", "-b", "main", str(self.clone))
        self.git("remote", "add", "origin", str(self.bare))
        self.counter = 0

    def run_git(self, cwd: Path, *args: str) -> str:
        """Run git in `cwd`; fail loudly with its stderr."""
        done = subprocess.run(
            ["git", *args], cwd=cwd, env=self.env, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
        return done.stdout + done.stderr

    def git(self, *args: str) -> str:
        """Run git in the clone."""
        return self.run_git(self.clone, *args)

    def commit(self, message: str, files: dict[str, str | None] | None = None) -> str:
        """Write (or delete, for None) files, commit them all, return the new sha."""
        self.counter += 1
        for name, content in (files or {f"file{self.counter}.txt": f"change {self.counter}\n"}).items():
            path = self.clone / name
            if content is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def push(self, *args: str) -> str:
        """`git push origin args...`; returns what git printed (hook output shows as remote:)."""
        return self.git("push", "origin", *args)

    def log(self, rev_range: str) -> list[tuple[str, str]]:
        """(sha, subject) of `rev_range`, oldest first."""
        out = self.git("log", "--reverse", "--format=%H%x00%s", rev_range)
        return [tuple(line.split("\x00", 1)) for line in out.splitlines()]  # type: ignore[misc]
