"""ASGI middleware: keep `%2F` inside path segments (GitLab's `owner%2Fname` ids)."""

from __future__ import annotations

from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

ENCODED_SLASH = "%2F"


class EncodedSlashMiddleware:
    """Routes see `%2F` literally, so `/projects/acme%2Fwidgets/hooks` matches `{project_id}`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = scope.get("raw_path")
            if raw and b"%2f" in raw.lower():
                text = raw.decode("latin-1").split("?", 1)[0]
                parts = text.replace("%2f", ENCODED_SLASH).split(ENCODED_SLASH)
                scope = dict(scope)
                scope["path"] = "%2F".join(unquote(p) for p in parts)
        await self.app(scope, receive, send)
