"""This face as the app serves it: its routes, wire format and error bodies."""

from __future__ import annotations

from forgehooks.dialects.face import Face
from forgehooks.dialects.gitcode_v4.auth import CREDENTIALS
from forgehooks.dialects.gitcode_v4.errors import render_error
from forgehooks.dialects.gitcode_v4.routes import PREFIX, router
from forgehooks.dialects.gitcode_v4.wire import DIALECT, GitCodeV4Wire

face = Face(
    name=DIALECT,
    title="GitCode v4 (GitLab-compatible)",
    prefixes=(PREFIX,),
    router=router,
    wire=GitCodeV4Wire(),
    render_error=render_error,
    credentials=CREDENTIALS,
)
