"""Request and response models with GitFlic's own field names (they drive /openapi.json)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from forgehooks.core.hooks import Hook, shown_secret, shown_url
from forgehooks.dialects.gitflic.mapping import DIALECT, flags_of
from forgehooks.dialects.gitflic.payloads import timestamp


class WebhookEventsIn(BaseModel):
    """Event flags to set; flags left out are false on create and unchanged on update."""

    model_config = ConfigDict(extra="forbid")
    COLLABORATOR_ADD: StrictBool = False
    COLLABORATOR_DELETE: StrictBool = False
    COLLABORATOR_UPDATE: StrictBool = False
    ISSUE_UPDATE: StrictBool = False
    ISSUE_CREATE: StrictBool = False
    NEW_ISSUE_NOTE: StrictBool = False
    TAG_DELETE: StrictBool = False
    TAG_CREATE: StrictBool = False
    BRANCH_UPDATE: StrictBool = False
    BRANCH_DELETE: StrictBool = False
    BRANCH_CREATE: StrictBool = False
    MERGE_REQUEST_CREATE: StrictBool = False
    MERGE_REQUEST_UPDATE: StrictBool = False
    MERGE: StrictBool = False
    MERGE_REQUEST_CLOSE: StrictBool = False
    MERGE_REQUEST_CANCEL: StrictBool = False
    MERGE_REQUEST_ACCEPT: StrictBool = False
    DISCUSSION_CREATE: StrictBool = False
    DISCUSSION_COMMENT_CREATE: StrictBool = False
    PUSH: StrictBool = False
    PIPELINE_NEW: StrictBool = False
    PIPELINE_SUCCESS: StrictBool = False
    PIPELINE_FAIL: StrictBool = False
    WEBHOOK_SEND: StrictBool = False


class WebhookEvents(BaseModel):
    """Every event flag of a webhook."""

    COLLABORATOR_ADD: bool
    COLLABORATOR_DELETE: bool
    COLLABORATOR_UPDATE: bool
    ISSUE_UPDATE: bool
    ISSUE_CREATE: bool
    NEW_ISSUE_NOTE: bool
    TAG_DELETE: bool
    TAG_CREATE: bool
    BRANCH_UPDATE: bool
    BRANCH_DELETE: bool
    BRANCH_CREATE: bool
    MERGE_REQUEST_CREATE: bool
    MERGE_REQUEST_UPDATE: bool
    MERGE: bool
    MERGE_REQUEST_CLOSE: bool
    MERGE_REQUEST_CANCEL: bool
    MERGE_REQUEST_ACCEPT: bool
    DISCUSSION_CREATE: bool
    DISCUSSION_COMMENT_CREATE: bool
    PUSH: bool
    PIPELINE_NEW: bool
    PIPELINE_SUCCESS: bool
    PIPELINE_FAIL: bool
    WEBHOOK_SEND: bool


class WebhookIn(BaseModel):
    """Body of `POST .../setting/webhook` (create)."""

    model_config = ConfigDict(extra="ignore")
    url: StrictStr = Field(description="Url where JSON events are sent", examples=["https://example.com"])
    secret: StrictStr | None = Field(default=None, description="Sent in the Gitflic-Webhook-Secret header")
    events: WebhookEventsIn = Field(default_factory=WebhookEventsIn)


class WebhookUpdate(BaseModel):
    """Body of `POST .../setting/webhook/{id}` (update); fields left out stay as they are."""

    model_config = ConfigDict(extra="ignore")
    url: StrictStr | None = None
    secret: StrictStr | None = None
    events: WebhookEventsIn | None = None


class Webhook(BaseModel):
    """A webhook as GitFlic shows it: UUID ids, UTC times with microseconds and `Z`."""

    id: str = Field(examples=["e93b461a-aaaa-aaaa-aaaa-306c3578c989"])
    url: str
    secret: str | None
    events: WebhookEvents
    projectId: str = Field(examples=["c94aedd2-aaaa-aaaa-aaaa-67fbf1112a82"])
    createdAt: str = Field(examples=["2024-03-19T09:56:16.376885Z"])
    updatedAt: str = Field(examples=["2024-03-21T10:10:07.336450Z"])

    @classmethod
    def of(cls, hook: Hook, project_uuid: str) -> Webhook:
        """GitFlic's view of a stored hook (made through any face)."""
        return cls(
            id=hook.uuid,
            url=shown_url(hook.url),
            secret=shown_secret(hook, DIALECT) or None,
            events=WebhookEvents(**flags_of(hook.events)),
            projectId=project_uuid,
            createdAt=timestamp(hook.created_at) or "",
            updatedAt=timestamp(hook.updated_at) or "",
        )


class EmbeddedWebhooks(BaseModel):
    """HAL `_embedded` of a webhook page."""

    webhookList: list[Webhook]


class PageInfo(BaseModel):
    """Spring Data's page block: `number` is 0-based."""

    size: int
    totalElements: int
    totalPages: int
    number: int


class WebhookPage(BaseModel):
    """One page of a project's webhooks (HAL)."""

    model_config = ConfigDict(populate_by_name=True)
    embedded: EmbeddedWebhooks = Field(alias="_embedded")
    page: PageInfo


class FieldError(BaseModel):
    """One field that failed validation."""

    field: str
    message: str


class ErrorBody(BaseModel):
    """Spring Boot's error body; 422 answers add the failing fields."""

    timestamp: str
    status: int
    error: str
    message: str
    path: str
    errors: list[FieldError] | None = None
