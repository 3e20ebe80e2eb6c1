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
async def test_the_access_log_masks_query_credentials(
    runtime: Runtime, caplog: pytest.LogCaptureFixture, target: str
) -> None:
    app = create_app(runtime=runtime, workers=0)
    async with app.router.lifespan_context(app):
        with caplog.at_level(logging.INFO):
            # the line uvicorn's access logger writes for each request, with the same arguments
            access = logging.getLogger("uvicorn.access")
            access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5555", "GET", target, "1.1", 200)
            logging.getLogger("forgehooks.api").warning("unhandled error on GET %s", target)
    assert "SEKRET123" not in caplog.text
    assert caplog.text.count("=****") == 2


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
