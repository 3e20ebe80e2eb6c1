"""The project, actor and time the payload tests render events of."""

from __future__ import annotations

from datetime import UTC, datetime

from forgehooks.core.events import Actor, ProjectSnapshot

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
PROJECT = ProjectSnapshot(
    id=42,
    hex_id="a" * 32,
    uuid="0190c0de-0000-7000-8000-000000000042",
    path="acme/widgets",
    name="widgets",
    web_url="https://forge.example/acme/widgets",
    git_http_url="https://forge.example/acme/widgets.git",
    git_ssh_url="git@forge.example:acme/widgets.git",
)
ACTOR = Actor(id=3, username="alice", name="Alice", email="alice@example.com")
