"""The seed document's own request body and constants shared by the GitFlic face tests."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Seed

BASE = "/project/acme/widgets/setting/webhook"

#: The create/update body of seed 002 ("Структура тела POST-запроса"), verbatim.
SEED_BODY: dict[str, Any] = {
    "url": "https://example.com",
    "secret": "SOME SECRET CODE",
    "events": {
        "COLLABORATOR_DELETE": True,
        "NEW_ISSUE_NOTE": True,
        "MERGE": True,
        "ISSUE_UPDATE": True,
        "TAG_DELETE": True,
        "WEBHOOK_SEND": False,
        "MERGE_REQUEST_CREATE": True,
        "BRANCH_UPDATE": True,
        "MERGE_REQUEST_CLOSE": True,
        "MERGE_REQUEST_ACCEPT": True,
        "DISCUSSION_CREATE": True,
        "BRANCH_DELETE": True,
        "MERGE_REQUEST_UPDATE": True,
        "PIPELINE_NEW": True,
        "DISCUSSION_COMMENT_CREATE": True,
        "ISSUE_CREATE": True,
        "TAG_CREATE": True,
        "COLLABORATOR_ADD": True,
        "MERGE_REQUEST_CANCEL": True,
        "PIPELINE_SUCCESS": True,
        "COLLABORATOR_UPDATE": True,
        "PIPELINE_FAIL": True,
        "BRANCH_CREATE": True,
        "PUSH": False,
    },
}

FLAGS = sorted(SEED_BODY["events"])

UTC_MICROS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SPRING_ERROR_KEYS = {"timestamp", "status", "error", "message", "path"}


def auth(token: str) -> dict[str, str]:
    """GitFlic's documented credential header."""
    return {"Authorization": f"token {token}"}


def owner(seed: Seed) -> dict[str, str]:
    """The seeded project owner's credential."""
    return auth(seed.token)


def on_flags(webhook: dict[str, Any]) -> list[str]:
    """The names of a webhook answer's flags that are true, sorted."""
    return sorted(flag for flag, on in webhook["events"].items() if on)
