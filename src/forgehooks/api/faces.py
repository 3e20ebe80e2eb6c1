"""The faces served by the app, in the registry's order."""

from __future__ import annotations

import importlib

from forgehooks.dialects.face import Face
from forgehooks.dialects.registry import FACE_PACKAGES


def load_faces() -> list[Face]:
    """Each face package's `face` module's `face` object; one without it is a packaging bug."""
    faces: list[Face] = []
    for name in FACE_PACKAGES:
        module = importlib.import_module(f"forgehooks.dialects.{name}.face")
        face = getattr(module, "face", None)
        if not isinstance(face, Face):
            raise RuntimeError(f"forgehooks.dialects.{name}.face has no `face`")
        faces.append(face)
    return faces
