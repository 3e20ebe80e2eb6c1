"""The native API under /api/forgehooks/v1: projects, members, users, tokens, hooks, events, deliveries."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import TypeAdapter, ValidationError

from forgehooks.api.schemas import (
    ROLE_NAMES,
    DeliveryOut,
    EventBatchIn,
    EventIn,
    HookIn,
    HookOut,
    HookPatch,
    HookTlsIn,
    HookTlsOut,
    MemberIn,
    MemberOut,
    ProjectIn,
    ProjectOut,
    PublishedBatchOut,
    PublishedOut,
    ReplayIn,
    ReplayOut,
    RotateIn,
    TestIn,
    TestOut,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
)
from forgehooks.core.deliveries import DeliveryState
from forgehooks.core.errors import InvalidInput, InvalidItems, NotFound, PermissionDenied
from forgehooks.core.events import BODY_TYPES, Actor
from forgehooks.core.hooks import BranchFilter, HookSpec
from forgehooks.core.projects import Project, Role, User
from forgehooks.dialects.direct import Text, document
from forgehooks.dialects.face import RuntimeDep, bearer, first_present, runtime_of
from forgehooks.dialects.gitcode_v4.mapping import HEADER_MODE, HeaderMode
from forgehooks.services import accounts, deliveries, events, hook_tls, hooks, projects, replay
from forgehooks.services.runtime import Runtime

PREFIX = "/api/forgehooks/v1"
router = APIRouter(prefix=PREFIX, tags=["native"])


AUTHORIZATION = Text("authorization", "header")
PRIVATE_TOKEN = Text("PRIVATE-TOKEN", "header")
IDEMPOTENCY_KEY = Text(
    "Idempotency-Key",
    "header",
    "a key of yours: a retried request with it answers as the first did, creating nothing"
    " (24 hours; the same key with another body is a 409)",
)


async def current_user(request: Request) -> User:
    """The token's user: `Authorization: Bearer` or `PRIVATE-TOKEN` (read straight from the
    request, as the faces do: dialects/direct.py)."""
    given = [bearer(AUTHORIZATION.read(request)), PRIVATE_TOKEN.read(request)]
    return await accounts.authenticate(runtime_of(request), first_present(given))


async def idempotency_key(request: Request) -> str | None:
    """The request's Idempotency-Key, if any (a coroutine: FastAPI runs a plain function in
    a worker thread, which took serve from 1.2 to 1.8 ms of CPU per publish)."""
    return IDEMPOTENCY_KEY.read(request)


UserDep = Annotated[User, Depends(current_user)]


async def _project(rt: Runtime, user: User, identity: str, role: Role) -> Project:
    return await projects.access(rt, user, unquote(identity), role)


def _page(page: int, per_page: int) -> tuple[int, int]:
    return (page - 1) * per_page, per_page


PageQ = Annotated[int, Query(ge=1, le=1_000_000)]
PerPageQ = Annotated[int, Query(ge=1, le=100)]


@router.post("/users", status_code=201, response_model=UserOut)
async def create_user(rt: RuntimeDep, user: UserDep, body: UserIn) -> UserOut:
    """Create a user (admins only)."""
    if not user.is_admin:
        raise PermissionDenied("403 Forbidden: only admins create users")
    created = await accounts.create_user(
        rt, body.username, name=body.name, email=body.email, is_admin=body.is_admin
    )
    return UserOut.of(created)


@router.get("/user", response_model=UserOut)
async def whoami(user: UserDep) -> UserOut:
    """The token's user."""
    return UserOut.of(user)


@router.post("/tokens", status_code=201, response_model=TokenOut)
async def create_token(rt: RuntimeDep, user: UserDep, body: TokenIn) -> TokenOut:
    """Create a personal access token for the caller; its value is shown only here."""
    issued = await accounts.issue_token(rt, user, name=body.name, expires_at=body.expires_at)
    return TokenOut.of(issued.token, issued.value)


