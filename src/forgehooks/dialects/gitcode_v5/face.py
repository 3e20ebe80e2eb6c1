"""This face as the app serves it: its routes, wire format and error bodies."""

from __future__ import annotations

from forgehooks.dialects.face import Face
from forgehooks.dialects.gitcode_v5.auth import CREDENTIALS
from forgehooks.dialects.gitcode_v5.errors import render_error
from forgehooks.dialects.gitcode_v5.mapping import DIALECT
from forgehooks.dialects.gitcode_v5.routes import PREFIX, router
from forgehooks.dialects.gitcode_v5.wire import GitCodeV5Wire

face = Face(
    name=DIALECT,
    title="GitCode v5",
    prefixes=(PREFIX,),
    router=router,
    wire=GitCodeV5Wire(),
    render_error=render_error,
    credentials=CREDENTIALS,
)
