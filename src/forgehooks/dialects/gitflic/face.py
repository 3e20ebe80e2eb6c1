"""This face as the app serves it: its routes, wire format and error bodies."""

from __future__ import annotations

from forgehooks.dialects.face import Face
from forgehooks.dialects.gitflic.auth import CREDENTIALS
from forgehooks.dialects.gitflic.errors import render_error
from forgehooks.dialects.gitflic.mapping import DIALECT
from forgehooks.dialects.gitflic.routes import router
from forgehooks.dialects.gitflic.wire import GitflicWire

face = Face(
    name=DIALECT,
    title="GitFlic",
    prefixes=("/project/",),
    router=router,
    wire=GitflicWire(),
    render_error=render_error,
    credentials=CREDENTIALS,
)
