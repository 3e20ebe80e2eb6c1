"""Request and response models of GitCode v4, with the document's own field names.

Requests come as JSON, as form fields or as query parameters (Grape merges them), so
bodies are read by `read_params` and validated here; `request_body` documents them.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from forgehooks.core.clock import format_time
from forgehooks.core.errors import InvalidInput
from forgehooks.core.events import Actor
from forgehooks.core.hooks import Hook, shown_url
from forgehooks.core.statuses import CommitStatus, QualityReport
from forgehooks.dialects.gitcode_v4.mapping import HeaderMode, flags_of, header_mode_of, pattern_of

Model = TypeVar("Model", bound=BaseModel)

#: Largest value of an INTEGER column on PostgreSQL.
INT_MAX = 2**31 - 1
Short = Annotated[str, Field(max_length=255)]


class FaceInput(BaseModel):
    """Request fields: unknown ones ignored (as Grape does), NUL bytes refused."""

    model_config = ConfigDict(extra="ignore")

    @field_validator("*")
    @classmethod
    def no_nul(cls, value: Any) -> Any:
        """PostgreSQL text cannot hold NUL; such a value is invalid."""
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("contains a NUL byte")
        return value


class HookIn(FaceInput):
    """Fields of a hook update (PUT): every one optional, absent ones stay unchanged."""

    url: str | None = None
    token: str | None = None
    push_events: bool | None = None
    tag_push_events: bool | None = None
    merge_requests_events: bool | None = None
    note_events: bool | None = None
    issues_events: bool | None = None
    pipeline_events: bool | None = None
    active: bool | None = None
    content_type: Literal["application/json"] | None = None
    enable_ssl_verification: bool | None = None
    push_events_branch_filter: str | None = None
    #: forgehooks' option: GitCode's delivery headers (default), GitLab's, or both
    header_mode: HeaderMode | None = None

    def given(self) -> dict[str, Any]:
        """The fields the request carried (nulls count as absent)."""
        return self.model_dump(exclude_none=True, exclude_unset=True)


class HookCreate(HookIn):
    """Fields of a new hook: `url` is required."""

    url: str


class HookOut(BaseModel):
    """A hook as GitCode v4 shows it (the token is never shown)."""

    id: int
    url: str
    created_at: str
    push_events: bool
    tag_push_events: bool
    merge_requests_events: bool
    project_id: int
    note_events: bool
    token: str
    active: bool
    content_type: str
    latest_log_status_code: int | None
    issues_events: bool
    pipeline_events: bool
    enable_ssl_verification: bool
    push_events_branch_filter: str
    header_mode: HeaderMode


class TestIn(FaceInput):
    """The document's `trigger` parameter of the test call."""

    trigger: str = "push_events"


class MessageOut(BaseModel):
    """GitLab's one-message answer."""

    message: str


CommitStateName = Literal["pending", "running", "success", "failed", "canceled"]


class StatusIn(FaceInput):
    """A commit status report (the document's fields plus GitLab's `context`)."""

    state: CommitStateName
    ref: Short | None = None
    name: Short | None = None
    context: Short | None = None
    target_url: str | None = None
    description: str | None = None
    stage: Short | None = None
    trigger_user: Short | None = None
    build_id: Short | int | None = None
    merge_request_id: str | int | None = None
    merge_request_iid: Annotated[int, Field(ge=0, le=INT_MAX)] | None = None


class AuthorOut(BaseModel):
    """The user who reported a status."""

    id: int
    name: str
    username: str
    nick_name: str
    state: str
    avatar_url: str
    avatar_path: str | None
    email: str
    name_cn: str | None
    web_url: str
    tenant_name: str | None


class StatusOut(BaseModel):
    """A commit status as the document shows it."""

    id: int
    sha: str
    ref: str
    status: str
    name: str
    target_url: str
    created_at: str
    started_at: str | None
    finished_at: str | None
    allow_failure: bool
    trigger_user: str | None
    updated_at: str
    rebuild_failed_url: str | None
    third_build_id: str
    description: str
    author: AuthorOut


