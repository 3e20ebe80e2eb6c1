"""CodeArts Repo v4 project webhooks: list, add, show, update, remove, and each hook's logs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from forgehooks.core.clock import as_utc
from forgehooks.core.projects import Project, Role, User
from forgehooks.dialects.codearts_v4.auth import CREDENTIALS, UserDep, current_user
from forgehooks.dialects.codearts_v4.mapping import DIALECT, changes_of, spec_of
from forgehooks.dialects.codearts_v4.paging import MAX_OFFSET, PAGING, WindowDep, set_total, window
from forgehooks.dialects.codearts_v4.schemas import (
    ErrorOut,
    WebhookIn,
    WebhookLogDetailOut,
    WebhookLogOut,
    WebhookOut,
)
from forgehooks.dialects.direct import document
from forgehooks.dialects.face import RuntimeDep, ShownHooks
from forgehooks.services import deliveries, hooks, projects
from forgehooks.services.runtime import Runtime

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in ((400, "Bad Request"), (401, "Unauthorized"), (403, "Forbidden"), (404, "Not Found"))
}

router = APIRouter(prefix="/v4/projects/{project_id}/hooks", tags=["CodeArts Repo v4"], responses=ERRORS)
SHOWN = ShownHooks(WebhookOut.of)

ProjectIdP = Annotated[
    str,
    Path(
        min_length=32,
        max_length=32,
        pattern="^[0-9a-fA-F]{32}$",
        description="The project's 32-character unique identifier.",
    ),
]
HookIdP = Annotated[int, Path(ge=1, le=MAX_OFFSET, description="Webhook ID.")]
LogIdP = Annotated[int, Path(ge=1, le=MAX_OFFSET, description="Webhook log ID.")]


async def _project(rt: Runtime, user: User, project_id: str) -> Project:
    """The project if the caller may manage its settings; outsiders get the documented 403."""
    return await projects.access(rt, user, project_id.lower(), Role.MAINTAINER, hide_from_outsiders=False)


@router.get("", response_model=list[WebhookOut], summary="ListProjectWebhooks")
async def list_project_webhooks(
    rt: RuntimeDep,
    user: UserDep,
    project_id: ProjectIdP,
    paged: WindowDep,
) -> Response:
    """The project's webhooks (made through any face); the total in `X-Total`."""
    project = await _project(rt, user, project_id)
    offset, limit = paged
    page, total = await hooks.list_hooks(rt, project, offset=offset, limit=limit)
    response = SHOWN.response(page)
    set_total(response, total)
    return response


@router.post("", status_code=201, response_model=WebhookOut, summary="AddProjectWebhook")
async def add_project_webhook(
    rt: RuntimeDep, user: UserDep, project_id: ProjectIdP, body: WebhookIn
) -> WebhookOut:
    """Add a webhook to the project."""
    project = await _project(rt, user, project_id)
    return WebhookOut.of(await hooks.create_hook(rt, project, spec_of(body.given()), DIALECT))


@router.get("/{hook_id}", response_model=WebhookOut, summary="ShowProjectWebhook")
async def show_project_webhook(
    rt: RuntimeDep, user: UserDep, project_id: ProjectIdP, hook_id: HookIdP
) -> WebhookOut:
    """One webhook of the project."""
    project = await _project(rt, user, project_id)
    return WebhookOut.of(await hooks.get_hook(rt, project, hook_id))


@router.put("/{hook_id}", response_model=WebhookOut, summary="UpdateProjectWebhook")
async def update_project_webhook(
    rt: RuntimeDep, user: UserDep, project_id: ProjectIdP, hook_id: HookIdP, body: WebhookIn
) -> WebhookOut:
    """Change the fields sent; fields left out stay as they are."""
    project = await _project(rt, user, project_id)
    hook = await hooks.get_hook(rt, project, hook_id)
    return WebhookOut.of(await hooks.update_hook(rt, project, hook, changes_of(hook, body.given())))


@router.delete("/{hook_id}", status_code=204, summary="RemoveProjectWebhook")
async def remove_project_webhook(
    rt: RuntimeDep, user: UserDep, project_id: ProjectIdP, hook_id: HookIdP
) -> Response:
    """Delete a webhook; its queued deliveries are cancelled."""
    project = await _project(rt, user, project_id)
    await hooks.delete_hook(rt, project, await hooks.get_hook(rt, project, hook_id))
    return Response(status_code=204)


@router.get("/{hook_id}/logs", response_model=list[WebhookLogOut], summary="ListProjectWebhookLogs")
async def list_project_webhook_logs(
    rt: RuntimeDep,
    user: UserDep,
    project_id: ProjectIdP,
    hook_id: HookIdP,
    response: Response,
    paged: WindowDep,
    repository_id: Annotated[int | None, Query(ge=1, le=MAX_OFFSET, description="Repository ID.")] = None,
    uuid: Annotated[
        str | None, Query(min_length=1, max_length=100, description="The uuid of a request body.")
    ] = None,
    created_after: Annotated[datetime | None, Query(description="Executed at or after.")] = None,
    created_before: Annotated[datetime | None, Query(description="Executed at or before.")] = None,
) -> list[WebhookLogOut]:
    """The requests a hook sent, newest first; the total in `X-Total`."""
    project = await _project(rt, user, project_id)
    hook = await hooks.get_hook(rt, project, hook_id)
    offset, limit = paged
    if repository_id is not None and repository_id != project.id:
        set_total(response, 0)
        return []
    rows, total = await deliveries.list_attempts(
        rt,
        project,
        hook.id,
        offset=offset,
        limit=limit,
        event_id=uuid,
        after=as_utc(created_after) if created_after else None,
        before=as_utc(created_before) if created_before else None,
    )
    set_total(response, total)
    return [WebhookLogOut.of(attempt, delivery, project) for attempt, delivery in rows]


@router.get("/{hook_id}/logs/{log_id}", response_model=WebhookLogDetailOut, summary="ShowProjectWebhookLog")
async def show_project_webhook_log(
    rt: RuntimeDep, user: UserDep, project_id: ProjectIdP, hook_id: HookIdP, log_id: LogIdP
) -> WebhookLogDetailOut:
    """One request a hook sent, with its headers and body and the response."""
    project = await _project(rt, user, project_id)
    hook = await hooks.get_hook(rt, project, hook_id)
    detail = await deliveries.get_attempt(rt, project, hook.id, log_id)
    return WebhookLogDetailOut.of(detail.attempt, detail.delivery, detail.body)


document(router, current_user, CREDENTIALS)
document(router, window, PAGING)