@router.get("/tokens", response_model=list[TokenOut])
async def list_tokens(rt: RuntimeDep, user: UserDep) -> list[TokenOut]:
    """The caller's tokens (never their values)."""
    return [TokenOut.of(t) for t in await accounts.list_tokens(rt, user)]


@router.delete("/tokens/{token_id}", status_code=204)
async def revoke_token(rt: RuntimeDep, user: UserDep, token_id: int) -> Response:
    """Revoke a token."""
    await accounts.revoke_token(rt, user, token_id)
    return Response(status_code=204)


@router.post("/projects", status_code=201, response_model=ProjectOut)
async def create_project(rt: RuntimeDep, user: UserDep, body: ProjectIn) -> ProjectOut:
    """Create a project; the caller becomes its owner."""
    project = await projects.create_project(
        rt,
        user,
        body.path,
        description=body.description,
        organization_id=body.organization_id,
        default_branch=body.default_branch,
        visibility=body.visibility,
    )
    return ProjectOut.of(project)


@router.get("/projects", response_model=list[ProjectOut])
async def list_projects(
    rt: RuntimeDep, user: UserDep, response: Response, page: PageQ = 1, per_page: PerPageQ = 20
) -> list[ProjectOut]:
    """Projects the caller is a member of."""
    offset, limit = _page(page, per_page)
    found, total = await projects.list_projects(rt, user, offset=offset, limit=limit)
    response.headers["X-Total"] = str(total)
    return [ProjectOut.of(p) for p in found]


@router.get("/projects/{project}", response_model=ProjectOut)
async def get_project(rt: RuntimeDep, user: UserDep, project: str) -> ProjectOut:
    """A project by numeric id, 32-hex id, UUID or URL-encoded OWNER%2FNAME."""
    return ProjectOut.of(await _project(rt, user, project, Role.REPORTER))


@router.get("/projects/{project}/members", response_model=list[MemberOut])
async def list_members(rt: RuntimeDep, user: UserDep, project: str) -> list[MemberOut]:
    """Members and their roles."""
    found = await _project(rt, user, project, Role.REPORTER)
    return [
        MemberOut(user=UserOut.of(u), role=r.name.lower()) for u, r in await projects.list_members(rt, found)
    ]


@router.post("/projects/{project}/members", status_code=201, response_model=MemberOut)
async def add_member(rt: RuntimeDep, user: UserDep, project: str, body: MemberIn) -> MemberOut:
    """Add a member or change a member's role (owners only)."""
    found = await _project(rt, user, project, Role.OWNER)
    role = ROLE_NAMES.get(body.role.lower())
    if role is None:
        raise InvalidInput("role", "must be owner, maintainer, developer or reporter")
    await projects.add_member(rt, found, body.username, role)
    member = await accounts.find_user(rt, body.username)
    return MemberOut(user=UserOut.of(member), role=role.name.lower())


def _spec(body: HookIn) -> HookSpec:
    return HookSpec(
        url=body.url,
        events=frozenset(body.events),
        branch_filter=BranchFilter(strategy=body.branch_filter.strategy, pattern=body.branch_filter.pattern),
        secret=body.secret,
        secret_scheme=body.secret_scheme,
        ssl_verify=body.ssl_verify,
        content_type=body.content_type,
        name=body.name,
        description=body.description,
        active=body.active,
        standard_webhooks=body.standard_webhooks,
        custom_headers=body.custom_headers,
        url_variables=body.url_variables,
        ordered=body.ordered,
    )


@router.get("/projects/{project}/hooks", response_model=list[HookOut])
async def list_hooks(
    rt: RuntimeDep, user: UserDep, project: str, response: Response, page: PageQ = 1, per_page: PerPageQ = 20
) -> list[HookOut]:
    """Every hook of the project, whichever face made it."""
    found = await _project(rt, user, project, Role.MAINTAINER)
    offset, limit = _page(page, per_page)
    page_hooks, total = await hooks.list_hooks(rt, found, offset=offset, limit=limit)
    response.headers["X-Total"] = str(total)
    return [HookOut.of(h) for h in page_hooks]


