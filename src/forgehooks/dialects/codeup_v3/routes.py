"""Codeup v3 webhook routes under /api/v3/projects/{ProjectId}/hooks: the whole life cycle."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import Response

from forgehooks.core.errors import InvalidInput
from forgehooks.core.hooks import HookSpec
from forgehooks.dialects.codeup_v3.auth import (
    CREDENTIALS,
    ORGANIZATION_ID,
    RepositoryDep,
    UserDep,
    current_user,
    repository,
)
from forgehooks.dialects.codeup_v3.envelope import answer, new_request_id, wants_xml
from forgehooks.dialects.codeup_v3.mapping import TEST_KINDS, changes_from_body, trigger_kind
from forgehooks.dialects.codeup_v3.paging import WINDOW, WindowDep, window
from forgehooks.dialects.codeup_v3.schemas import (
    ErrorEnvelope,
    HookCreate,
    HookEnvelope,
    HookListEnvelope,
    HookResult,
    HookUpdate,
    TestEnvelope,
    TestResult,
    TestTrigger,
)
from forgehooks.dialects.codeup_v3.wire import DIALECT
from forgehooks.dialects.direct import document
from forgehooks.dialects.face import RuntimeDep, ShownHooks
from forgehooks.services import events, hooks

PREFIX = "/api/v3/projects/{ProjectId}/hooks"

_XML = {"application/xml": {"schema": {"type": "string"}}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "content": _XML} for status in (400, 401, 403, 404, 429)
}
_OK: dict[int | str, dict[str, Any]] = {200: {"content": _XML}}

SHOWN = ShownHooks(HookResult.of)

router = APIRouter(prefix=PREFIX, tags=["codeup_v3"], responses=_ERRORS)

HookIdPath = Annotated[int, Path(alias="HookId", ge=1, le=2**63 - 1, description="Webhook Id")]


@router.post("", response_model=HookEnvelope, responses=_OK, operation_id="codeup_AddWebhook")
async def add_webhook(
    request: Request,
    rt: RuntimeDep,
    project: RepositoryDep,
    body: Annotated[HookCreate | None, Body()] = None,
) -> Response:
    """创建代码库Webhook: create a repository webhook (AddWebhook)."""
    if body is None:
        raise InvalidInput("url", "is required")
    spec = HookSpec(**changes_from_body(body.fields(), frozenset()))
    hook = await hooks.create_hook(rt, project, spec, DIALECT)
    return answer(request, HookEnvelope(RequestId=new_request_id(), Result=HookResult.of(hook)))


@router.get("", response_model=HookListEnvelope, responses=_OK, operation_id="codeup_ListRepositoryWebhook")
async def list_webhooks(
    request: Request, rt: RuntimeDep, project: RepositoryDep, page: WindowDep
) -> Response:
    """List the repository's webhooks, whichever face made them (ListRepositoryWebhook)."""
    found, total = await hooks.list_hooks(rt, project, offset=page.offset, limit=page.size)
    if wants_xml(request):
        envelope = HookListEnvelope(
            RequestId=new_request_id(), Total=total, Result=[HookResult.of(h) for h in found]
        )
        return answer(request, envelope, headers={"X-Total": str(total)})
    empty = HookListEnvelope(RequestId=new_request_id(), Total=total, Result=[])
    headers = {"x-acs-request-id": empty.RequestId, "X-Total": str(total)}
    return Response(SHOWN.within(empty, "Result", found), media_type="application/json", headers=headers)


@router.get(
    "/{HookId}", response_model=HookEnvelope, responses=_OK, operation_id="codeup_GetRepositoryWebhook"
)
async def get_webhook(
    request: Request, rt: RuntimeDep, project: RepositoryDep, hook_id: HookIdPath
) -> Response:
    """One webhook (GetRepositoryWebhook)."""
    hook = await hooks.get_hook(rt, project, hook_id)
    return answer(request, HookEnvelope(RequestId=new_request_id(), Result=HookResult.of(hook)))


@router.put(
    "/{HookId}", response_model=HookEnvelope, responses=_OK, operation_id="codeup_UpdateRepositoryWebhook"
)
async def update_webhook(
    request: Request,
    rt: RuntimeDep,
    project: RepositoryDep,
    hook_id: HookIdPath,
    body: Annotated[HookUpdate | None, Body()] = None,
) -> Response:
    """Change the fields given; the others stay (UpdateRepositoryWebhook)."""
    hook = await hooks.get_hook(rt, project, hook_id)
    changes = changes_from_body(body.fields() if body else {}, hook.events)
    updated = await hooks.update_hook(rt, project, hook, changes)
    return answer(request, HookEnvelope(RequestId=new_request_id(), Result=HookResult.of(updated)))


@router.delete(
    "/{HookId}", response_model=HookEnvelope, responses=_OK, operation_id="codeup_DeleteRepositoryWebhook"
)
async def delete_webhook(
    request: Request, rt: RuntimeDep, project: RepositoryDep, hook_id: HookIdPath
) -> Response:
    """Delete a webhook; the answer carries it as it was (DeleteRepositoryWebhook)."""
    hook = await hooks.get_hook(rt, project, hook_id)
    await hooks.delete_hook(rt, project, hook)
    return answer(request, HookEnvelope(RequestId=new_request_id(), Result=HookResult.of(hook)))


@router.post(
    "/{HookId}/test", response_model=TestEnvelope, responses=_OK, operation_id="codeup_TestRepositoryWebhook"
)
async def test_webhook(
    request: Request,
    rt: RuntimeDep,
    user: UserDep,
    project: RepositoryDep,
    hook_id: HookIdPath,
    trigger: Annotated[str | None, Query(description="push_events (default), tag_push_events, ...")] = None,
    trigger_pascal: Annotated[str | None, Query(alias="Trigger")] = None,
    body: Annotated[TestTrigger | None, Body()] = None,
) -> Response:
    """Send a sample event of the trigger's kind now and answer with the receiver's result."""
    name = trigger_pascal or trigger or (body.trigger if body else None) or "push_events"
    kind = trigger_kind(name)
    if kind is None:
        raise InvalidInput("trigger", "must be one of " + ", ".join(TEST_KINDS))
    hook = await hooks.get_hook(rt, project, hook_id)
    outcome = await hooks.test_hook(rt, project, hook, kind, events.actor_of(user))
    ok = outcome.status is not None and 200 <= outcome.status < 300
    result = TestResult(
        Id=hook.id,
        Trigger=next(flag for flag, sample in TEST_KINDS.items() if sample is kind),
        StatusCode=outcome.status,
        LastTestResult="ok" if ok else "error",
        Message=outcome.summary,
        Duration=round(outcome.duration_ms),
    )
    return answer(request, TestEnvelope(RequestId=new_request_id(), Result=result))


document(router, current_user, CREDENTIALS)
document(router, window, WINDOW)
document(router, repository, [ORGANIZATION_ID])
