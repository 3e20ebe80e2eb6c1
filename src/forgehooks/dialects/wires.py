"""The faces' wire formats without their routes: all a delivery worker needs of them.

A face's `face.py` pulls in FastAPI, pydantic models and routes; its `wire.py` only core.
"""

from __future__ import annotations

import importlib

from forgehooks.core.wire import WireFormat
from forgehooks.dialects.registry import FACE_PACKAGES


def load_wires() -> list[WireFormat]:
    """Each registered face's `wire.WIRE`, in the order of the faces; one without it is a packaging bug."""
    wires: list[WireFormat] = []
    for name in FACE_PACKAGES:
        wire = getattr(importlib.import_module(f"forgehooks.dialects.{name}.wire"), "WIRE", None)
        if wire is None or not hasattr(wire, "render") or not hasattr(wire, "request"):
            raise RuntimeError(f"forgehooks.dialects.{name}.wire has no `WIRE`")
        wires.append(wire)
    return wires
