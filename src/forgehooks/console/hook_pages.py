"""Console pages that change hooks: add, edit, delete, test, enable or disable, rotate the secret,
set the hook's own CA bundle and client certificate.

Every change is a POST carrying the session's CSRF token and needs the maintainer role;
each calls the same service as the API faces, so the same rules apply to what is saved.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from forgehooks.console.auth import Session, checked_session, current_session, member_project, runtime_of
from forgehooks.console.guard import ConsoleRoute
from forgehooks.console.hook_form import HookForm, changes_of, new_spec
from forgehooks.console.views import page
from forgehooks.core.errors import InvalidInput, LimitExceeded
from forgehooks.core.events import EventKind
from forgehooks.core.hooks import BranchFilterStrategy, Hook, SecretScheme
from forgehooks.core.projects import Project, Role
from forgehooks.services import events, hook_tls, hooks

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

SessionDep = Annotated[Session, Depends(current_session)]
FormSessionDep = Annotated[Session, Depends(checked_session)]
#: The longest grace period the console offers for the old secret (the API's limit too).
MAX_GRACE_HOURS = 24 * 30


def _hook_url(project: Project, hook: Hook, notice: str = "") -> str:
    return f"/-/projects/{project.id}/hooks/{hook.id}" + (f"?{notice}" if notice else "")


def _form_page(
    request: Request,
    session: Session,
    project: Project,
    shown: HookForm,
    *,
    hook: Hook | None = None,
    error: InvalidInput | LimitExceeded | None = None,
) -> Response:
    return page(
        request,
        "hook_form.html",
        status=400 if error else 200,
        session=session,
        project=project,
        hook=hook,
        form=shown,
        error=error.message if error else "",
        error_field=error.field if isinstance(error, InvalidInput) else "",
        kinds=list(EventKind),
        strategies=list(BranchFilterStrategy),
        schemes=list(SecretScheme),
    )


@router.get("/-/projects/{project_id}/new-hook")
async def new_hook_form(request: Request, session: SessionDep, project_id: str) -> Response:
    """The form for a new hook."""
    project, _ = await member_project(request, session, project_id, Role.MAINTAINER)
    return _form_page(request, session, project, HookForm())


@router.post("/-/projects/{project_id}/new-hook")
async def add_hook(request: Request, session: FormSessionDep, project_id: str) -> Response:
    """Create the hook, or show the form again with what was wrong."""
    project, _ = await member_project(request, session, project_id, Role.MAINTAINER)
    form = await request.form()
    try:
        hook = await hooks.create_hook(runtime_of(request), project, new_spec(form), "forgehooks")
    except (InvalidInput, LimitExceeded) as exc:
        return _form_page(request, session, project, HookForm.posted(form), error=exc)
    return RedirectResponse(_hook_url(project, hook, "saved=1"), status_code=303)


@router.get("/-/projects/{project_id}/hooks/{hook_id}/edit")
async def edit_hook_form(request: Request, session: SessionDep, project_id: str, hook_id: int) -> Response:
    """The form with the hook's settings; secret values are never put in it."""
    project, _ = await member_project(request, session, project_id, Role.MAINTAINER)
    hook = await hooks.get_hook(runtime_of(request), project, hook_id)
    return _form_page(request, session, project, HookForm.of(hook), hook=hook)


@router.post("/-/projects/{project_id}/hooks/{hook_id}/edit")
async def edit_hook(request: Request, session: FormSessionDep, project_id: str, hook_id: int) -> Response:
    """Save the changes, or show the form again with what was wrong."""
    rt = runtime_of(request)
    project, _ = await member_project(request, session, project_id, Role.MAINTAINER)
    hook = await hooks.get_hook(rt, project, hook_id)
    form = await request.form()
    try:
        await hooks.update_hook(rt, project, hook, changes_of(form))
    except InvalidInput as exc:
        return _form_page(request, session, project, HookForm.posted(form, hook), hook=hook, error=exc)
    return RedirectResponse(_hook_url(project, hook, "saved=1"), status_code=303)


