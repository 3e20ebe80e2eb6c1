"""The five faces' wire formats without their routes: all a delivery worker needs of them.

A face's `face.py` pulls in FastAPI, pydantic models and routes; its `wire.py` only core.
"""

from __future__ import annotations

from forgehooks.core.wire import WireFormat
from forgehooks.dialects.codearts_v4.wire import CodeArtsWire
from forgehooks.dialects.codeup_v3.wire import CodeupWire
from forgehooks.dialects.gitcode_v4.wire import GitCodeV4Wire
from forgehooks.dialects.gitcode_v5.wire import GitCodeV5Wire
from forgehooks.dialects.gitflic.wire import GitflicWire


def load_wires() -> list[WireFormat]:
    """Each face's wire format, in the order of the faces."""
    return [GitCodeV4Wire(), CodeupWire(), GitflicWire(), GitCodeV5Wire(), CodeArtsWire()]
