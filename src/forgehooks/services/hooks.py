"""Hook life cycle for every face: create, read, update, delete, test, re-enable."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from forgehooks.core import limits
from forgehooks.core.clock import utcnow
from forgehooks.core.deliveries import DeliveryState, Outcome
from forgehooks.core.errors import InvalidInput, LimitExceeded, NotFound
from forgehooks.core.events import Actor, EventKind
from forgehooks.core.filters import validate_branch_filter
from forgehooks.core.hooks import Hook, HookSpec, SecretScheme, expand_url, lift_url_password
from forgehooks.core.limits import check_lengths
from forgehooks.core.projects import Project
from forgehooks.core.samples import sample_event
from forgehooks.engine.attempt_log import log_attempt
from forgehooks.engine.attempts import judge, prepare, record_of, tls_material
from forgehooks.engine.egress import check_resolved
from forgehooks.services.runtime import Runtime
from forgehooks.store.events import EventRepository
from forgehooks.store.hooks import HookRepository
from forgehooks.store.queue import Claimed, cancel_for_hook, record_attempts, resume_hook

SPEC_FIELDS = frozenset(f.name for f in dataclasses.fields(HookSpec))


HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")
VARIABLE_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
RESERVED_HEADERS = ("content-type", "content-length", "host", "user-agent", "x-forgehooks-", "webhook-")
MAX_CUSTOM = 20


def _validate_extras(spec: HookSpec) -> None:
    """Custom headers and URL variables: at most 20 each, valid names, no delivery header overridden."""
    if len(spec.custom_headers) > MAX_CUSTOM:
        raise InvalidInput("custom_headers", f"at most {MAX_CUSTOM} headers")
    for name, value in spec.custom_headers.items():
        lowered = name.lower()
        if not HEADER_NAME.match(name) or any(lowered.startswith(r) for r in RESERVED_HEADERS):
            raise InvalidInput("custom_headers", f"{name!r} is not an allowed header name")
        if "\r" in value or "\n" in value or len(value) > 2000:
            raise InvalidInput("custom_headers", f"the value of {name!r} is not allowed")
    if len(spec.url_variables) > MAX_CUSTOM:
        raise InvalidInput("url_variables", f"at most {MAX_CUSTOM} variables")
    for name, value in spec.url_variables.items():
        if not VARIABLE_NAME.match(name) or not value or len(value) > 2000:
            raise InvalidInput("url_variables", f"{name!r} needs a name of letters, digits, '_' and a value")


def _with_url_password_lifted(spec: HookSpec, kept: Mapping[str, str]) -> HookSpec:
    """The spec with a password in its URL moved into its (encrypted) URL variables."""
    if not isinstance(spec.url, str) or not spec.url:
        return spec  # no URL: `_validate` names the field
    url, variables = lift_url_password(spec.url, spec.url_variables, kept)
    if url == spec.url and variables == dict(spec.url_variables):
        return spec
    return dataclasses.replace(spec, url=url, url_variables=variables)


def _validate_signing(spec: HookSpec) -> None:
    """Standard Webhooks signing needs a secret that is only a signing key: a token scheme
    sends the secret in clear in a header, and a signature whose key travels beside it
    proves nothing."""
    if spec.standard_webhooks and spec.secret and spec.secret_scheme is SecretScheme.TOKEN:
        raise InvalidInput(
            "standard_webhooks",
            "needs the signature secret scheme: with the token scheme the secret is sent in clear",
        )


async def _validate(rt: Runtime, spec: HookSpec, url_field: str) -> None:
    if not spec.url or len(spec.url) > 2048:
        raise InvalidInput(url_field, "is required (at most 2048 characters)")
    check_lengths(
        (
            ("name", spec.name, limits.NAME),
            ("description", spec.description, limits.TEXT),
            ("content_type", spec.content_type, 64),
        )
    )
    _validate_extras(spec)
    _validate_signing(spec)
    real_url = expand_url(spec.url, spec.url_variables)
    await check_resolved(real_url, allow_local=rt.settings.allow_local_targets, field=url_field)
    validate_branch_filter(spec.branch_filter)


async def create_hook(
    rt: Runtime, project: Project, spec: HookSpec, dialect: str, *, url_field: str = "url"
) -> Hook:
    """A new hook of `project`, made through `dialect`."""
    spec = _with_url_password_lifted(spec, {})
    await _validate(rt, spec, url_field)
    async with rt.db.transaction() as conn:
        repo = HookRepository(conn, rt.box)
        if await repo.count(project.id) >= rt.settings.max_hooks_per_project:
            raise LimitExceeded(f"a project can have at most {rt.settings.max_hooks_per_project} hooks")
        return await repo.create(project.id, spec, dialect, utcnow())


async def get_hook(rt: Runtime, project: Project, hook_id: int | str) -> Hook:
    """A hook of `project` by numeric id or UUID; NotFound for any other project's hook."""
    async with rt.db.reading() as conn:
        repo = HookRepository(conn, rt.box)
        hook = await (repo.by_uuid(hook_id) if isinstance(hook_id, str) else repo.get(hook_id))
    if hook is None or hook.project_id != project.id:
        raise NotFound("404 Not found")
    return hook


