"""JSON bodies no face can take, refused with a 400 naming the field before any route parses them.

Python's JSON parser accepts what the rest of the service cannot: strings holding a lone
UTF-16 surrogate (no UTF-8 form, so no database or receiver can hold them), integers past
64 bits (no column or orjson can), and nesting deep enough to exhaust the recursion limit.
Each check first looks at the raw bytes, so an ordinary body is never parsed here.
"""

from __future__ import annotations

import json
import re
from typing import Any

from forgehooks.core.errors import InvalidInput

#: Deeper JSON is refused; no face's body nests more than a few levels.
MAX_DEPTH = 64
INT_MIN, INT_MAX = -(2**63), 2**64 - 1

SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
LONG_NUMBER = re.compile(rb"\d{19,}")
STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings ignored)."""
    brackets = STRING.sub(b"", body).translate(None, NOT_BRACKETS)
    deepest = level = 0
    for b in brackets:
        level += 1 if b in b"[{" else -1
        deepest = max(deepest, level)
    return deepest


def _unencodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


def bad_value(value: Any, path: str = "") -> tuple[str, str] | None:
    """The dotted path of the first key or value no store can hold, and why."""
    if isinstance(value, str):
        return (path or "body", "contains a lone UTF-16 surrogate") if _unencodable(value) else None
    if isinstance(value, int) and not isinstance(value, bool) and not INT_MIN <= value <= INT_MAX:
        return path or "body", "is an integer out of the 64-bit range"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        here = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and _unencodable(key):
            return here, "contains a lone UTF-16 surrogate"
        found = bad_value(item, here)
        if found:
            return found
    return None


def refuse_unstorable_json(body: bytes) -> None:
    """InvalidInput when a JSON body nests too deeply, or holds lone surrogates or huge integers."""
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and depth(body) > MAX_DEPTH:
        raise InvalidInput("body", f"nests more than {MAX_DEPTH} levels deep")
    if not (SURROGATE_ESCAPE.search(body) or LONG_NUMBER.search(body)):
        return
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON: the route's own parsing answers
    found = bad_value(parsed)
    if found:
        raise InvalidInput(*found)
