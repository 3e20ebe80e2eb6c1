"""Read pushed refs and their commits from a repository with the `git` command.

Turns one "old new ref" line of a post-receive hook into a canonical kind and RefBody,
with the real commits (the latest 20, oldest first, and the true total, as GitLab sends).
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from forgehooks.core.events import ZERO_SHA, Commit, EventKind, RefBody

COMMIT_CAP = 20  #: commits listed per event; the total is counted separately
_FIELD = "\x1f"
_RECORD = "\x1e"
_LOG_FORMAT = _RECORD + _FIELD.join(["%H", "%an", "%ae", "%cI", "%B"]) + _FIELD


class GitError(RuntimeError):
    """A git command failed."""


@dataclass(frozen=True, slots=True)
class RefUpdate:
    """One line of post-receive input: a ref moved from `old` to `new`."""

    old: str
    new: str
    ref: str

    @property
    def created(self) -> bool:
        """The ref did not exist before."""
        return self.old == ZERO_SHA

    @property
    def deleted(self) -> bool:
        """The ref no longer exists."""
        return self.new == ZERO_SHA

    @property
    def is_tag(self) -> bool:
        """A tag rather than a branch."""
        return self.ref.startswith("refs/tags/")


def parse_updates(text: str) -> list[RefUpdate]:
    """The "old new ref" lines git feeds a post-receive hook; malformed lines are skipped."""
    updates = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and all(len(sha) == 40 for sha in parts[:2]):
            updates.append(RefUpdate(old=parts[0], new=parts[1], ref=parts[2]))
    return updates


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    """Run `git --git-dir=repo args...` and return its output; GitError on failure."""
    done = subprocess.run(
        ["git", f"--git-dir={repo}", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise GitError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def kind_of(update: RefUpdate) -> EventKind | None:
    """The canonical kind of a ref update; None for refs that are neither branches nor tags."""
    if update.is_tag:
        if update.created:
            return EventKind.TAG_CREATE
        return EventKind.TAG_DELETE if update.deleted else EventKind.TAG_PUSH
    if not update.ref.startswith("refs/heads/"):
        return None
    if update.created:
        return EventKind.BRANCH_CREATE
    return EventKind.BRANCH_DELETE if update.deleted else EventKind.PUSH


def _other_branch_tips(repo: Path, ref: str) -> list[str]:
    listing = git(repo, "for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/")
    return [line.split(" ", 1)[0] for line in listing.splitlines() if line.split(" ", 1)[1] != ref]


def _pushed_shas(repo: Path, update: RefUpdate) -> list[str]:
    """Commits the push brought to the branch, oldest first."""
    if update.created:
        # a new branch: only commits no other branch already has
        excluded = "".join(f"^{sha}\n" for sha in _other_branch_tips(repo, update.ref))
        out = git(repo, "rev-list", "--reverse", "--stdin", update.new, stdin=excluded)
    else:
        # old..new is right for a force push too: the commits the branch gained
        out = git(repo, "rev-list", "--reverse", f"{update.old}..{update.new}")
    return out.split()


def read_commits(repo: Path, shas: Sequence[str], web_url: str = "") -> list[Commit]:
    """Each commit's message, committer time, author and changed files, in the given order."""
    if not shas:
        return []
    out = git(
        repo,
        "log",
        "--no-walk=unsorted",
        "--stdin",
        f"--format={_LOG_FORMAT}",
        "--name-status",
        "--no-renames",
        "--diff-merges=first-parent",
        stdin="\n".join(shas) + "\n",
    )
    commits = [_parse_record(record, web_url) for record in out.split(_RECORD) if record.strip()]
    return commits


def _parse_record(record: str, web_url: str) -> Commit:
    sha, name, email, when, rest = record.split(_FIELD, 4)
    message, _, changes = rest.rpartition(_FIELD)
    files: dict[str, list[str]] = {"A": [], "M": [], "D": []}
    for line in changes.splitlines():
        status, _, path = line.partition("\t")
        if path:
            files.get(status[:1], files["M"]).append(path)
    message = message.strip("\n")
    return Commit(
        id=sha,
        message=message,
        title=message.split("\n", 1)[0],
        timestamp=datetime.fromisoformat(when),
        url=f"{web_url.rstrip('/')}/commit/{sha}" if web_url else "",
        author_name=name,
        author_email=email,
        added=tuple(files["A"]),
        modified=tuple(files["M"]),
        removed=tuple(files["D"]),
    )


def _peeled(repo: Path, sha: str) -> str:
    return git(repo, "rev-parse", f"{sha}^{{commit}}").strip()


def _tag_message(repo: Path, sha: str) -> str:
    if git(repo, "cat-file", "-t", sha).strip() != "tag":
        return ""
    body = git(repo, "cat-file", "tag", sha)
    return body.split("\n\n", 1)[1].strip() if "\n\n" in body else ""


def _is_forced(repo: Path, update: RefUpdate) -> bool:
    done = subprocess.run(
        ["git", f"--git-dir={repo}", "merge-base", "--is-ancestor", update.old, update.new],
        capture_output=True,
        timeout=60,
        check=False,
    )
    return done.returncode == 1


def ref_body(repo: Path, update: RefUpdate, web_url: str = "") -> RefBody:
    """The canonical body of one ref update, commits read from `repo`."""
    if update.deleted:
        return RefBody(ref=update.ref, before=update.old, after=update.new)
    checkout = _peeled(repo, update.new)
    if update.is_tag:
        commits = read_commits(repo, [checkout], web_url)
        return RefBody(
            ref=update.ref,
            before=update.old,
            after=update.new,
            commits=tuple(commits),
            total_commits_count=len(commits),
            message=_tag_message(repo, update.new),
            checkout_sha=checkout,
        )
    shas = _pushed_shas(repo, update)
    return RefBody(
        ref=update.ref,
        before=update.old,
        after=update.new,
        commits=tuple(read_commits(repo, shas[-COMMIT_CAP:], web_url)),
        total_commits_count=len(shas),
        forced=not update.created and _is_forced(repo, update),
        checkout_sha=checkout,
    )
