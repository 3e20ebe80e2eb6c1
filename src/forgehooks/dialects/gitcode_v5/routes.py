"""GitCode v5's repository hooks API under /api/v5/repos/{owner}/{repo}/hooks: thin routes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from forgehooks.dialects.direct import document
from forgehooks.dialects.face import RuntimeDep, ShownHooks
from forgehooks.dialects.gitcode_v5 import paging
from forgehooks.dialects.gitcode_v5.auth import CREDENTIALS, RepositoryDep, UserDep, current_user
from forgehooks.dialects.gitcode_v5.errors import unusable_values
from forgehooks.dialects.gitcode_v5.mapping import DIALECT, changes_of, sample_kind_of, spec_of
from forgehooks.dialects.gitcode_v5.parameters import ParamsDep, hook_id_of
from forgehooks.dialects.gitcode_v5.schemas import HookOut, HookParams, params_body_schema
from forgehooks.services import events, hooks

PREFIX = "/api/v5"
router = APIRouter(prefix=PREFIX + "/repos/{owner}/{repo}/hooks", tags=["GitCode v5"])

NO_CONTENT: dict[int | str, dict[str, Any]] = {204: {"description": "No Content"}}
SHOWN = ShownHooks(HookOut.of)


@router.get("", response_model=list[HookOut], summary="List WebHooks of a Repository")
async def list_hooks(rt: RuntimeDep, repository: RepositoryDep, paged: paging.WindowDep) -> Response:
    """A page of the repository's hooks, whichever face made them."""
    offset, limit = paged
    found, total = await hooks.list_hooks(rt, repository, offset=offset, limit=limit)
    return SHOWN.response(found, headers=paging.total_headers(total, limit))


@router.post(
    "",
    status_code=201,
    response_model=HookOut,
    summary="Create a WebHook for a Repository",
    openapi_extra=params_body_schema(),
)
async def create_hook(rt: RuntimeDep, repository: RepositoryDep, params: ParamsDep) -> HookOut:
    """Create a hook from query, form or JSON parameters."""
    spec = spec_of(HookParams.parse(params))
    with unusable_values():
        return HookOut.of(await hooks.create_hook(rt, repository, spec, DIALECT))


@router.get("/{id}", response_model=HookOut, summary="Get a Specific WebHook of a Repository")
async def get_hook(rt: RuntimeDep, repository: RepositoryDep, id: str) -> HookOut:
    """One hook by its numeric id."""
    return HookOut.of(await hooks.get_hook(rt, repository, hook_id_of(id)))


@router.patch(
    "/{id}",
    response_model=HookOut,
    summary="Update a WebHook of a Repository",
    openapi_extra=params_body_schema(),
)
async def update_hook(rt: RuntimeDep, repository: RepositoryDep, params: ParamsDep, id: str) -> HookOut:
    """Change the given parameters only; the hook keeps kinds it got through other faces."""
    hook = await hooks.get_hook(rt, repository, hook_id_of(id))
    changes = changes_of(HookParams.parse(params), hook.events)
    with unusable_values():
        return HookOut.of(await hooks.update_hook(rt, repository, hook, changes))


@router.delete("/{id}", status_code=204, responses=NO_CONTENT, summary="Delete a WebHook of a Repository")
async def delete_hook(rt: RuntimeDep, repository: RepositoryDep, id: str) -> Response:
    """Delete a hook; its queued deliveries are cancelled."""
    await hooks.delete_hook(rt, repository, await hooks.get_hook(rt, repository, hook_id_of(id)))
    return Response(status_code=204)


@router.post(
    "/{id}/tests",
    status_code=204,
    responses=NO_CONTENT,
    summary="Test if a WebHook is Successfully Sent",
)
async def test_hook(rt: RuntimeDep, repository: RepositoryDep, user: UserDep, id: str) -> Response:
    """Send a sample event of the hook's first subscribed flag now; the outcome shows in `result`."""
    hook = await hooks.get_hook(rt, repository, hook_id_of(id))
    await hooks.test_hook(rt, repository, hook, sample_kind_of(hook), events.actor_of(user))
    return Response(status_code=204)


document(router, current_user, CREDENTIALS)
document(router, paging.window, paging.PAGING)