@router.post("/projects/{project}/hooks", status_code=201, response_model=HookOut)
async def create_hook(rt: RuntimeDep, user: UserDep, project: str, body: HookIn) -> HookOut:
    """Create a hook delivering forgehooks' canonical JSON."""
    found = await _project(rt, user, project, Role.MAINTAINER)
    return HookOut.of(await hooks.create_hook(rt, found, _spec(body), "forgehooks"))


@router.get("/projects/{project}/hooks/{hook_id}", response_model=HookOut)
async def get_hook(rt: RuntimeDep, user: UserDep, project: str, hook_id: int) -> HookOut:
    """One hook."""
    found = await _project(rt, user, project, Role.MAINTAINER)
    return HookOut.of(await hooks.get_hook(rt, found, hook_id))


@router.patch("/projects/{project}/hooks/{hook_id}", response_model=HookOut)
async def update_hook(rt: RuntimeDep, user: UserDep, project: str, hook_id: int, body: HookPatch) -> HookOut:
    """Change the given fields; the hook is re-enabled."""
    found = await _project(rt, user, project, Role.MAINTAINER)
    hook = await hooks.get_hook(rt, found, hook_id)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    if "events" in changes:
        changes["events"] = frozenset(body.events or [])
    if "branch_filter" in changes and body.branch_filter is not None:
        changes["branch_filter"] = BranchFilter(
            strategy=body.branch_filter.strategy, pattern=body.branch_filter.pattern
        )
    if "header_mode" in changes:  # a gitcode_v4 option, kept in the hook's extras
        mode = changes.pop("header_mode")
        changes["extras"] = {k: v for k, v in hook.extras.items() if k != HEADER_MODE}
        if mode is not None:
            changes["extras"][HEADER_MODE] = HeaderMode(mode).value
    return HookOut.of(await hooks.update_hook(rt, found, hook, changes))


@router.delete("/projects/{project}/hooks/{hook_id}", status_code=204)
async def delete_hook(rt: RuntimeDep, user: UserDep, project: str, hook_id: int) -> Response:
    """Delete a hook; its queued deliveries are cancelled."""
    found = await _project(rt, user, project, Role.MAINTAINER)
    await hooks.delete_hook(rt, found, await hooks.get_hook(rt, found, hook_id))
    return Response(status_code=204)


@router.post("/projects/{project}/hooks/{hook_id}/enable", response_model=HookOut)
async def enable_hook(rt: RuntimeDep, user: UserDep, project: str, hook_id: int) -> HookOut:
    """Re-enable a disabled hook; its held deliveries go out in order."""
    found = await _project(rt, user, project, Role.MAINTAINER)
    return HookOut.of(await hooks.reenable_hook(rt, found, await hooks.get_hook(rt, found, hook_id)))


@router.post("/projects/{project}/hooks/{hook_id}/rotate-secret", response_model=HookOut)
async def rotate_secret(rt: RuntimeDep, user: UserDep, project: str, hook_id: int, body: RotateIn) -> HookOut:
    """Switch to a new secret; both sign (Standard Webhooks' two signatures) during the grace period."""
    found = await _project(rt, user, project, Role.MAINTAINER)
    hook = await hooks.get_hook(rt, found, hook_id)
    rotated = await hooks.rotate_secret(rt, found, hook, body.secret, grace=timedelta(hours=body.grace_hours))
    return HookOut.of(rotated)


@router.get("/projects/{project}/hooks/{hook_id}/tls", response_model=HookTlsOut)
async def get_hook_tls(rt: RuntimeDep, user: UserDep, project: str, hook_id: int) -> HookTlsOut:
    """The hook's own CA bundle and client certificate (the key is never shown)."""
    found = await _project(rt, user, project, Role.MAINTAINER)
    tls = hook_tls.shown(await hooks.get_hook(rt, found, hook_id))
    return HookTlsOut(ca_bundle=tls.ca_bundle, client_cert=tls.client_cert, has_client_key=tls.has_client_key)


