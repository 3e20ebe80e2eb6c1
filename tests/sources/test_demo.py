"""`forgehooks demo` against a live service: hooks through each face, a real push, deliveries shown."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from forgehooks.sources.demo import run_demo
from tests.conftest import Seed
from tests.servers import LiveServer

pytestmark = pytest.mark.e2e


async def test_demo_shows_every_served_face_receiving_the_push(seed: Seed, live_server: LiveServer) -> None:
    console = Console(file=io.StringIO(), width=140, record=True)

    result = await run_demo(live_server.url, seed.token, console, wait=30)

    text = console.export_text()
    assert result.ok, text
    assert result.project["path"].startswith("alice/demo-")
    created = [h for h in result.hooks if h.status == "created"]
    assert created[0].face == "forgehooks"
    assert not [h for h in result.hooks if h.status == "failed"], text
    served = {h.face for h in created}
    for hook in result.hooks:
        assert hook.face in served or "404" in hook.detail
    canonical = [json.loads(c.body) for c in result.received["forgehooks"]]
    assert sorted(e["kind"] for e in canonical) == ["branch_create", "push", "tag_create"]
    push = next(e for e in canonical if e["kind"] == "push")
    assert [c["title"] for c in push["body"]["commits"]] == ["Update the README"]
    assert push["body"]["commits"][0]["author_name"] == "Alice Liddell"
    for face in served:
        assert f"{next(h.title for h in created if h.face == face)}:" in text
    assert "Every hook got its deliveries" in text


async def test_demo_with_a_bad_token_fails_cleanly(live_server: LiveServer) -> None:
    console = Console(file=io.StringIO(), width=140)
    with pytest.raises(RuntimeError, match="401"):
        await run_demo(live_server.url, "not-a-token", console, wait=1)
