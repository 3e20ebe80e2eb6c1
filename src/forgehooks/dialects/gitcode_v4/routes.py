"""GitCode v4 routes: hooks, hook tests, commit statuses and quality reports under /api/v4/projects."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from forgehooks.core.errors import InvalidInput, NotFound
from forgehooks.core.hooks import Hook
from forgehooks.core.projects import Project, Role, User
from forgehooks.core.statuses import CommitState, QualityInput, StatusReport
from forgehooks.dialects.direct import document
from forgehooks.dialects.face import RuntimeDep, ShownHooks
from forgehooks.dialects.gitcode_v4.auth import CREDENTIALS, UserDep, current_user
from forgehooks.dialects.gitcode_v4.errors import unprocessable
from forgehooks.dialects.gitcode_v4.mapping import TEST_TRIGGERS, changes_of, quality_results, spec_of
from forgehooks.dialects.gitcode_v4.paging import PAGING, PageDep, add_headers, page_of
from forgehooks.dialects.gitcode_v4.schemas import (
    HookCreate,
    HookIn,
    HookOut,
    MessageOut,
    QualityIn,
    QualityOut,
    StatusIn,
    StatusOut,
    TestIn,
    hook_out,
    parse,
    quality_out,
    read_params,
    request_body,
    status_out,
)
from forgehooks.dialects.gitcode_v4.wire import DIALECT
from forgehooks.services import events, hooks, projects, statuses
from forgehooks.services.runtime import Runtime

PREFIX = "/api/v4/projects"
router = APIRouter(prefix=PREFIX, tags=["GitCode v4"])

#: Largest id the database holds; larger ones cannot exist.
ID_MAX = 2**63 - 1
Params = Annotated[dict[str, Any], Depends(read_params)]
SHOWN = ShownHooks(hook_out)


def project_identity(raw: str) -> str:
    """The `{project_id}` path value (numeric or URL-encoded OWNER%2FNAME) as a project identity."""
    identity = unquote(raw)
    if "\x00" in identity or (identity.isdigit() and (not identity.isascii() or int(identity) > ID_MAX)):
        raise NotFound("404 Project Not Found")
    return identity


async def _project(rt: Runtime, user: User, raw: str, role: Role) -> Project:
    return await projects.access(rt, user, project_identity(raw), role)


async def _hook(rt: Runtime, user: User, raw: str, hook_id: int) -> tuple[Project, Hook]:
    project = await _project(rt, user, raw, Role.MAINTAINER)
    if not 0 < hook_id <= ID_MAX:
        raise NotFound("404 Not found")
    return project, await hooks.get_hook(rt, project, hook_id)


@router.get("/{project_id}/hooks", response_model=list[HookOut])
async def list_hooks(
    rt: RuntimeDep, user: UserDep, request: Request, project_id: str, page: PageDep
) -> Response:
    """1. List the project's hooks (made through any face), GitLab paging headers included."""
    project = await _project(rt, user, project_id, Role.MAINTAINER)
    found, total = await hooks.list_hooks(rt, project, offset=page.offset, limit=page.size)
    response = SHOWN.response(found)
    add_headers(response, request, page, total)
    return response


@router.post(
    "/{project_id}/hooks", status_code=201, response_model=HookOut, openapi_extra=request_body(HookCreate)
)
async def create_hook(rt: RuntimeDep, user: UserDep, project_id: str, params: Params) -> HookOut:
    """2. Create a hook; absent flags take GitLab's defaults (only push events)."""
    given = parse(HookCreate, params).given()
    project = await _project(rt, user, project_id, Role.MAINTAINER)
    with unprocessable():
        hook = await hooks.create_hook(rt, project, spec_of(given), DIALECT)
    return hook_out(hook)


@router.get("/{project_id}/hooks/{hook_id}", response_model=HookOut)
async def get_hook(rt: RuntimeDep, user: UserDep, project_id: str, hook_id: int) -> HookOut:
    """3. One hook."""
    _, hook = await _hook(rt, user, project_id, hook_id)
    return hook_out(hook)


@router.delete("/{project_id}/hooks/{hook_id}", status_code=204)
async def delete_hook(rt: RuntimeDep, user: UserDep, project_id: str, hook_id: int) -> Response:
    """4. Delete a hook; its pending deliveries are cancelled."""
    project, hook = await _hook(rt, user, project_id, hook_id)
    await hooks.delete_hook(rt, project, hook)
    return Response(status_code=204)


@router.put("/{project_id}/hooks/{hook_id}", response_model=HookOut, openapi_extra=request_body(HookIn))
async def update_hook(
    rt: RuntimeDep, user: UserDep, project_id: str, hook_id: int, params: Params
) -> HookOut:
    """5. Update a hook: only the fields sent change (python-gitlab's save() sends just those)."""
    given = parse(HookIn, params).given()
    project, hook = await _hook(rt, user, project_id, hook_id)
    with unprocessable():
        updated = await hooks.update_hook(rt, project, hook, changes_of(given, hook.events, hook.extras))
    return hook_out(updated)