class QualityIn(FaceInput):
    """A quality report of one stage of a commit."""

    merge_request_id: Annotated[int, Field(ge=0, le=INT_MAX)] | None = None
    merge_request_iid: Annotated[int, Field(ge=0, le=INT_MAX)] | None = None
    ref: Short | None = None
    stage: Short | None = None
    message: str | None = None
    url: str | None = None
    quality_data: dict[str, Any] | list[dict[str, Any]] | None = None
    status: Annotated[str, Field(min_length=1, max_length=16)] | None = None


class QualityOut(BaseModel):
    """A quality report as the document shows it."""

    pipeline_id: int
    stage: str
    status: str
    url: str
    message: str | None
    result: list[dict[str, Any]]
    version: int
    created_at: str
    updated_at: str


async def read_params(request: Request) -> dict[str, Any]:
    """Query parameters overlaid with the JSON or form body, as Grape merges them."""
    params: dict[str, Any] = dict(request.query_params)
    params.pop("access_token", None)
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        params |= {k: v for k, v in form.items() if isinstance(v, str)}
        return params
    raw = await request.body()
    if not raw.strip():
        return params
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise InvalidInput("body", "is not valid JSON") from exc
    if not isinstance(body, dict):
        raise InvalidInput("body", "must be a JSON object")
    return params | body


def parse(model: type[Model], params: dict[str, Any]) -> Model:
    """`params` as `model`; InvalidInput says which field is missing or invalid, as GitLab does."""
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "body"
        if first["type"] == "missing":
            raise InvalidInput(field, "is missing") from exc
        if first["type"] == "literal_error":
            raise InvalidInput(field, "does not have a valid value") from exc
        raise InvalidInput(field, "is invalid") from exc


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI `requestBody` for a model accepted as JSON or as form fields."""
    schema = model.model_json_schema()
    content = {kind: {"schema": schema} for kind in ("application/json", "application/x-www-form-urlencoded")}
    return {"requestBody": {"required": False, "content": content}}


def timestamp(moment: datetime) -> str:
    """The document's time format: `2023-09-16T15:02:12.365+08:00`."""
    return format_time(moment, offset_hours=8, fraction=3)


def optional_timestamp(moment: datetime | None) -> str | None:
    """`timestamp`, or null."""
    return timestamp(moment) if moment is not None else None


def hook_out(hook: Hook) -> HookOut:
    """A hook made through any face, with its kinds shown as this face's flags."""
    flags = flags_of(hook.events)
    return HookOut(
        id=hook.id,
        url=shown_url(hook.url),
        created_at=timestamp(hook.created_at),
        project_id=hook.project_id,
        token="",
        active=hook.active,
        content_type=hook.content_type,
        latest_log_status_code=hook.last_status_code,
        enable_ssl_verification=hook.ssl_verify,
        push_events_branch_filter=pattern_of(hook),
        header_mode=header_mode_of(hook),
        **flags,
    )


def author_out(author: Actor, base_url: str) -> AuthorOut:
    """A status author as the document shows users."""
    return AuthorOut(
        id=author.id,
        name=author.name or author.username,
        username=author.username,
        nick_name=author.name or author.username,
        state="active",
        avatar_url=author.avatar_url,
        avatar_path=None,
        email=author.email,
        name_cn=None,
        web_url=f"{base_url.rstrip('/')}/{author.username}",
        tenant_name=None,
    )


def status_out(status: CommitStatus, base_url: str) -> StatusOut:
    """A commit status as the document shows it."""
    return StatusOut(
        id=status.id,
        sha=status.sha,
        ref=status.ref,
        status=status.status.value,
        name=status.name,
        target_url=status.target_url,
        created_at=timestamp(status.created_at),
        started_at=optional_timestamp(status.started_at),
        finished_at=optional_timestamp(status.finished_at),
        allow_failure=False,
        trigger_user=status.trigger_user,
        updated_at=timestamp(status.updated_at),
        rebuild_failed_url=None,
        third_build_id=status.build_id,
        description=status.description,
        author=author_out(status.author, base_url),
    )


def quality_out(report: QualityReport) -> QualityOut:
    """A quality report as the document shows it."""
    return QualityOut(
        pipeline_id=report.id,
        stage=report.stage,
        status=report.status,
        url=report.url,
        message=report.message,
        result=[dict(r) for r in report.results],
        version=report.version,
        created_at=timestamp(report.created_at),
        updated_at=timestamp(report.updated_at),
    )