@router.put("/projects/{project}/hooks/{hook_id}/tls", response_model=HookTlsOut)
async def set_hook_tls(
    rt: RuntimeDep, user: UserDep, project: str, hook_id: int, body: HookTlsIn
) -> HookTlsOut:
    """Replace the hook's own CA bundle and client certificate (all empty: the defaults)."""
    found = await _project(rt, user, project, Role.MAINTAINER)
    hook = await hooks.get_hook(rt, found, hook_id)
    updated = await hook_tls.set_tls(
        rt, found, hook, ca_bundle=body.ca_bundle, client_cert=body.client_cert, client_key=body.client_key
    )
    tls = hook_tls.shown(updated)
    return HookTlsOut(ca_bundle=tls.ca_bundle, client_cert=tls.client_cert, has_client_key=tls.has_client_key)


@router.post("/projects/{project}/hooks/{hook_id}/test", response_model=TestOut)
async def test_hook(rt: RuntimeDep, user: UserDep, project: str, hook_id: int, body: TestIn) -> TestOut:
    """Send a sample event of `kind` now and report the receiver's answer."""
    found = await _project(rt, user, project, Role.MAINTAINER)
    hook = await hooks.get_hook(rt, found, hook_id)
    outcome = await hooks.test_hook(rt, found, hook, body.kind, events.actor_of(user))
    return TestOut(status=outcome.status, message=outcome.summary, duration_ms=outcome.duration_ms)


def _event_body_schemas() -> dict[str, Any]:
    schemas = {family.value: TypeAdapter(body_type).json_schema() for family, body_type in BODY_TYPES.items()}
    return {"x-body-schemas-by-family": schemas}


IdempotencyHeader = Annotated[str | None, Depends(idempotency_key)]


def _key(user: User, key: str | None, request: Request, body: Any) -> events.IdempotencyKey | None:
    if key is None:
        return None
    fingerprint = events.fingerprint_of(request.url.path, body)
    return events.IdempotencyKey(user_id=user.id, key=key, fingerprint=fingerprint)


async def _pusher(rt: Runtime, username: str) -> Actor:
    """A forgehooks user by name, or an account the git server knows only by name."""
    try:
        return events.actor_of(await accounts.find_user(rt, username))
    except NotFound:
        return Actor(username=username, name=username)


async def _actor(rt: Runtime, user: User, project: str, pusher: str | None) -> Actor:
    """Who the event names: the caller, or (a maintainer asking) the named pusher."""
    if not pusher or pusher == user.username:
        return events.actor_of(user)
    await _project(rt, user, project, Role.MAINTAINER)  # naming someone else takes a maintainer
    return await _pusher(rt, pusher)


@router.post(
    "/projects/{project}/events",
    status_code=201,
    response_model=PublishedOut,
    openapi_extra=_event_body_schemas(),
)
async def publish_event(
    rt: RuntimeDep,
    user: UserDep,
    project: str,
    body: EventIn,
    request: Request,
    idempotency_key: IdempotencyHeader,
) -> PublishedOut:
    """Publish a canonical event: every matching hook gets a delivery in its face's format."""
    found = await _project(rt, user, project, Role.DEVELOPER)
    actor = await _actor(rt, user, project, body.pusher)
    event = events.build_event(
        rt, found, body.kind, events.parse_body(body.kind, body.body), actor, body.occurred_at
    )
    key = _key(user, idempotency_key, request, body.model_dump(mode="json"))
    published = await events.publish(rt, event, key)
    return PublishedOut(event_id=published.event_id, deliveries=published.deliveries)


