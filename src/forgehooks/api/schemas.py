"""Request and response models of the native API (/api/forgehooks/v1)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from forgehooks.core.deliveries import Attempt, Delivery
from forgehooks.core.events import EventKind
from forgehooks.core.hooks import BranchFilterStrategy, Hook, SecretScheme, masked_headers, shown_url
from forgehooks.core.projects import Project, Role, Token, User
from forgehooks.dialects.gitcode_v4.mapping import DIALECT as GITCODE_V4
from forgehooks.dialects.gitcode_v4.mapping import HeaderMode, header_mode_of


def _representable(moment: datetime) -> datetime:
    """A given time that has a UTC form (`0001-01-01T00:00+10:00` has none)."""
    try:
        (moment if moment.tzinfo is None else moment.astimezone(UTC)).replace(tzinfo=UTC)
    except OverflowError:
        raise ValueError("is out of the range of dates (years 1 to 9999 in UTC)") from None
    return moment


#: A time given in a request: any offset, but it must exist in UTC.
Moment = Annotated[datetime, AfterValidator(_representable)]


class ProjectIn(BaseModel):
    """A project to create."""

    model_config = ConfigDict(extra="forbid")
    path: str = Field(description="OWNER/NAME", examples=["acme/widgets"])
    description: str = ""
    organization_id: str = ""
    default_branch: str = "main"
    visibility: str = "private"


class ProjectOut(BaseModel):
    """A project with every identity the five faces use."""

    id: int
    hex_id: str
    uuid: str
    path: str
    owner: str
    name: str
    organization_id: str
    description: str
    default_branch: str
    visibility: str
    created_at: datetime

    @classmethod
    def of(cls, project: Project) -> ProjectOut:
        """From the domain object."""
        return cls(
            id=project.id,
            hex_id=project.hex_id,
            uuid=project.uuid,
            path=project.path,
            owner=project.owner,
            name=project.name,
            organization_id=project.organization_id,
            description=project.description,
            default_branch=project.default_branch,
            visibility=project.visibility,
            created_at=project.created_at,
        )


class UserIn(BaseModel):
    """A user to create (admins only)."""

    model_config = ConfigDict(extra="forbid")
    username: str
    name: str = ""
    email: str = ""
    is_admin: bool = False


class UserOut(BaseModel):
    """A user."""

    id: int
    username: str
    name: str
    email: str
    is_admin: bool

    @classmethod
    def of(cls, user: User) -> UserOut:
        """From the domain object."""
        return cls(
            id=user.id, username=user.username, name=user.name, email=user.email, is_admin=user.is_admin
        )


class MemberIn(BaseModel):
    """A member to add, or a role to change."""

    model_config = ConfigDict(extra="forbid")
    username: str
    role: str = Field(description="owner, maintainer, developer or reporter")


class MemberOut(BaseModel):
    """A member and their role."""

    user: UserOut
    role: str


class TokenIn(BaseModel):
    """A personal access token to create for the caller."""

    model_config = ConfigDict(extra="forbid")
    name: str = "api"
    expires_at: Moment | None = None


class TokenOut(BaseModel):
    """A token; `token` (the secret value) is present only in the answer that created it."""

    id: int
    user_id: int
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked: bool
    token: str | None = None

    @classmethod
    def of(cls, token: Token, value: str | None = None) -> TokenOut:
        """From the domain object (and the value, once)."""
        return cls(
            id=token.id,
            user_id=token.user_id,
            name=token.name,
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked=token.revoked,
            token=value,
        )


class BranchFilterModel(BaseModel):
    """Which branches a hook hears about."""

    strategy: BranchFilterStrategy = BranchFilterStrategy.ALL
    pattern: str = ""


class HookIn(BaseModel):
    """A hook to create or replace; on PATCH only the given fields change."""

    model_config = ConfigDict(extra="forbid")
    url: str
    events: list[EventKind] = Field(default_factory=lambda: [EventKind.PUSH])
    branch_filter: BranchFilterModel = Field(default_factory=BranchFilterModel)
    secret: str = ""
    secret_scheme: SecretScheme = SecretScheme.SIGNATURE
    ssl_verify: bool = True
    content_type: str = "application/json"
    name: str = ""
    description: str = ""
    active: bool = True
    standard_webhooks: bool = False
    custom_headers: dict[str, str] = Field(default_factory=dict, description="at most 20; values are secret")
    url_variables: dict[str, str] = Field(default_factory=dict, description="values replace {name} in url")
    ordered: bool = False


class HookPatch(BaseModel):
    """Fields to change on a hook."""

    model_config = ConfigDict(extra="forbid")
    url: str | None = None
    events: list[EventKind] | None = None
    branch_filter: BranchFilterModel | None = None
    secret: str | None = None
    secret_scheme: SecretScheme | None = None
    ssl_verify: bool | None = None
    content_type: str | None = None
    name: str | None = None
    description: str | None = None
    active: bool | None = None
    standard_webhooks: bool | None = None
    custom_headers: dict[str, str] | None = None
    url_variables: dict[str, str] | None = None
    ordered: bool | None = None
    header_mode: HeaderMode | None = Field(
        None, description="gitcode_v4 hooks: GitCode's, GitLab's or both headers"
    )


class RotateIn(BaseModel):
    """A new signing secret; the old one keeps signing too during the grace period."""

    model_config = ConfigDict(extra="forbid")
    secret: str = Field(min_length=1)
    grace_hours: float = Field(24.0, ge=0, le=24 * 30)


class HookTlsIn(BaseModel):
    """A hook's own TLS settings: CAs to trust instead of the system's, and a client
    certificate with its unencrypted key for receivers that ask for one (mutual TLS). All
    PEM; the key is stored encrypted and never shown again. All empty: the defaults."""

    model_config = ConfigDict(extra="forbid")
    ca_bundle: str = Field("", description="PEM certificates the receiver's chain must lead to")
    client_cert: str = Field("", description="PEM client certificate (its chain may follow)")
    client_key: str = Field("", description="PEM private key of the client certificate, unencrypted")


class HookTlsOut(BaseModel):
    """A hook's own TLS settings as shown: the certificates, whether a key is set."""

    ca_bundle: str
    client_cert: str
    has_client_key: bool


