"""This face as the app serves it: its routes, wire format and error bodies."""

from __future__ import annotations

from forgehooks.dialects.codeup_v3.auth import CREDENTIALS
from forgehooks.dialects.codeup_v3.errors import render_error
from forgehooks.dialects.codeup_v3.routes import router
from forgehooks.dialects.codeup_v3.wire import DIALECT, CodeupWire
from forgehooks.dialects.face import Face

face = Face(
    name=DIALECT,
    title="Alibaba Cloud Codeup (API v3)",
    prefixes=("/api/v3/",),
    router=router,
    wire=CodeupWire(),
    render_error=render_error,
    credentials=CREDENTIALS,
)
