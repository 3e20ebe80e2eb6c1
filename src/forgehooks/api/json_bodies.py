"""JSON bodies no face can take, refused with a 400 naming the field before any route parses them.

Python's JSON parser accepts what the rest of the service cannot: strings holding a lone
UTF-16 surrogate (no UTF-8 form, so no database or receiver can hold them), integers past
64 bits (no column or orjson can), and nesting deep enough to exhaust the recursion limit.
Each check first looks at the raw bytes, so an ordinary body is never parsed here.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from forgehooks.core.errors import InvalidInput

#: Deeper JSON is refused; no face's body nests more than a few levels.
MAX_DEPTH = 64
INT_MIN, INT_MAX = -(2**63), 2**64 - 1

SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
#: +1 for an opening bracket, -1 for a closing one, by byte value.
STEP = [1 if b in b"[{" else -1 for b in range(256)]
DIGITS_AS_ZERO = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))
DIGIT_RUN = b"0" * 19
NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings ignored).

    C-speed steps only: escaped backslashes and quotes go first, then every other
    quote-delimited piece is a string's inside; the running sum of +1/-1 per bracket peaks
    at the depth.
    """
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"") if b"\\" in body else body
    outside = b"".join(unescaped.split(b'"')[::2]).translate(None, NOT_BRACKETS)
    return max(accumulate(map(STEP.__getitem__, outside)), default=0)


def has_long_number(body: bytes) -> bool:
    """Whether the text holds a run of 19 or more digits (a regex search is ten times slower)."""
    return DIGIT_RUN in body.translate(DIGITS_AS_ZERO)


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
    surrogate = (b"\\ud" in body or b"\\uD" in body) and SURROGATE_ESCAPE.search(body)
    if not (surrogate or has_long_number(body)):
        return
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON: the route's own parsing answers
    found = bad_value(parsed)
    if found:
        raise InvalidInput(*found)