class HookOut(BaseModel):
    """A hook as the native API shows it (the secret itself is never returned)."""

    id: int
    uuid: str
    project_id: int
    dialect: str
    url: str
    events: list[EventKind]
    branch_filter: BranchFilterModel
    has_secret: bool
    secret_scheme: SecretScheme
    ssl_verify: bool
    content_type: str
    name: str
    description: str
    active: bool
    standard_webhooks: bool
    created_at: datetime
    updated_at: datetime
    last_status_code: int | None
    last_message: str
    last_at: datetime | None
    consecutive_failures: int
    disabled_until: datetime | None
    disabled: bool
    custom_headers: dict[str, str]
    url_variables: dict[str, str]
    ordered: bool
    previous_secret_until: datetime | None
    header_mode: HeaderMode | None = Field(None, description="gitcode_v4 hooks: which delivery headers")

    @classmethod
    def of(cls, hook: Hook) -> HookOut:
        """From the domain object."""
        return cls(
            id=hook.id,
            uuid=hook.uuid,
            project_id=hook.project_id,
            dialect=hook.dialect,
            url=shown_url(hook.url),
            events=sorted(hook.events),
            branch_filter=BranchFilterModel(
                strategy=hook.branch_filter.strategy, pattern=hook.branch_filter.pattern
            ),
            has_secret=bool(hook.secret),
            secret_scheme=hook.secret_scheme,
            ssl_verify=hook.ssl_verify,
            content_type=hook.content_type,
            name=hook.name,
            description=hook.description,
            active=hook.active,
            standard_webhooks=hook.standard_webhooks,
            created_at=hook.created_at,
            updated_at=hook.updated_at,
            last_status_code=hook.last_status_code,
            last_message=hook.last_message,
            last_at=hook.last_at,
            consecutive_failures=hook.consecutive_failures,
            disabled_until=hook.disabled_until,
            disabled=hook.disabled,
            custom_headers=masked_headers(hook.custom_headers),
            url_variables=masked_headers(hook.url_variables),
            ordered=hook.ordered,
            previous_secret_until=hook.previous_secret_until,
            header_mode=header_mode_of(hook) if hook.dialect == GITCODE_V4 else None,
        )