async def list_hooks(rt: Runtime, project: Project, *, offset: int, limit: int) -> tuple[list[Hook], int]:
    """A page of the project's hooks (made through any face) and the total."""
    async with rt.db.reading() as conn:
        return await HookRepository(conn, rt.box).list(project.id, offset=offset, limit=limit)


def spec_of(hook: Hook) -> HookSpec:
    """The writable part of a hook."""
    return HookSpec(**{name: getattr(hook, name) for name in SPEC_FIELDS})


async def update_hook(
    rt: Runtime, project: Project, hook: Hook, changes: Mapping[str, Any], *, url_field: str = "url"
) -> Hook:
    """Apply `changes` (only the given fields change) and re-enable the hook, as GitLab does."""
    unknown = set(changes) - SPEC_FIELDS
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "is not a hook field")
    spec = _with_url_password_lifted(dataclasses.replace(spec_of(hook), **changes), hook.url_variables)
    await _validate(rt, spec, url_field)
    now = utcnow()
    async with rt.db.transaction() as conn:
        updated = await HookRepository(conn, rt.box).replace(hook, spec, now, reenable=True)
        resumed = await resume_hook(conn, hook.id, now)
    if resumed:
        rt.wake_workers()
    return updated


async def reenable_hook(rt: Runtime, project: Project, hook: Hook) -> Hook:
    """Clear a hook's failures and disabled state; its held deliveries go out again."""
    return await update_hook(rt, project, hook, {})


async def delete_hook(rt: Runtime, project: Project, hook: Hook) -> int:
    """Delete a hook; its pending deliveries are cancelled. Returns how many were."""
    now = utcnow()
    async with rt.db.transaction() as conn:
        cancelled = await cancel_for_hook(conn, hook.id, now)
        await HookRepository(conn, rt.box).delete(hook.id, now)
    return cancelled


async def rotate_secret(
    rt: Runtime, project: Project, hook: Hook, new_secret: str, *, grace: timedelta = timedelta(hours=24)
) -> Hook:
    """Switch to `new_secret`; deliveries are signed with both secrets until the grace period ends."""
    if not new_secret:
        raise InvalidInput("secret", "the new secret must not be empty")
    now = utcnow()
    async with rt.db.transaction() as conn:
        repo = HookRepository(conn, rt.box)
        await repo.rotate_secret(hook.id, new_secret, hook.secret, now + grace, now)
        rotated = await repo.get(hook.id)
    assert rotated is not None
    return rotated


def check_test_rate(rt: Runtime, user_id: int, hook_id: int) -> None:
    """GitLab's limit on test and resend calls: a few per minute per user and hook."""
    rt.test_call_window().hit((user_id, hook_id), "test calls for this hook")


async def test_hook(rt: Runtime, project: Project, hook: Hook, kind: EventKind, actor: Actor) -> Outcome:
    """Send a realistic sample `kind` event to this hook now and return what the receiver said.

    The test is a real delivery: stored with its event, body and one attempt, so it shows
    in the delivery log; it is not retried and does not count towards auto-disabling.
    """
    check_test_rate(rt, actor.id, hook.id)
    now = utcnow()
    event = sample_event(kind, project.snapshot(rt.settings.base_url()), actor, now)
    wire = rt.wires[hook.dialect]
    body = wire.render(event)
    delivery_id, token = event.id, event.id  # the sample's own ids serve as delivery id and lease
    async with rt.db.transaction() as conn:
        events = EventRepository(conn)
        await events.insert([event])
        body_id = (await events.insert_bodies([(event.id, hook.dialect, body)]))[(event.id, hook.dialect)]
        await events.insert_deliveries(
            [
                {
                    "id": delivery_id,
                    "hook_id": hook.id,
                    "event_id": event.id,
                    "body_id": body_id,
                    "project_id": project.id,
                    "event_kind": kind.value,
                    "dialect": hook.dialect,
                    "state": DeliveryState.QUEUED.value,
                    "next_attempt_at": now + rt.worker_options().lease,
                    "lease_token": token,
                    "attempt_count": 0,
                    "created_at": now,
                    "updated_at": now,
                    "last_error": "",
                    "last_status_code": None,
                }
            ]
        )
    claimed = Claimed(
        id=delivery_id,
        hook_id=hook.id,
        event_id=event.id,
        event_kind=kind.value,
        dialect=hook.dialect,
        attempt_count=0,
        lease_token=token,
        body=body,
    )
    request = prepare(wire, hook, claimed)
    outcome = await rt.get_sender().send(
        request.url, request.headers, body, ssl_verify=hook.ssl_verify, tls=tls_material(hook, rt.box)
    )
    judged = judge(dataclasses.replace(rt.settings.retry_policy, schedule=(0,)), 1, outcome, utcnow())
    record = record_of(claimed, hook, request, outcome, judged, now)
    log_attempt(claimed, hook, record)
    async with rt.db.transaction() as conn:
        await record_attempts(conn, [record], utcnow())
        await HookRepository(conn, rt.box).record_health(
            hook.id, status_code=outcome.status, message=outcome.summary, at=utcnow(), health=None
        )
    return outcome
