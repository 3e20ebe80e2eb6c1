"""Console pages: sign-in, projects, a project's hooks and events, a hook's deliveries, one delivery."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from forgehooks.console.auth import (
    Session,
    check_sign_in_csrf,
    checked_session,
    current_session,
    end_session,
    member_project,
    new_sign_in_csrf,
    remember_sign_in_csrf,
    runtime_of,
    start_session,
)
from forgehooks.console.guard import ConsoleRoute
from forgehooks.console.masking import mask_headers
from forgehooks.console.paging import PER_PAGE, Pager
from forgehooks.console.views import STATIC, ProjectHealth, face_titles, page, sent_by_hand
from forgehooks.core.deliveries import DeliveryState
from forgehooks.core.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from forgehooks.core.events import EventKind
from forgehooks.core.hooks import Hook
from forgehooks.core.projects import Role
from forgehooks.services import accounts, deliveries, hook_tls, hooks, overview, projects, replay

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

SessionDep = Annotated[Session, Depends(current_session)]
FormSessionDep = Annotated[Session, Depends(checked_session)]
PageNumber = Annotated[int, Query(alias="page", ge=1, le=100_000)]
KINDS = frozenset(k.value for k in EventKind)
STATIC_FILES = {"console.css": "text/css", "console.js": "text/javascript"}


def _safe_next(target: str) -> str:
    """Only console paths of this site; anything else would be an open redirect."""
    if target.startswith("/-/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/-/projects"


@router.get("/")
async def home() -> RedirectResponse:
    """The console's start page is the project list."""
    return RedirectResponse("/-/projects", status_code=303)