@router.post(
    "/projects/{project}/events:batch",
    status_code=201,
    response_model=PublishedBatchOut,
    openapi_extra=_event_body_schemas(),
)
async def publish_events(
    rt: RuntimeDep,
    user: UserDep,
    project: str,
    body: EventBatchIn,
    request: Request,
    idempotency_key: IdempotencyHeader,
) -> PublishedBatchOut:
    """Publish up to 1,000 events in one transaction (all or none), answered in their order."""
    found = await _project(rt, user, project, Role.DEVELOPER)
    built, problems = [], []
    for index, item in enumerate(body.events):
        try:
            one = EventIn.model_validate(item)
            actor = await _actor(rt, user, project, one.pusher)
            parsed = events.parse_body(one.kind, one.body)
            built.append(events.build_event(rt, found, one.kind, parsed, actor, one.occurred_at))
        except ValidationError as exc:
            problems += [(index, ".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        except InvalidInput as exc:
            problems.append((index, exc.field, exc.reason))
    if problems:
        raise InvalidItems("events", problems)
    key = _key(user, idempotency_key, request, body.model_dump(mode="json"))
    published = await events.publish_all(rt, built, key)
    return PublishedBatchOut(
        events=[PublishedOut(event_id=p.event_id, deliveries=p.deliveries) for p in published]
    )


@router.get("/projects/{project}/hooks/{hook_id}/deliveries", response_model=list[DeliveryOut])
async def list_deliveries(
    rt: RuntimeDep,
    user: UserDep,
    project: str,
    hook_id: int,
    response: Response,
    state: DeliveryState | None = None,
    kind: str | None = None,
    page: PageQ = 1,
    per_page: PerPageQ = 20,
    with_attempts: bool = True,
) -> list[DeliveryOut]:
    """A hook's deliveries, newest first, each with its attempts."""
    found = await _project(rt, user, project, Role.MAINTAINER)
    hook = await hooks.get_hook(rt, found, hook_id)
    offset, limit = _page(page, per_page)
    rows, total = await deliveries.list_deliveries(
        rt, found, hook_id=hook.id, state=state, kind=kind, offset=offset, limit=limit
    )
    response.headers["X-Total"] = str(total)
    if not with_attempts:
        return [DeliveryOut.of(d) for d in rows]
    result = []
    for row in rows:
        detail = await deliveries.get_delivery(rt, found, row.id)
        result.append(DeliveryOut.of(detail.delivery, detail.attempts))
    return result


@router.post("/projects/{project}/replay", response_model=ReplayOut)
async def replay_deliveries(rt: RuntimeDep, user: UserDep, project: str, body: ReplayIn) -> ReplayOut:
    """Send again every finished delivery since a time (of one hook, or the whole project)."""
    found = await _project(rt, user, project, Role.MAINTAINER)
    if body.hook_id is not None:
        await hooks.get_hook(rt, found, body.hook_id)
    count = await replay.replay_all(
        rt, found, since=body.since, hook_id=body.hook_id, failed_only=body.failed_only
    )
    return ReplayOut(requeued=count)


@router.get("/projects/{project}/deliveries/{delivery_id}", response_model=DeliveryOut)
async def get_delivery(rt: RuntimeDep, user: UserDep, project: str, delivery_id: str) -> DeliveryOut:
    """One delivery with its exact body and every attempt."""
    found = await _project(rt, user, project, Role.MAINTAINER)
    detail = await deliveries.get_delivery(rt, found, delivery_id)
    return DeliveryOut.of(detail.delivery, detail.attempts, detail.body)


@router.post(
    "/projects/{project}/deliveries/{delivery_id}/redeliver", status_code=202, response_model=DeliveryOut
)
async def redeliver(rt: RuntimeDep, user: UserDep, project: str, delivery_id: str) -> DeliveryOut:
    """Send the same delivery again (same id, same bytes) as a new attempt."""
    found = await _project(rt, user, project, Role.MAINTAINER)
    detail = await deliveries.get_delivery(rt, found, delivery_id)
    hooks.check_test_rate(rt, user.id, detail.delivery.hook_id)
    return DeliveryOut.of(await deliveries.redeliver(rt, found, delivery_id))


document(router, current_user, [AUTHORIZATION, PRIVATE_TOKEN])
document(router, idempotency_key, [IDEMPOTENCY_KEY])
