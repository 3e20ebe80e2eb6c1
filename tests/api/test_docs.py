"""`/docs` works offline: Swagger UI's page loads its script, stylesheet and icon from this
service (the swagger-ui-bundle package), never from a CDN."""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = pytest.mark.parametrize("settings", ["sqlite"], indirect=True)


async def test_the_docs_page_loads_every_asset_from_the_service(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/docs/assets/") for s in sources), sources
    assert "cdn" not in page.text.lower() and "'/openapi.json'" in page.text
    for source in sources:
        asset = await client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 500, source
    script = await client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.headers["content-type"].startswith("text/javascript")


async def test_only_the_pages_own_assets_are_served(client: httpx.AsyncClient) -> None:
    for name in ("index.html", "swagger-ui.js.map", "..%2F__init__.py", "nope.js"):
        r = await client.get(f"/docs/assets/{name}")
        assert r.status_code == 404, name
    assert (await client.get("/redoc")).status_code == 404