class TestIn(BaseModel):
    """Which kind of sample event a hook test sends."""

    model_config = ConfigDict(extra="forbid")
    kind: EventKind = EventKind.PUSH


class TestOut(BaseModel):
    """What the receiver answered to a test."""

    status: int | None
    message: str
    duration_ms: float


class EventIn(BaseModel):
    """A canonical event to publish; `body` has the shape of the kind's family (see schemas)."""

    model_config = ConfigDict(extra="forbid")
    kind: EventKind
    body: dict[str, Any]
    occurred_at: Moment | None = None
    pusher: str | None = Field(
        None,
        min_length=1,
        max_length=255,
        description="who caused it, when not the caller (a git server's pusher); needs maintainer",
    )


class PublishedOut(BaseModel):
    """What a publish created."""

    event_id: str
    deliveries: int


#: Events one batch request may carry.
BATCH_LIMIT = 1000


class EventBatchIn(BaseModel):
    """Events to publish in one transaction: all or none. Each item is an `EventIn`; bad
    items are refused together, each named by its index."""

    model_config = ConfigDict(extra="forbid")
    events: list[dict[str, Any]] = Field(
        min_length=1, max_length=BATCH_LIMIT, description="each item: {kind, body, occurred_at?} as EventIn"
    )


class PublishedBatchOut(BaseModel):
    """What a batch publish created, in the order of the request's events."""

    events: list[PublishedOut]


class AttemptOut(BaseModel):
    """One attempt of a delivery."""

    number: int
    started_at: datetime
    duration_ms: float
    request_url: str
    request_headers: dict[str, str]
    response_status: int | None
    response_headers: dict[str, str]
    response_body: str
    error: str
    verdict: str
    reason: str | None = Field(
        None, description="why it ended so: ok, http_4xx, http_429, http_5xx, timeout, dns, connect, tls, ..."
    )

    @classmethod
    def of(cls, attempt: Attempt) -> AttemptOut:
        """From the domain object."""
        return cls(
            number=attempt.number,
            started_at=attempt.started_at,
            duration_ms=attempt.duration_ms,
            request_url=shown_url(attempt.request_url),
            request_headers=dict(attempt.request_headers),
            response_status=attempt.response_status,
            response_headers=dict(attempt.response_headers),
            response_body=attempt.response_body,
            error=attempt.error,
            verdict=attempt.verdict.value,
            reason=attempt.reason.value if attempt.reason else None,
        )


class DeliveryOut(BaseModel):
    """A delivery and, when asked, its attempts and body."""

    id: str
    hook_id: int
    event_id: str
    event_kind: str
    dialect: str
    state: str
    attempt_count: int
    next_attempt_at: datetime
    created_at: datetime
    updated_at: datetime
    last_status_code: int | None
    last_error: str
    attempts: list[AttemptOut] | None = None
    body: str | None = None

    @classmethod
    def of(
        cls, delivery: Delivery, attempts: list[Attempt] | None = None, body: bytes | None = None
    ) -> DeliveryOut:
        """From the domain objects."""
        return cls(
            id=delivery.id,
            hook_id=delivery.hook_id,
            event_id=delivery.event_id,
            event_kind=delivery.event_kind,
            dialect=delivery.dialect,
            state=delivery.state.value,
            attempt_count=delivery.attempt_count,
            next_attempt_at=delivery.next_attempt_at,
            created_at=delivery.created_at,
            updated_at=delivery.updated_at,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            attempts=[AttemptOut.of(a) for a in attempts] if attempts is not None else None,
            body=body.decode("utf-8", "replace") if body is not None else None,
        )


class ReplayIn(BaseModel):
    """Which deliveries to send again."""

    model_config = ConfigDict(extra="forbid")
    since: Moment
    hook_id: int | None = None
    failed_only: bool = False


class ReplayOut(BaseModel):
    """How many deliveries were queued again."""

    requeued: int


ROLE_NAMES = {r.name.lower(): r for r in Role}
