"""Seed 001_0f664279d6eed962.txt (创建代码库Webhook and the rest of the life cycle), fuzzed from the face's
OpenAPI with schemathesis: no 5xx, and every answer matches its documented envelope schema."""

from __future__ import annotations

import pytest

from tests.api.test_fuzz import Target, fuzz, fuzz_target

pytestmark = pytest.mark.fuzz

__all__ = ["fuzz_target"]  # the module-scoped live service this test runs against


def test_codeup_v3_face_never_fails_and_matches_its_schema(fuzz_target: Target) -> None:
    fuzz(fuzz_target, r"^/api/v3/", examples=25)
