"""`/docs`: Swagger UI served from the installed fastapi-swagger package's copy of swagger-ui-dist
(5.x, which reads OpenAPI 3.1), so the page works offline."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse

from forgehooks.core.errors import NotFound

router = APIRouter(include_in_schema=False)

#: Where the package keeps Swagger UI's files (a folder of the installed package).
SWAGGER_UI = Path(str(resources.files("fastapi_swagger") / "resources"))

ASSETS = "/docs/assets"
#: The files the page loads, with their media types; nothing else of the package is served.
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over this service's OpenAPI document, every asset from this service."""
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        oauth2_redirect_url="/docs/oauth2-redirect",
    )


@router.get("/docs/oauth2-redirect")
async def oauth2_redirect() -> HTMLResponse:
    """Swagger UI's OAuth2 redirect page."""
    return get_swagger_ui_oauth2_redirect_html()


@router.get(ASSETS + "/{name}")
async def asset(name: str) -> FileResponse:
    """One of Swagger UI's files, from the package."""
    if name not in ASSET_TYPES:
        raise NotFound("404 Not Found")
    return FileResponse(
        SWAGGER_UI / name,
        media_type=ASSET_TYPES[name],
        headers={"Cache-Control": "public, max-age=86400"},
    )
