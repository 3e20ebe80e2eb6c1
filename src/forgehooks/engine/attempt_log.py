"""Structured attempt logs: one JSON line per attempt on the `forgehooks.attempts` logger.

The line is built from the attempt record, which is already masked (URL variables
unexpanded, custom header values and secrets hidden), and carries no header at all.
`configure` turns the lines on (`FORGEHOOKS_ATTEMPT_LOG=json`) or keeps them quiet.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import IO, Any

from forgehooks.core.deliveries import DeliveryState
from forgehooks.core.hooks import Hook
from forgehooks.store.queue import AttemptRecord, Claimed

LOGGER_NAME = "forgehooks.attempts"
logger = logging.getLogger(LOGGER_NAME)


def attempt_fields(claimed: Claimed, hook: Hook, record: AttemptRecord) -> dict[str, Any]:
    """What one attempt's log line says, as a JSON-ready mapping."""
    retrying = record.state is DeliveryState.QUEUED
    return {
        "at": record.started_at.isoformat(),
        "delivery_id": claimed.id,
        "event_id": claimed.event_id,
        "hook_id": hook.id,
        "project_id": hook.project_id,
        "dialect": claimed.dialect,
        "event_kind": claimed.event_kind,
        "attempt": record.number,
        "url": record.request_url,
        "status": record.response_status,
        "verdict": record.verdict,
        "duration_ms": record.duration_ms,
        "error": record.error or None,
        "state": record.state.value,
        "next_attempt_at": record.next_attempt_at.isoformat() if retrying else None,
    }


def attempt_line(claimed: Claimed, hook: Hook, record: AttemptRecord) -> str:
    """One attempt as a single line of compact JSON."""
    return json.dumps(attempt_fields(claimed, hook, record), separators=(",", ":"), ensure_ascii=False)


def log_attempt(claimed: Claimed, hook: Hook, record: AttemptRecord) -> None:
    """Write the attempt's line when the logger is on (costs one level check when it is off)."""
    if logger.isEnabledFor(logging.INFO):
        logger.info(attempt_line(claimed, hook, record))


def configure(mode: str, stream: IO[str] | None = None) -> None:
    """`json`: every attempt's line, bare, on `stream` (stderr); anything else: no attempt lines."""
    for handler in [h for h in logger.handlers if getattr(h, "forgehooks_attempts", False)]:
        logger.removeHandler(handler)
    if mode != "json":
        logger.setLevel(logging.WARNING)
        logger.propagate = True
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.forgehooks_attempts = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # the line stays bare JSON, not wrapped in the text log's format
