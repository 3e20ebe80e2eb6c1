"""Request and response models of the GitCode v5 hooks API, with the document's own field names."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from forgehooks.core.clock import format_time
from forgehooks.core.errors import InvalidInput
from forgehooks.core.hooks import Hook, shown_secret, shown_url
from forgehooks.dialects.gitcode_v5.mapping import DIALECT, flags_of


class HookParams(BaseModel):
    """The writable hook parameters, sent as query, form data or JSON (absent ones stay as they are)."""

    model_config = ConfigDict(extra="ignore")
    url: str | None = Field(None, description="url", examples=["http://duxwsqdkyx.cu/px"])
    encryption_type: int | None = Field(None, description="Encryption Type: 0(Password), 1(Signature Key)")
    password: str | None = Field(
        None, description="The password is included in the request URL to prevent malicious requests."
    )
    push_events: bool | None = Field(None, description="Push Code to Repository Event")
    tag_push_events: bool | None = Field(None, description="Tag Push to Repository Event")
    issues_events: bool | None = Field(None, description="Issue Creation/Closure Event")
    note_events: bool | None = Field(None, description="Comment on Issue/PR/commit Event")
    merge_requests_events: bool | None = Field(None, description="Merge Request Creation and Merging Event")

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters given, typed; InvalidInput (400) names the first mistyped one."""
        try:
            model = cls.model_validate(dict(raw))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "body"
            raise InvalidInput(field, str(first["msg"])) from exc
        return model.model_dump(exclude_none=True)


def result_of(hook: Hook) -> str | None:
    """The latest delivery's outcome as text: the reason phrase, the network error, or null."""
    if hook.last_at is None:
        return None
    if hook.last_status_code is None:
        return hook.last_message or "no response"
    try:
        return HTTPStatus(hook.last_status_code).phrase.lower()
    except ValueError:
        return hook.last_message or f"HTTP {hook.last_status_code}"


class HookOut(BaseModel):
    """A hook as GitCode v5 shows it (the document's fields, in its order)."""

    id: int
    url: str
    password: str
    result: str | None = Field(description="latest delivery outcome; null before the first one")
    project_id: int
    result_code: int = Field(description="latest delivery's HTTP status; 0 before the first one")
    push_events: bool
    tag_push_events: bool
    issues_events: bool
    note_events: bool
    merge_requests_events: bool
    created_at: str = Field(examples=["2024-09-18T17:51:44+08:00"])

    @classmethod
    def of(cls, hook: Hook) -> HookOut:
        """From the canonical hook."""
        return cls(
            id=hook.id,
            url=shown_url(hook.url),
            password=shown_secret(hook, DIALECT),
            result=result_of(hook),
            project_id=hook.project_id,
            result_code=hook.last_status_code or 0,
            created_at=format_time(hook.created_at, offset_hours=8, fraction=0),
            **flags_of(hook.events),
        )


def params_body_schema() -> dict[str, Any]:
    """OpenAPI request body: the same parameters as JSON or form data."""
    schema = HookParams.model_json_schema()
    content = {
        media: {"schema": schema}
        for media in ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
    }
    return {"requestBody": {"required": False, "content": content}}