@router.post("/-/projects/{project_id}/hooks/{hook_id}/delete")
async def delete_hook(request: Request, session: FormSessionDep, project_id: str, hook_id: int) -> Response:
    """Delete the hook; its queued deliveries are cancelled, its log stays readable."""
    rt = runtime_of(request)
    project, _ = await member_project(request, session, project_id, Role.MAINTAINER)
    hook = await hooks.get_hook(rt, project, hook_id)
    cancelled = await hooks.delete_hook(rt, project, hook)
    return RedirectResponse(f"/-/projects/{project.id}?deleted={cancelled}", status_code=303)


@router.post("/-/projects/{project_id}/hooks/{hook_id}/test")
async def test_hook(
    request: Request,
    session: FormSessionDep,
    project_id: str,
    hook_id: int,
    kind: Annotated[EventKind, Form()] = EventKind.PUSH,
) -> Response:
    """Send a sample event of `kind` now; the hook page then shows what the receiver said."""
    rt = runtime_of(request)
    project, _ = await member_project(request, session, project_id, Role.MAINTAINER)
    hook = await hooks.get_hook(rt, project, hook_id)
    outcome = await hooks.test_hook(rt, project, hook, kind, events.actor_of(session.user))
    answer = str(outcome.status) if outcome.status is not None else "none"
    return RedirectResponse(_hook_url(project, hook, f"tested={kind.value}&answer={answer}"), status_code=303)


@router.post("/-/projects/{project_id}/hooks/{hook_id}/active")
async def set_active(
    request: Request,
    session: FormSessionDep,
    project_id: str,
    hook_id: int,
    active: Annotated[bool, Form()],
) -> Response:
    """Enable or disable the hook; a disabled hook gets no new deliveries."""
    rt = runtime_of(request)
    project, _ = await member_project(request, session, project_id, Role.MAINTAINER)
    hook = await hooks.get_hook(rt, project, hook_id)
    await hooks.update_hook(rt, project, hook, {"active": active})
    return RedirectResponse(
        _hook_url(project, hook, "enabled=1" if active else "disabled=1"), status_code=303
    )


@router.post("/-/projects/{project_id}/hooks/{hook_id}/rotate")
async def rotate_secret(
    request: Request,
    session: FormSessionDep,
    project_id: str,
    hook_id: int,
    secret: Annotated[str, Form()],
    grace_hours: Annotated[float, Form(ge=0, le=MAX_GRACE_HOURS)] = 24.0,
) -> Response:
    """Switch to a new secret; the old one keeps signing too for the grace period."""
    rt = runtime_of(request)
    project, _ = await member_project(request, session, project_id, Role.MAINTAINER)
    hook = await hooks.get_hook(rt, project, hook_id)
    await hooks.rotate_secret(rt, project, hook, secret, grace=timedelta(hours=grace_hours))
    return RedirectResponse(_hook_url(project, hook, "rotated=1"), status_code=303)


def _pem(text: str) -> str:
    """A pasted PEM as stored: a browser sends a text area's lines ending in CRLF."""
    return text.replace("\r\n", "\n").strip() + "\n" if text.strip() else ""


@router.post("/-/projects/{project_id}/hooks/{hook_id}/tls")
async def set_tls(
    request: Request,
    session: FormSessionDep,
    project_id: str,
    hook_id: int,
    ca_bundle: Annotated[str, Form()] = "",
    client_cert: Annotated[str, Form()] = "",
    client_key: Annotated[str, Form()] = "",
    clear: Annotated[bool, Form()] = False,
) -> Response:
    """Replace the hook's CA bundle and client certificate, checked as the API checks them; the
    key left empty keeps the stored one while the certificate stays the same. `clear` drops all."""
    rt = runtime_of(request)
    project, _ = await member_project(request, session, project_id, Role.MAINTAINER)
    hook = await hooks.get_hook(rt, project, hook_id)
    if clear:
        ca, cert, key = "", "", ""
    else:
        ca, cert, key = _pem(ca_bundle), _pem(client_cert), _pem(client_key)
        key = key or hook_tls.kept_key(rt, hook, cert)
    await hook_tls.set_tls(rt, project, hook, ca_bundle=ca, client_cert=cert, client_key=key)
    return RedirectResponse(_hook_url(project, hook, "tls=1"), status_code=303)