@router.get("/-/static/{name}")
async def static_file(name: str) -> FileResponse:
    """The console's stylesheet and script, from the package itself."""
    if name not in STATIC_FILES:
        raise NotFound("no such file")
    return FileResponse(
        STATIC / name, media_type=STATIC_FILES[name], headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/-/sign-in")
async def sign_in_form(request: Request, next: str = "") -> Response:
    """The sign-in form: one personal access token."""
    csrf = new_sign_in_csrf()
    response = page(request, "sign_in.html", csrf=csrf, next=_safe_next(next), error="")
    remember_sign_in_csrf(request, response, csrf)
    return response


@router.post("/-/sign-in")
async def sign_in(request: Request) -> Response:
    """Check the token; keep it in the session cookie and go on, or show the form again."""
    await check_sign_in_csrf(request)
    form = await request.form()
    token, target = str(form.get("token", "")).strip(), _safe_next(str(form.get("next", "")))
    try:
        await accounts.authenticate(runtime_of(request), token)
    except Unauthenticated as exc:
        csrf = new_sign_in_csrf()
        refused = page(request, "sign_in.html", status=401, csrf=csrf, next=target, error=exc.message)
        remember_sign_in_csrf(request, refused, csrf)
        return refused
    response = RedirectResponse(target, status_code=303)
    start_session(request, response, token)
    return response


@router.post("/-/sign-out")
async def sign_out(session: FormSessionDep) -> Response:
    """Forget the session."""
    response = RedirectResponse("/-/sign-in", status_code=303)
    end_session(response)
    return response


@router.get("/-/projects")
async def project_list(request: Request, session: SessionDep, page_number: PageNumber = 1) -> Response:
    """The projects the user is a member of (every project for an admin)."""
    offset = (page_number - 1) * PER_PAGE
    found, total = await projects.list_projects(
        runtime_of(request), session.user, offset=offset, limit=PER_PAGE
    )
    pager = Pager(number=page_number, total=total)
    rt = runtime_of(request)
    health = {}
    for project in found:
        project_hooks, _ = await hooks.list_hooks(
            rt, project, offset=0, limit=rt.settings.max_hooks_per_project
        )
        health[project.id] = ProjectHealth.of(project_hooks)
    return page(request, "projects.html", session=session, projects=found, pager=pager, health=health)


@router.get("/-/projects/{project_id}")
async def project_hooks(request: Request, session: SessionDep, project_id: str) -> Response:
    """Every hook of the project, whichever face made it, with its last hour at a glance."""
    rt = runtime_of(request)
    project, role = await member_project(request, session, project_id, Role.REPORTER)
    found, total = await hooks.list_hooks(rt, project, offset=0, limit=rt.settings.max_hooks_per_project)
    activity = await overview.hook_activity(rt, project, [h.id for h in found])
    return page(
        request,
        "project.html",
        session=session,
        project=project,
        hooks=found,
        total=total,
        activity=activity,
        faces=face_titles(request),
        can_manage=role >= Role.MAINTAINER,
        replayed=_replayed(request),
        deleted=_count_flag(request, "deleted"),
    )


@router.get("/-/projects/{project_id}/events")
async def project_events(
    request: Request, session: SessionDep, project_id: str, page_number: PageNumber = 1
) -> Response:
    """The project's event stream, newest first."""
    project, _role = await member_project(request, session, project_id, Role.REPORTER)
    offset = (page_number - 1) * PER_PAGE
    rows, total = await overview.event_stream(runtime_of(request), project, offset=offset, limit=PER_PAGE)
    pager = Pager(number=page_number, total=total)
    return page(request, "events.html", session=session, project=project, events=rows, pager=pager)


def _state_filter(value: str) -> DeliveryState | None:
    if not value:
        return None
    try:
        return DeliveryState(value)
    except ValueError:
        raise InvalidInput("state", f"unknown delivery state {value!r}") from None


def _kind_filter(value: str) -> str | None:
    if value and value not in KINDS:
        raise InvalidInput("kind", f"unknown event kind {value!r}")
    return value or None


@router.get("/-/projects/{project_id}/deliveries")
async def project_deliveries(
    request: Request,
    session: SessionDep,
    project_id: str,
    state: str = "",
    kind: str = "",
    hook: Annotated[str, Query(max_length=20)] = "",
    event: Annotated[str, Query(max_length=100)] = "",
    since: Annotated[str, Query(max_length=40)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
    page_number: PageNumber = 1,
) -> Response:
    """Every delivery of the project, newest first, filtered by state, event kind, hook, event id
    and creation time; or the one delivery whose id is searched for (an event id searched for
    lists that event's deliveries)."""
    rt = runtime_of(request)
    project, _role = await member_project(request, session, project_id, Role.REPORTER)
    searched = q.strip()
    if searched:
        try:
            found = await deliveries.get_delivery(rt, project, searched)
        except NotFound:
            of_event, _ = await deliveries.list_deliveries(rt, project, event_id=searched, limit=1)
            if of_event:
                return RedirectResponse(
                    f"/-/projects/{project.id}/deliveries?{urlencode({'event': searched})}", status_code=303
                )
        else:
            return RedirectResponse(
                f"/-/projects/{project.id}/deliveries/{found.delivery.id}", status_code=303
            )
    hook_id = _hook_filter(hook)
    all_hooks, _ = await hooks.list_hooks(rt, project, offset=0, limit=rt.settings.max_hooks_per_project)
    event = event.strip()
    rows, total = await deliveries.list_deliveries(
        rt,
        project,
        hook_id=hook_id,
        state=_state_filter(state),
        kind=_kind_filter(kind),
        event_id=event or None,
        created_since=_since_filter(since),
        offset=(page_number - 1) * PER_PAGE,
        limit=PER_PAGE,
    )
    keep = {"state": state, "kind": kind, "hook": hook, "event": event, "since": since}
    return page(
        request,
        "deliveries.html",
        status=404 if searched else 200,
        session=session,
        project=project,
        deliveries=rows,
        hooks={h.id: h for h in all_hooks},
        pager=Pager(number=page_number, total=total, keep=keep),
        state=state,
        kind=kind,
        hook=hook,
        event=event,
        since=since,
        searched=searched,
        states=list(DeliveryState),
        kinds=list(EventKind),
        wires=rt.wires,
    )


def _since_filter(value: str) -> datetime | None:
    """A `datetime-local` field's value (or any ISO 8601 time), UTC when it names no zone."""
    if not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: a zone pushing year 1 or 9999 out of range
        raise InvalidInput("since", f"not a date and time: {value!r}") from None


def _hook_filter(value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput("hook", f"unknown hook {value!r}")
    return int(value)


@router.get("/-/projects/{project_id}/hooks/{hook_id}")
async def hook_deliveries(
    request: Request,
    session: SessionDep,
    project_id: str,
    hook_id: int,
    state: str = "",
    kind: str = "",
    page_number: PageNumber = 1,
) -> Response:
    """A hook's deliveries, newest first, filtered by state and event kind."""
    rt = runtime_of(request)
    project, role = await member_project(request, session, project_id, Role.REPORTER)
    hook = await hooks.get_hook(rt, project, hook_id)
    offset = (page_number - 1) * PER_PAGE
    found, total = await overview.hook_deliveries(
        rt,
        hook,
        state=_state_filter(state),
        kind=_kind_filter(kind),
        offset=offset,
        limit=PER_PAGE,
    )
    activity = await overview.hook_activity(rt, project, [hook.id])
    return page(
        request,
        "hook.html",
        session=session,
        project=project,
        hook=hook,
        deliveries=found,
        pager=Pager(number=page_number, total=total, keep={"state": state, "kind": kind}),
        state=state,
        kind=kind,
        states=list(DeliveryState),
        kinds=list(EventKind),
        activity=activity[hook.id],
        tls=hook_tls.shown(hook),
        tls_extra=hook_tls.EXTRA,
        wires=rt.wires,
        faces=face_titles(request),
        can_manage=role >= Role.MAINTAINER,
        reenabled="reenabled" in request.query_params,
        replayed=_replayed(request),
        notice=_hook_notice(request, hook),
    )


#: What a hook page says after each change, by the query flag the change redirects with.
HOOK_NOTICES = {
    "saved": "The hook is saved.",
    "enabled": "The hook is enabled: new events are delivered to it again.",
    "disabled": "The hook is disabled: it gets no deliveries until enabled.",
    "rotated": "The secret is rotated; the previous one keeps signing too until the time shown.",
    "tls": "The TLS settings are saved; the next attempt uses them.",
}


def _hook_notice(request: Request, hook: Hook) -> str:
    """The line that confirms the change just made, if any."""
    query = request.query_params
    tested = query.get("tested", "")
    if tested in KINDS:
        answer = query.get("answer", "")
        said = f"answered HTTP {answer}" if answer.isdigit() else f"did not answer ({hook.last_message})"
        return f"Sent a sample {tested} event: the receiver {said}."
    return next((text for flag, text in HOOK_NOTICES.items() if flag in query), "")


@router.post("/-/projects/{project_id}/hooks/{hook_id}/reenable")
async def reenable(request: Request, session: FormSessionDep, project_id: str, hook_id: int) -> Response:
    """Clear a hook's failures; its held deliveries go out again."""
    rt = runtime_of(request)
    project, _ = await member_project(request, session, project_id, Role.MAINTAINER)
    await hooks.reenable_hook(rt, project, await hooks.get_hook(rt, project, hook_id))
    return RedirectResponse(f"/-/projects/{project_id}/hooks/{hook_id}?reenabled=1", status_code=303)


@router.get("/-/projects/{project_id}/deliveries/{delivery_id}")
async def delivery_detail(
    request: Request, session: SessionDep, project_id: str, delivery_id: str
) -> Response:
    """One delivery: the exact body sent and every attempt with request and response."""
    rt = runtime_of(request)
    project, role = await member_project(request, session, project_id, Role.REPORTER)
    detail = await deliveries.get_delivery(rt, project, delivery_id)
    try:
        hook = await hooks.get_hook(rt, project, detail.delivery.hook_id)
    except NotFound:
        hook = None  # deleted since; its log stays readable
    secret = hook.secret if hook else ""
    attempts = [
        (a, mask_headers(a.request_headers, secret), mask_headers(a.response_headers))
        for a in detail.attempts
    ]
    return page(
        request,
        "delivery.html",
        session=session,
        project=project,
        hook=hook,
        detail=detail,
        attempts=list(reversed(attempts)),
        by_hand=sent_by_hand(detail.attempts, len(rt.settings.retry_policy.schedule)),
        pending=detail.delivery.state is DeliveryState.QUEUED,
        can_manage=role >= Role.MAINTAINER,
        resendable=detail.delivery.state is not DeliveryState.QUEUED,
        resent="resent" in request.query_params,
        retried="retried" in request.query_params,
        wires=rt.wires,
        faces=face_titles(request),
    )


@router.post("/-/projects/{project_id}/deliveries/{delivery_id}/resend")
async def resend(request: Request, session: FormSessionDep, project_id: str, delivery_id: str) -> Response:
    """Send the same delivery again: same id, same bytes, a new attempt."""
    rt = runtime_of(request)
    project, _ = await member_project(request, session, project_id, Role.MAINTAINER)
    detail = await deliveries.get_delivery(rt, project, delivery_id)
    hooks.check_test_rate(rt, session.user.id, detail.delivery.hook_id)
    await deliveries.redeliver(rt, project, delivery_id)
    return RedirectResponse(f"/-/projects/{project_id}/deliveries/{delivery_id}?resent=1", status_code=303)


@router.post("/-/projects/{project_id}/deliveries/{delivery_id}/retry")
async def retry_now(request: Request, session: FormSessionDep, project_id: str, delivery_id: str) -> Response:
    """A queued delivery waiting for its next try goes out now, with every waiting delivery of
    its hook (in the order of their events); the hook's failure count starts again."""
    rt = runtime_of(request)
    project, _ = await member_project(request, session, project_id, Role.MAINTAINER)
    detail = await deliveries.get_delivery(rt, project, delivery_id)
    if detail.delivery.state is not DeliveryState.QUEUED:
        raise Conflict("only a queued delivery can be retried now")
    hooks.check_test_rate(rt, session.user.id, detail.delivery.hook_id)
    await hooks.reenable_hook(rt, project, await hooks.get_hook(rt, project, detail.delivery.hook_id))
    return RedirectResponse(f"/-/projects/{project_id}/deliveries/{delivery_id}?retried=1", status_code=303)


SinceField = Annotated[datetime, Form(description="UTC, as the form's datetime-local field sends it")]


def _count_flag(request: Request, name: str) -> int | None:
    """A count a change redirected with (`?replayed=3`), or None."""
    value = request.query_params.get(name, "")
    return int(value) if value.isdigit() else None


def _replayed(request: Request) -> int | None:
    return _count_flag(request, "replayed")


async def _replay(
    request: Request,
    session: Session,
    project_id: str,
    hook_id: int | None,
    since: datetime,
    failed_only: bool,
) -> int:
    rt = runtime_of(request)
    project, _ = await member_project(request, session, project_id, Role.MAINTAINER)
    if hook_id is not None:
        await hooks.get_hook(rt, project, hook_id)
    return await replay.replay_all(rt, project, since=since, hook_id=hook_id, failed_only=failed_only)


@router.post("/-/projects/{project_id}/hooks/{hook_id}/replay")
async def replay_hook(
    request: Request,
    session: FormSessionDep,
    project_id: str,
    hook_id: int,
    since: SinceField,
    failed_only: Annotated[bool, Form()] = False,
) -> Response:
    """Send again every finished delivery of this hook since a time, same ids, new attempts."""
    count = await _replay(request, session, project_id, hook_id, since, failed_only)
    return RedirectResponse(f"/-/projects/{project_id}/hooks/{hook_id}?replayed={count}", status_code=303)


@router.post("/-/projects/{project_id}/replay")
async def replay_project(
    request: Request,
    session: FormSessionDep,
    project_id: str,
    since: SinceField,
    failed_only: Annotated[bool, Form()] = False,
) -> Response:
    """The same for every hook of the project."""
    count = await _replay(request, session, project_id, None, since, failed_only)
    return RedirectResponse(f"/-/projects/{project_id}?replayed={count}", status_code=303)
