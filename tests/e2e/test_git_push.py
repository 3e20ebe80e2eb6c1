"""End to end: a real push to a bare repository with the hook installed reaches every face's receiver.

The hook program runs as git runs it, talks to the live service's native API, and the
service's worker delivers in the wire format of each registered face (and the canonical one).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from forgehooks.core.events import EventKind
from forgehooks.core.hooks import HookSpec
from forgehooks.services import hooks
from forgehooks.services.runtime import Runtime
from forgehooks.sources import post_receive
from tests.conftest import Seed
from tests.receivers import Received, Receiver
from tests.servers import LiveServer
from tests.sources.workspace import AUTHOR, Workspace

pytestmark = pytest.mark.e2e

REF_KINDS = frozenset({EventKind.PUSH, EventKind.BRANCH_CREATE, EventKind.TAG_CREATE})


def commits_in(payload: Any) -> list[dict[str, Any]] | None:
    """The first `commits` list found anywhere in a payload, whatever the face's layout."""
    if isinstance(payload, dict):
        if isinstance(payload.get("commits"), list):
            return list(payload["commits"])
        values = list(payload.values())
    elif isinstance(payload, list):
        values = payload
    else:
        return None
    for value in values:
        found = commits_in(value)
        if found is not None:
            return found
    return None


def by_dialect(got: list[Received]) -> dict[str, list[Received]]:
    grouped: dict[str, list[Received]] = {}
    for request in got:
        grouped.setdefault(request.path.strip("/"), []).append(request)
    return grouped


async def test_pushed_commits_reach_every_face_as_git_log_shows_them(
    tmp_path: Path, runtime: Runtime, seed: Seed, receiver: Receiver, live_server: LiveServer
) -> None:
    dialects = sorted(runtime.wires)
    for dialect in dialects:
        spec = HookSpec(url=f"{receiver.url}/{dialect}", events=REF_KINDS)
        await hooks.create_hook(runtime, seed.project, spec, dialect)
    ws = Workspace(tmp_path)
    post_receive.install(ws.bare, seed.project.path, live_server.url, seed.token)
    ws.commit("Add the widget", {"widget.py": "SIZE = 1\n"})
    ws.push("main")
    base = ws.git("rev-parse", "HEAD").strip()
    ws.commit("Grow the widget\n\nIt was too small.", {"widget.py": "SIZE = 2\n", "notes.md": "big\n"})
    ws.commit("Drop the notes", {"notes.md": None})
    output = ws.push("main")
    assert "2 event(s) sent" not in output  # one event per push: the second push sends one
    assert "1 event(s) sent" in output

    got = by_dialect(await receiver.await_count(2 * len(dialects), timeout=30))
    expected = ws.log(f"{base}..main")

    canonical = [json.loads(r.body) for r in got["forgehooks"]]
    push = next(e for e in canonical if e["kind"] == "push")
    assert [(c["id"], c["title"]) for c in push["body"]["commits"]] == expected
    assert push["body"]["total_commits_count"] == 2 and push["body"]["before"] == base
    grow = push["body"]["commits"][0]
    assert (grow["author_name"], grow["author_email"]) == AUTHOR
    assert (grow["added"], grow["modified"]) == (["notes.md"], ["widget.py"])
    assert push["body"]["commits"][1]["removed"] == ["notes.md"]
    assert push["actor"]["username"] == "alice" and push["project"]["path"] == "acme/widgets"

    listing_commits = []
    for dialect in dialects:
        assert got.get(dialect), f"{dialect} got nothing"
        pushes = [r for r in got[dialect] if r.header("X-Forgehooks-Event") == "push"]
        assert pushes, f"{dialect} got no push delivery"
        commits = commits_in(json.loads(pushes[0].body))
        if commits is not None:  # every face that lists commits lists the pushed ones
            assert [c.get("id") for c in commits] == [sha for sha, _ in expected], dialect
            listing_commits.append(dialect)
    faces = [d for d in dialects if d != "forgehooks"]
    assert not faces or set(listing_commits) & set(faces), "no face's push payload lists commits"
    print("faces whose push payload lists the pushed commits:", listing_commits)
