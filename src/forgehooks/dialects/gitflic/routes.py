"""GitFlic's webhook API: `/project/{ownerAlias}/{projectAlias}/setting/webhook[...]`."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response

from forgehooks.core.errors import NotFound
from forgehooks.core.hooks import Hook
from forgehooks.core.projects import Project, Role, User
from forgehooks.dialects.direct import document
from forgehooks.dialects.face import RuntimeDep, ShownHooks
from forgehooks.dialects.gitflic.auth import CREDENTIALS, UserDep, current_user
from forgehooks.dialects.gitflic.mapping import DIALECT, changes_from, spec_from
from forgehooks.dialects.gitflic.paging import PAGING, PageRequestDep, page_info, requested_page
from forgehooks.dialects.gitflic.schemas import ErrorBody, Webhook, WebhookIn, WebhookPage, WebhookUpdate
from forgehooks.services import hooks, projects
from forgehooks.services.runtime import Runtime

BASE = "/project/{ownerAlias}/{projectAlias}/setting/webhook"

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No or unknown token"},
    403: {"model": ErrorBody, "description": "Нет прав для доступа (not a project administrator)"},
    404: {"model": ErrorBody, "description": "Данные по запросу не найдены"},
    422: {"model": ErrorBody, "description": "Тело запроса не прошло валидацию на сервере"},
}

router = APIRouter(tags=["GitFlic"], responses=ERRORS)

#: Each hook's JSON, written once (by `Webhook.of` with its project's UUID, given per list).
SHOWN = ShownHooks()


async def administered(rt: Runtime, user: User, owner_alias: str, project_alias: str) -> Project:
    """The project `owner/alias` if the caller administers it (403 for anyone else)."""
    path = f"{owner_alias}/{project_alias}"
    return await projects.access(rt, user, path, Role.MAINTAINER, hide_from_outsiders=False)


async def webhook(rt: Runtime, project: Project, hook_id: str) -> Hook:
    """A hook of the project by its UUID; anything else is not found."""
    try:
        canonical = str(uuid.UUID(hook_id))
    except ValueError:
        raise NotFound(f"Webhook {hook_id} not found") from None
    return await hooks.get_hook(rt, project, canonical)


@router.get(BASE, response_model=WebhookPage, summary="Просмотр вебхуков проекта")
async def list_webhooks(
    rt: RuntimeDep, user: UserDep, ownerAlias: str, projectAlias: str, request: PageRequestDep
) -> Response:
    """A page of the project's webhooks, whichever API made them."""
    project = await administered(rt, user, ownerAlias, projectAlias)
    found, total = await hooks.list_hooks(rt, project, offset=request.offset, limit=request.size)
    empty = WebhookPage.model_validate({"_embedded": {"webhookList": []}, "page": page_info(request, total)})
    body = SHOWN.within(empty, "webhookList", found, lambda hook: Webhook.of(hook, project.uuid))
    return Response(body, media_type="application/json")


@router.get(BASE + "/{id}", response_model=Webhook, summary="Просмотр вебхука по id")
async def get_webhook(rt: RuntimeDep, user: UserDep, ownerAlias: str, projectAlias: str, id: str) -> Webhook:
    """One webhook by its UUID."""
    project = await administered(rt, user, ownerAlias, projectAlias)
    return Webhook.of(await webhook(rt, project, id), project.uuid)


@router.post(BASE, response_model=Webhook, summary="Создание вебхука")
async def create_webhook(
    rt: RuntimeDep, user: UserDep, ownerAlias: str, projectAlias: str, body: WebhookIn
) -> Webhook:
    """Create a webhook; events left out are false. Answers 200, as GitFlic does."""
    project = await administered(rt, user, ownerAlias, projectAlias)
    spec = spec_from(body.model_dump(exclude_unset=True))
    return Webhook.of(await hooks.create_hook(rt, project, spec, DIALECT), project.uuid)


@router.post(BASE + "/{id}", response_model=Webhook, summary="Обновление вебхука по id")
async def update_webhook(
    rt: RuntimeDep, user: UserDep, ownerAlias: str, projectAlias: str, id: str, body: WebhookUpdate
) -> Webhook:
    """Change the fields given; event flags left out keep their value."""
    project = await administered(rt, user, ownerAlias, projectAlias)
    hook = await webhook(rt, project, id)
    changes = changes_from(body.model_dump(exclude_unset=True), hook.events)
    return Webhook.of(await hooks.update_hook(rt, project, hook, changes), project.uuid)


@router.post(BASE + "/{id}/delete", summary="Удаление вебхука")
async def delete_webhook(
    rt: RuntimeDep, user: UserDep, ownerAlias: str, projectAlias: str, id: str
) -> Response:
    """Delete a webhook: 200 with an empty body."""
    project = await administered(rt, user, ownerAlias, projectAlias)
    await hooks.delete_hook(rt, project, await webhook(rt, project, id))
    return Response(status_code=200)


document(router, current_user, CREDENTIALS)
document(router, requested_page, PAGING)
