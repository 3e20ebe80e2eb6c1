"""Where GitCode v5's parameters come from: the query string, form data or a JSON body, merged."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request

from forgehooks.core.errors import InvalidInput

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

#: Largest hook id a path may name (the store's ids are signed 64-bit).
MAX_ID = 2**63 - 1


async def _body_params(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body.strip():
        return {}
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media in FORM_TYPES:
        form = await request.form()
        return {key: value for key, value in form.items() if isinstance(value, str)}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("body", "is neither form data nor valid JSON") from exc
    if not isinstance(data, dict):
        raise InvalidInput("body", "must be a JSON object")
    return data


async def request_params(request: Request) -> dict[str, Any]:
    """Query parameters overlaid with the body's (form or JSON), as the document's demos send them."""
    return dict(request.query_params) | await _body_params(request)


ParamsDep = Annotated[dict[str, Any], Depends(request_params)]


def hook_id_of(value: str) -> int:
    """The numeric hook id of a path segment; 400 when it is not a number."""
    if not value.isascii() or not value.isdigit():
        raise InvalidInput("id", "must be a numeric webhook id")
    number = int(value)
    if number > MAX_ID:
        raise InvalidInput("id", "is out of range")
    return number
