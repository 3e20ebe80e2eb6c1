"""No credential from a query string reaches a log line (issue 21, item 3)."""

from __future__ import annotations

import logging

import httpx
import pytest

from forgehooks.api import log_redaction
from forgehooks.api.app import create_app
from forgehooks.services.runtime import Runtime


@pytest.mark.parametrize(
    "target",
    [
        "/api/v5/repos/acme/widgets/hooks?access_token=SEKRET123&page=2",
        "/api/v3/projects/1/hooks?OrganizationId=o&AccessToken=SEKRET123",
        "/api/v4/projects/1/hooks?private_token=SEKRET123",
    ],
)
async def test_the_access_log_masks_query_credentials(runtime: Runtime, target: str) -> None:
    app = create_app(runtime=runtime, workers=0)
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    collect = Collect()
    loggers = [logging.getLogger("uvicorn.access"), logging.getLogger("forgehooks.api")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:  # uvicorn's own configuration may have the access log unpropagated
        logger.addHandler(collect)
        logger.setLevel(logging.INFO)
    try:
        async with app.router.lifespan_context(app):
            # the line uvicorn's access logger writes for each request, with the same arguments
            loggers[0].info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5555", "GET", target, "1.1", 200)
            loggers[1].warning("unhandled error on GET %s", target)
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(collect)
            logger.setLevel(level)
    assert len(lines) == 2
    assert not any("SEKRET123" in line for line in lines), lines
    assert all("=****" in line for line in lines), lines


def test_redacted_keeps_other_parameters() -> None:
    assert (
        log_redaction.redacted("/x?page=2&access_token=abc&per_page=5")
        == "/x?page=2&access_token=****&per_page=5"
    )
    assert log_redaction.redacted("/x?tokenish=1") == "/x?tokenish=1"


async def test_a_request_is_unaffected(runtime: Runtime) -> None:
    app = create_app(runtime=runtime, workers=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/api/forgehooks/v1/user?access_token=nope")).status_code == 401
