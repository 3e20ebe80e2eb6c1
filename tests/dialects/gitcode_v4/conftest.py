"""Fixtures of the gitcode_v4 tests."""

from __future__ import annotations

import pytest

from forgehooks.services import hooks


@pytest.fixture(autouse=True)
def fresh_test_call_limits() -> None:
    """The per-user, per-hook test-call window is process-wide; ids repeat across fresh databases."""
    hooks._test_calls.clear()
