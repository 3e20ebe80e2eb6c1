"""This face as the app serves it: its routes, wire format and error bodies."""

from __future__ import annotations

from forgehooks.dialects.codearts_v4.auth import CREDENTIALS
from forgehooks.dialects.codearts_v4.errors import render_error
from forgehooks.dialects.codearts_v4.mapping import DIALECT
from forgehooks.dialects.codearts_v4.routes import router
from forgehooks.dialects.codearts_v4.wire import CodeArtsWire
from forgehooks.dialects.face import Face

face = Face(
    name=DIALECT,
    title="Huawei CodeArts Repo v4",
    prefixes=("/v4/",),
    router=router,
    wire=CodeArtsWire(),
    render_error=render_error,
    credentials=CREDENTIALS,
)
