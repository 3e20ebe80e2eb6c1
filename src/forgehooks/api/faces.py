"""The five faces served by the app, in a fixed order."""

from __future__ import annotations

import importlib

from forgehooks.dialects.face import Face

FACE_PACKAGES = ("gitcode_v4", "codeup_v3", "gitflic", "gitcode_v5", "codearts_v4")


def load_faces() -> list[Face]:
    """Each face package's `face` object."""
    faces: list[Face] = []
    for name in FACE_PACKAGES:
        try:
            module = importlib.import_module(f"forgehooks.dialects.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"forgehooks.dialects.{name}":
                continue  # not built yet
            raise
        face = getattr(module, "face", None)
        if face is not None:
            faces.append(face)
    return faces
