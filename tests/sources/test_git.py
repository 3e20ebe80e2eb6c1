"""Reading pushed refs and commits from a real repository (sources.git)."""

from __future__ import annotations

from pathlib import Path

import pytest

from forgehooks.core.events import ZERO_SHA, EventKind
from forgehooks.sources.git import COMMIT_CAP, RefUpdate, kind_of, parse_updates, ref_body
from tests.sources.workspace import AUTHOR, Workspace

WEB = "http://forge.test/acme/widgets"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A bare repository whose post-receive records its input lines in updates.log."""
    workspace = Workspace(tmp_path)
    hook = workspace.bare / "hooks" / "post-receive"
    hook.write_text(f"#!/bin/sh\ncat >> {workspace.root / 'updates.log'}\n")
    hook.chmod(0o755)
    return workspace


def pushed(ws: Workspace, *args: str) -> list[RefUpdate]:
    """Push and return the ref updates the hook received for this push."""
    log = ws.root / "updates.log"
    log.write_text("")
    ws.push(*args)
    return parse_updates(log.read_text())


def test_first_push_creates_the_branch_with_every_commit(ws: Workspace) -> None:
    first = ws.commit("Add readme\n\nLonger body.", {"README.md": "hello\n"})
    ws.commit("Add code", {"src/app.py": "print(1)\n"})
    [update] = pushed(ws, "main")
    assert kind_of(update) is EventKind.BRANCH_CREATE and update.old == ZERO_SHA
    body = ref_body(ws.bare, update, WEB)
    assert [c.id for c in body.commits] == [sha for sha, _ in ws.log("main")]
    assert body.total_commits_count == 2 and body.checkout_sha == update.new
    readme = body.commits[0]
    assert readme.id == first and readme.title == "Add readme"
    assert readme.message == "Add readme\n\nLonger body."
    assert (readme.author_name, readme.author_email) == AUTHOR
    assert readme.added == ("README.md",) and readme.url == f"{WEB}/commit/{first}"
    assert readme.timestamp is not None and readme.timestamp.tzinfo is not None


def test_push_lists_added_modified_and_removed_files(ws: Workspace) -> None:
    ws.commit("Start", {"a.txt": "1\n", "b.txt": "2\n"})
    ws.push("main")
    before = ws.git("rev-parse", "HEAD").strip()
    ws.commit("Change files", {"a.txt": "changed\n", "b.txt": None, "c.txt": "new\n"})
    [update] = pushed(ws, "main")
    assert kind_of(update) is EventKind.PUSH and update.old == before
    body = ref_body(ws.bare, update, WEB)
    [commit] = body.commits
    assert (commit.added, commit.modified, commit.removed) == (("c.txt",), ("a.txt",), ("b.txt",))
    assert body.total_commits_count == 1 and not body.forced and body.before == before


def test_a_new_branch_lists_only_commits_no_other_branch_has(ws: Workspace) -> None:
    ws.commit("On main 1")
    ws.commit("On main 2")
    ws.push("main")
    ws.git("checkout", "-q", "-b", "feature/x")
    ws.commit("Feature 1")
    ws.commit("Feature 2")
    [update] = pushed(ws, "feature/x")
    assert kind_of(update) is EventKind.BRANCH_CREATE
    body = ref_body(ws.bare, update, WEB)
    assert [c.title for c in body.commits] == ["Feature 1", "Feature 2"]
    assert [c.id for c in body.commits] == [sha for sha, _ in ws.log("main..feature/x")]


def test_force_push_is_flagged_and_lists_the_new_commits(ws: Workspace) -> None:
    ws.commit("Base")
    ws.commit("To be rewritten")
    ws.push("main")
    ws.git("reset", "-q", "--hard", "HEAD~1")
    ws.commit("Rewritten 1")
    ws.commit("Rewritten 2")
    [update] = pushed(ws, "--force", "main")
    body = ref_body(ws.bare, update, WEB)
    assert kind_of(update) is EventKind.PUSH and body.forced
    assert [c.title for c in body.commits] == ["Rewritten 1", "Rewritten 2"]
    assert body.total_commits_count == 2


def test_commits_are_capped_at_the_latest_twenty_with_the_true_total(ws: Workspace) -> None:
    ws.commit("Base")
    ws.push("main")
    for n in range(COMMIT_CAP + 5):
        ws.commit(f"Commit {n}")
    [update] = pushed(ws, "main")
    body = ref_body(ws.bare, update, WEB)
    assert body.total_commits_count == COMMIT_CAP + 5
    assert len(body.commits) == COMMIT_CAP
    assert [c.title for c in body.commits] == [f"Commit {n}" for n in range(5, COMMIT_CAP + 5)]


def test_merge_commit_lists_what_it_brought_relative_to_its_first_parent(ws: Workspace) -> None:
    ws.commit("Base", {"base.txt": "b\n"})
    ws.push("main")
    ws.git("checkout", "-q", "-b", "topic")
    ws.commit("Topic work", {"topic.txt": "t\n"})
    ws.git("checkout", "-q", "main")
    ws.commit("Main work", {"main.txt": "m\n"})
    ws.git("merge", "-q", "--no-ff", "-m", "Merge topic", "topic")
    [update] = pushed(ws, "main")
    body = ref_body(ws.bare, update, WEB)
    titles = [c.title for c in body.commits]
    assert set(titles) == {"Topic work", "Main work", "Merge topic"} and titles[-1] == "Merge topic"
    assert body.commits[-1].added == ("topic.txt",)


def test_tags_are_created_moved_and_deleted(ws: Workspace) -> None:
    target = ws.commit("Release")
    ws.push("main")
    ws.git("tag", "-a", "v1.0", "-m", "Version 1.0\n\nNotes.")
    [created] = pushed(ws, "v1.0")
    body = ref_body(ws.bare, created, WEB)
    assert kind_of(created) is EventKind.TAG_CREATE and body.ref == "refs/tags/v1.0"
    assert body.after != target and body.checkout_sha == target  # annotated: after is the tag object
    assert body.message.startswith("Version 1.0") and [c.id for c in body.commits] == [target]

    moved_to = ws.commit("Fix")
    ws.git("tag", "-f", "v1.0", moved_to)
    [moved] = pushed(ws, "--force", "v1.0")
    assert kind_of(moved) is EventKind.TAG_PUSH
    assert ref_body(ws.bare, moved, WEB).checkout_sha == moved_to

    [deleted] = pushed(ws, "--delete", "v1.0")
    gone = ref_body(ws.bare, deleted, WEB)
    assert kind_of(deleted) is EventKind.TAG_DELETE and gone.after == ZERO_SHA and gone.commits == ()


def test_branch_delete_has_no_commits(ws: Workspace) -> None:
    ws.commit("Base")
    ws.push("main", "main:refs/heads/old")
    [deleted] = pushed(ws, "--delete", "old")
    body = ref_body(ws.bare, deleted, WEB)
    assert kind_of(deleted) is EventKind.BRANCH_DELETE
    assert body.before != ZERO_SHA and body.after == ZERO_SHA and body.total_commits_count == 0


def test_other_refs_and_garbage_lines_are_ignored() -> None:
    sha = "a" * 40
    updates = parse_updates(f"{ZERO_SHA} {sha} refs/notes/commits\nnot a line\n{sha} {sha}\n")
    assert len(updates) == 1 and kind_of(updates[0]) is None
