"""Request and response bodies of the CodeArts Repo v4 webhook API, with its own field names."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictStr

from forgehooks.core.clock import format_time
from forgehooks.core.deliveries import Attempt, Delivery
from forgehooks.core.hooks import Hook, shown_url
from forgehooks.core.projects import Project
from forgehooks.dialects.codearts_v4.mapping import TOKEN_MASK, flags_of, regex_of, token_type_of, trigger_of

#: A header name a token may travel in; our own and the event headers are reserved.
TOKEN_HEADER = re.compile(r"^X-[A-Za-z0-9][A-Za-z0-9-]*$")
RESERVED_HEADERS = ("x-forgehooks-", "x-codehub-event", "x-gitlab-event")


def _token_type(value: str) -> str:
    if value and (not TOKEN_HEADER.fullmatch(value) or value.lower().startswith(RESERVED_HEADERS)):
        raise ValueError("must be a header name such as X-Repo-Token, X-Gitlab-Token or X-Auth-Token")
    return value


class WebhookIn(BaseModel):
    """WebhookParamsDto: the body of add and update; on update, fields left out stay unchanged."""

    model_config = ConfigDict(extra="ignore")

    url: Annotated[StrictStr | None, Field(max_length=500, description="Webhook URL.")] = None
    push_events: Annotated[StrictBool | None, Field(description="Whether to enable the push event.")] = None
    push_events_branch_regex_filter: Annotated[
        StrictStr | None,
        Field(max_length=500, description="Regular expression for push event branches filtering."),
    ] = None
    tag_push_events: Annotated[
        StrictBool | None, Field(description="Whether to enable the tag push event.")
    ] = None
    merge_requests_events: Annotated[
        StrictBool | None, Field(description="Whether to enable the MR event.")
    ] = None
    note_events: Annotated[StrictBool | None, Field(description="Whether to enable the comment event.")] = (
        None
    )
    token: Annotated[StrictStr | None, Field(max_length=2000, description="Token value.")] = None
    token_type: Annotated[
        StrictStr | None,
        Field(max_length=200, description="Token type: the header the token is sent in (X-Repo-Token)."),
        AfterValidator(lambda v: v if v is None else _token_type(v)),
    ] = None
    name: Annotated[StrictStr | None, Field(max_length=200, description="Name.")] = None
    description: Annotated[StrictStr | None, Field(max_length=200, description="Description.")] = None

    def given(self) -> dict[str, Any]:
        """The fields the caller sent with a value (null counts as left out)."""
        return {k: v for k, v in self.model_dump(exclude_unset=True).items() if v is not None}


class WebhookOut(BaseModel):
    """WebhookDto: one hook as the API shows it (the token masked)."""

    id: int = Field(description="Webhook ID.")
    url: str
    push_events: bool
    push_events_branch_regex_filter: str
    tag_push_events: bool
    merge_requests_events: bool
    note_events: bool
    token: str = Field(description='"************" when a token is set, "" otherwise.')
    token_type: str
    name: str
    description: str
    created_at: str = Field(description="yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
    updated_at: str = Field(description="yyyy-MM-dd'T'HH:mm:ss.SSSXXX")

    @classmethod
    def of(cls, hook: Hook) -> WebhookOut:
        """A stored hook (made through any face) as CodeArts shows it."""
        return cls(
            id=hook.id,
            url=shown_url(hook.url),
            push_events_branch_regex_filter=regex_of(hook.branch_filter),
            token=TOKEN_MASK if hook.secret else "",
            token_type=token_type_of(hook),
            name=hook.name,
            description=hook.description,
            created_at=shown(hook.created_at),
            updated_at=shown(hook.updated_at),
            **flags_of(hook.events),
        )


class WebhookRepositoryOut(BaseModel):
    """WebhookRepositoryDto: the repository a log entry belongs to."""

    id: int
    namespace: str


class WebhookLogOut(BaseModel):
    """WebhookLogExtendDto: one request a hook sent."""

    id: int = Field(description="Webhook log ID.")
    web_hook_id: int
    trigger: str = Field(description="Trigger type, e.g. push_hooks.")
    url: str
    response_status: str = Field(description='The response code, or "internal error" without one.')
    execution_duration: float = Field(description="Response time in seconds.")
    uuid: str = Field(description="The uuid field of the request body.")
    created_at: str
    updated_at: str
    repository: WebhookRepositoryOut

    @classmethod
    def of(cls, attempt: Attempt, delivery: Delivery, project: Project) -> WebhookLogOut:
        """One attempt of the delivery log as a CodeArts log entry."""
        return cls(
            **log_fields(attempt, delivery),
            repository=WebhookRepositoryOut(id=project.id, namespace=project.owner),
        )


class WebhookLogDetailOut(BaseModel):
    """ShowProjectWebhookLog's body: a log entry with the request and the response."""

    id: int
    web_hook_id: int
    trigger: str
    url: str
    response_status: str
    execution_duration: float
    uuid: str
    created_at: str
    updated_at: str
    request_headers: dict[str, Any] = Field(description="Request headers, the token hidden.")
    request_data: Any = Field(description="Request body.")
    response_headers: dict[str, Any]
    response_body: Any

    @classmethod
    def of(cls, attempt: Attempt, delivery: Delivery, body: bytes) -> WebhookLogDetailOut:
        """One attempt with the exact request it sent and what came back."""
        return cls(
            **log_fields(attempt, delivery),
            request_headers=dict(attempt.request_headers),
            request_data=_without_emails(_parsed(body.decode("utf-8", "replace"))),
            response_headers=dict(attempt.response_headers),
            response_body=_parsed(attempt.response_body),
        )


def shown(moment: Any) -> str:
    """A time as the CodeArts API writes it: `2024-10-15T22:30:24.000+08:00`."""
    return format_time(moment, offset_hours=8, fraction=3)


def log_fields(attempt: Attempt, delivery: Delivery) -> dict[str, Any]:
    """The fields every log entry has."""
    finished = attempt.started_at + timedelta(milliseconds=attempt.duration_ms)
    return {
        "id": attempt.id,
        "web_hook_id": delivery.hook_id,
        "trigger": trigger_of(delivery.event_kind),
        "url": shown_url(attempt.request_url),
        "response_status": str(attempt.response_status) if attempt.response_status else "internal error",
        "execution_duration": round(attempt.duration_ms / 1000, 3),
        "uuid": delivery.event_id,
        "created_at": shown(attempt.started_at),
        "updated_at": shown(finished),
    }


def _parsed(text: str) -> Any:
    """JSON text as data, anything else as the text itself."""
    try:
        return json.loads(text) if text else text
    except ValueError:
        return text


def _without_emails(value: Any) -> Any:
    """The request body as the log shows it: users' e-mail addresses hidden."""
    if isinstance(value, dict):
        return {k: ("******" if "email" in k and v else _without_emails(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_emails(v) for v in value]
    return value


class ErrorOut(BaseModel):
    """The error body of every CodeArts Repo call."""

    error_code: str
    error_msg: str
