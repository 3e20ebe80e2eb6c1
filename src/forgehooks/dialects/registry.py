"""The face packages forgehooks serves, in order: adding a face is one line here.

Each listed package has a `face.py` whose `face` is its `Face` (routes and all, for the
app) and a `wire.py` whose `WIRE` is its wire format (for workers, without FastAPI).
"""

from __future__ import annotations

FACE_PACKAGES: tuple[str, ...] = ("gitcode_v4", "codeup_v3", "gitflic", "gitcode_v5", "codearts_v4")
