"""The Codeup answer envelope written as JSON, or as XML when the client's Accept asks for it."""

from __future__ import annotations

import re
from typing import Any

import xmltodict
from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

from forgehooks.core.ids import new_uuid

XML_TYPES = ("application/xml", "text/xml")

#: (method, path pattern) -> the action name Alibaba's SDK uses, which names the XML root.
ACTIONS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("POST", re.compile(r"^/api/v3/projects/[^/]+/hooks/?$"), "AddWebhook"),
    ("GET", re.compile(r"^/api/v3/projects/[^/]+/hooks/?$"), "ListRepositoryWebhook"),
    ("GET", re.compile(r"^/api/v3/projects/[^/]+/hooks/[^/]+/?$"), "GetRepositoryWebhook"),
    ("PUT", re.compile(r"^/api/v3/projects/[^/]+/hooks/[^/]+/?$"), "UpdateRepositoryWebhook"),
    ("DELETE", re.compile(r"^/api/v3/projects/[^/]+/hooks/[^/]+/?$"), "DeleteRepositoryWebhook"),
    ("POST", re.compile(r"^/api/v3/projects/[^/]+/hooks/[^/]+/test/?$"), "TestRepositoryWebhook"),
)


def new_request_id() -> str:
    """A fresh RequestId for one call."""
    return new_uuid().upper()


def action_of(request: Request) -> str:
    """The SDK action name of this call, or `Codeup` for paths outside the API."""
    for method, pattern, action in ACTIONS:
        if request.method == method and pattern.match(request.url.path):
            return action
    return "Codeup"


def wants_xml(request: Request) -> bool:
    """Whether the first JSON-or-XML media type in Accept is XML."""
    for part in request.headers.get("accept", "").split(","):
        media = part.split(";", 1)[0].strip().lower()
        if media in XML_TYPES:
            return True
        if media in ("application/json", "*/*", "application/*"):
            return False
    return False


def _xml_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return {key: _xml_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_xml_value(item) for item in value]
    if value is None or value == "":
        return None
    return str(value)


def to_xml(root: str, document: dict[str, Any]) -> bytes:
    """The envelope as an XML document under `<root>`; lists repeat their element."""
    text: str = xmltodict.unparse(
        {root: _xml_value(document)}, encoding="utf-8", short_empty_elements=True, pretty=False
    )
    return text.encode("utf-8")


def answer(
    request: Request, envelope: BaseModel, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """The envelope in the format the client asked for."""
    extra = {"x-acs-request-id": str(getattr(envelope, "RequestId", ""))} | (headers or {})
    if wants_xml(request):
        body = to_xml(action_of(request) + "Response", envelope.model_dump(mode="json"))
        return Response(body, status_code=status, media_type="application/xml", headers=extra)
    # written by pydantic in one pass, not dumped to a dict and then to text by json.dumps
    json = envelope.model_dump_json().encode()
    return Response(json, status_code=status, media_type="application/json", headers=extra)