async def _test(rt: Runtime, user: User, project_id: str, hook_id: int, trigger: str) -> JSONResponse:
    kind = TEST_TRIGGERS.get(trigger)
    if kind is None:
        raise InvalidInput("trigger", "does not have a valid value")
    project, hook = await _hook(rt, user, project_id, hook_id)
    outcome = await hooks.test_hook(rt, project, hook, kind, events.actor_of(user))
    if outcome.status is not None and 200 <= outcome.status < 300:
        return JSONResponse({"message": f"Hook executed successfully: HTTP {outcome.status}"}, 201)
    if outcome.status is not None:
        return JSONResponse(
            {"message": f"Hook executed successfully but returned HTTP {outcome.status}"}, 422
        )
    return JSONResponse({"message": f"Hook execution failed: {outcome.error or 'no response'}"}, 422)


@router.post(
    "/{project_id}/hooks/{hook_id}/test",
    status_code=201,
    response_model=MessageOut,
    openapi_extra=request_body(TestIn),
)
async def test_hook(
    rt: RuntimeDep, user: UserDep, project_id: str, hook_id: int, params: Params
) -> JSONResponse:
    """6. Send a sample `trigger` event (default push_events) now; answers with the receiver's status."""
    return await _test(rt, user, project_id, hook_id, parse(TestIn, params).trigger)


@router.post("/{project_id}/hooks/{hook_id}/test/{trigger}", status_code=201, response_model=MessageOut)
async def test_hook_with_trigger(
    rt: RuntimeDep, user: UserDep, project_id: str, hook_id: int, trigger: str
) -> JSONResponse:
    """6. The same test in GitLab's form, which python-gitlab's `hook.test(trigger)` calls."""
    return await _test(rt, user, project_id, hook_id, trigger)


def _status_report(sha: str, body: StatusIn) -> StatusReport:
    return StatusReport(
        sha=sha,
        state=CommitState(body.state),
        name=body.name or body.context or "default",
        ref=body.ref or "",
        target_url=body.target_url or "",
        description=body.description or "",
        stage=body.stage or "",
        trigger_user=body.trigger_user,
        build_id=str(body.build_id) if body.build_id is not None else "",
        merge_request_iid=body.merge_request_iid,
    )


@router.post(
    "/{project_id}/statuses/{sha}",
    status_code=201,
    response_model=StatusOut,
    openapi_extra=request_body(StatusIn),
)
async def create_status(
    rt: RuntimeDep, user: UserDep, project_id: str, sha: str, params: Params
) -> StatusOut:
    """7. Report a commit status; hooks subscribed to pipeline events hear about it."""
    report = _status_report(sha, parse(StatusIn, params))
    project = await _project(rt, user, project_id, Role.DEVELOPER)
    status = await statuses.set_commit_status(rt, project, user, report)
    return status_out(status, rt.settings.base_url())


@router.get("/{project_id}/repository/commits/{sha}/statuses", response_model=list[StatusOut])
async def list_statuses(
    rt: RuntimeDep,
    user: UserDep,
    request: Request,
    response: Response,
    project_id: str,
    sha: str,
    page: PageDep,
    ref: str | None = None,
    stage: str | None = None,
    name: str | None = None,
) -> list[StatusOut]:
    """A commit's statuses, newest first (GitLab's path), filtered by ref, stage or name."""
    project = await _project(rt, user, project_id, Role.REPORTER)
    filters = {k: v for k, v in {"ref": ref, "stage": stage, "name": name}.items() if v is not None}
    found, total = await statuses.list_commit_statuses(
        rt, project, sha, filters, offset=page.offset, limit=page.size
    )
    add_headers(response, request, page, total)
    return [status_out(s, rt.settings.base_url()) for s in found]


@router.post(
    "/{project_id}/commits/{sha}/quality",
    status_code=201,
    response_model=QualityOut,
    openapi_extra=request_body(QualityIn),
)
async def create_quality_report(
    rt: RuntimeDep, user: UserDep, project_id: str, sha: str, params: Params
) -> QualityOut:
    """8. Report the quality gate of a stage of a commit."""
    body = parse(QualityIn, params)
    report = QualityInput(
        sha=sha,
        status=body.status or "success",
        stage=body.stage or "",
        ref=body.ref or "",
        url=body.url or "",
        message=body.message,
        merge_request_id=body.merge_request_id,
        merge_request_iid=body.merge_request_iid,
        results=quality_results(body.quality_data),
    )
    project = await _project(rt, user, project_id, Role.DEVELOPER)
    return quality_out(await statuses.save_quality_report(rt, project, report))


@router.get("/{project_id}/commits/{sha}/quality", response_model=list[QualityOut])
async def list_quality_reports(rt: RuntimeDep, user: UserDep, project_id: str, sha: str) -> list[QualityOut]:
    """Every stage's latest quality report of a commit."""
    project = await _project(rt, user, project_id, Role.REPORTER)
    return [quality_out(r) for r in await statuses.list_quality_reports(rt, project, sha)]


document(router, current_user, CREDENTIALS)
document(router, page_of, PAGING)
