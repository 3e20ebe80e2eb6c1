"""Codeup v3 request bodies (snake_case) and answer envelopes (PascalCase), as the document names them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from forgehooks.core.clock import format_time
from forgehooks.core.hooks import Hook, shown_secret, shown_url
from forgehooks.dialects.codeup_v3.mapping import FLAG_ALIASES, flags_of, last_test_result
from forgehooks.dialects.codeup_v3.wire import DIALECT

_TYPO = "merge_reqeusts_events"
_NULL_AS_EMPTY = ("description", "secret_token")


def _resolved(values: dict[str, Any], given: set[str]) -> dict[str, Any]:
    """Fold the document's misspelt flag into the right one (the right spelling wins)."""
    typo = values.pop(_TYPO, None)
    if _TYPO in given and FLAG_ALIASES[_TYPO] not in given and typo is not None:
        values[FLAG_ALIASES[_TYPO]] = typo
    for name in _NULL_AS_EMPTY:
        if name in values and values[name] is None:
            values[name] = ""
    return values


class HookCreate(BaseModel):
    """The body of `POST /api/v3/projects/{ProjectId}/hooks`, defaults as the document's table."""

    model_config = ConfigDict(extra="ignore")

    url: str = Field(description="Webhook url", max_length=2048)
    push_events: bool = Field(True, description="分支推送事件 (push)")
    merge_requests_events: bool = Field(False, description="合并请求事件 (merge request)")
    merge_reqeusts_events: bool | None = Field(
        None, description="The document's table spelling of merge_requests_events; accepted as well"
    )
    tag_push_events: bool = Field(False, description="标签推送事件 (tag push)")
    note_events: bool = Field(False, description="评论事件 (comment)")
    issues_events: bool = Field(False, description="Issue事件 (deprecated)")
    build_events: bool = Field(False, description="构建事件 (deprecated)")
    enable_ssl_verification: bool = Field(
        True, description="使用认证 (verify the receiver's TLS certificate)"
    )
    description: str | None = Field("", max_length=2000, description="描述")
    secret_token: str | None = Field("", max_length=255, description="Webhook合法性验证Token")

    def fields(self) -> dict[str, Any]:
        """Every field with defaults applied and the misspelt flag folded in."""
        return _resolved(self.model_dump(), set(self.model_fields_set))


class HookUpdate(BaseModel):
    """The body of `PUT .../hooks/{HookId}`: fields left out (or null) stay as they are."""

    model_config = ConfigDict(extra="ignore")

    url: str | None = Field(None, max_length=2048)
    push_events: bool | None = None
    merge_requests_events: bool | None = None
    merge_reqeusts_events: bool | None = None
    tag_push_events: bool | None = None
    note_events: bool | None = None
    issues_events: bool | None = None
    build_events: bool | None = None
    enable_ssl_verification: bool | None = None
    description: str | None = Field(None, max_length=2000)
    secret_token: str | None = Field(None, max_length=255)

    def fields(self) -> dict[str, Any]:
        """Only the fields given with a value."""
        given = {name for name in self.model_fields_set if getattr(self, name) is not None}
        return _resolved({name: getattr(self, name) for name in given}, given)


class TestTrigger(BaseModel):
    """Optional body of the test call: which event kind to send."""

    model_config = ConfigDict(extra="ignore")

    trigger: str | None = Field(None, description="push_events (default), tag_push_events, ...")


class HookResult(BaseModel):
    """One webhook as Codeup shows it."""

    Id: int
    Url: str
    ProjectId: int
    CreatedAt: str = Field(examples=["2020-11-13T10:50:32.167+08:00"])
    PushEvents: bool
    TagPushEvents: bool
    MergeRequestsEvents: bool
    NoteEvents: bool
    IssuesEvents: bool = Field(description="deprecated")
    BuildEvents: bool = Field(description="deprecated")
    EnableSslVerification: bool
    Description: str
    SecretToken: str
    LastTestResult: str = Field(description="ok, error, or empty before the first delivery")

    @classmethod
    def of(cls, hook: Hook) -> HookResult:
        """A stored hook (made through any face) with its kinds read as Codeup flags."""
        return cls(
            Id=hook.id,
            Url=shown_url(hook.url),
            ProjectId=hook.project_id,
            CreatedAt=format_time(hook.created_at, offset_hours=8, fraction=3),
            EnableSslVerification=hook.ssl_verify,
            Description=hook.description,
            SecretToken=shown_secret(hook, DIALECT),
            LastTestResult=last_test_result(hook),
            **flags_of(hook.events),
        )


class TestResult(BaseModel):
    """What the receiver answered to a test delivery."""

    Id: int
    Trigger: str
    StatusCode: int | None
    LastTestResult: str
    Message: str
    Duration: int = Field(description="milliseconds")


class Envelope(BaseModel):
    """The fields every answer carries."""

    RequestId: str
    ErrorCode: str = ""
    ErrorMessage: str = ""
    Success: bool = True


class HookEnvelope(Envelope):
    """An answer carrying one webhook."""

    Result: HookResult


class HookListEnvelope(Envelope):
    """An answer carrying a page of webhooks and their total."""

    Total: int
    Result: list[HookResult]


class TestEnvelope(Envelope):
    """An answer carrying a test delivery's result."""

    Result: TestResult


class ErrorEnvelope(Envelope):
    """A failed call: Success false, an ErrorCode and an ErrorMessage."""

    Success: bool = False
    Result: None = None
