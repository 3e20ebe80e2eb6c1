"""Console hook management: add, edit, delete, test per event kind, enable or disable, rotate the
secret; every change a CSRF-checked POST by a maintainer, checked by the same service as the API,
and the hook page shows the whole configuration but never a secret's value."""

from __future__ import annotations

import httpx

from forgehooks.core.deliveries import DeliveryState
from forgehooks.core.events import EventKind
from forgehooks.core.hooks import BranchFilterStrategy, Hook, HookSpec, SecretScheme
from forgehooks.core.projects import Role
from forgehooks.services import deliveries, hooks
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed, member
from tests.console.conftest import csrf_of, publish, sign_in
from tests.receivers import Receiver


def _form(csrf: str, url: str, **fields: object) -> dict[str, object]:
    return {
        "csrf_token": csrf,
        "url": url,
        "events": ["push"],
        "strategy": "all_branches",
        "secret_scheme": "signature",
        "active": "true",
        "ssl_verify": "true",
    } | fields


async def _csrf(console: httpx.AsyncClient, seed: Seed) -> str:
    return csrf_of((await console.get(f"/-/projects/{seed.project.id}")).text)


async def _only_hook(runtime: Runtime, seed: Seed) -> Hook:
    (hook,), _ = await hooks.list_hooks(runtime, seed.project, offset=0, limit=10)
    return hook


async def test_adding_a_hook_saves_every_field_and_the_page_hides_the_secret(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    form = await console.get(f"/-/projects/{seed.project.id}/new-hook")
    assert form.status_code == 200 and 'name="events" value="merge_request_open"' in form.text
    data = _form(
        csrf_of(form.text),
        "https://hooks.example.net/{team}/in",
        name="ci",
        events=["push", "tag_push", "issue_open"],
        strategy="wildcard",
        pattern="release/*",
        secret="very-secret-value",
        standard_webhooks="true",
        ordered="true",
        custom_headers="X-Team: blue-secret-header\n\nX-Env: prod",
        url_variables="team=crimson-variable",
    )
    r = await console.post(f"/-/projects/{seed.project.id}/new-hook", data=data)
    assert r.status_code == 303
    hook = await _only_hook(runtime, seed)
    assert r.headers["location"] == f"/-/projects/{seed.project.id}/hooks/{hook.id}?saved=1"
    assert hook.dialect == "forgehooks" and hook.name == "ci"
    assert hook.events == {EventKind.PUSH, EventKind.TAG_PUSH, EventKind.ISSUE_OPEN}
    assert hook.branch_filter.strategy is BranchFilterStrategy.WILDCARD
    assert hook.branch_filter.pattern == "release/*"
    assert hook.secret == "very-secret-value" and hook.secret_scheme is SecretScheme.SIGNATURE
    assert hook.standard_webhooks and hook.ordered and hook.active and hook.ssl_verify
    assert dict(hook.custom_headers) == {"X-Team": "blue-secret-header", "X-Env": "prod"}
    assert dict(hook.url_variables) == {"team": "crimson-variable"}
    page = await console.get(r.headers["location"])
    html = page.text
    assert "The hook is saved." in html
    for secret in ("very-secret-value", "blue-secret-header", "crimson-variable"):
        assert secret not in html
    shown = ("wildcard <code>release/*</code>", "<dt>Secret</dt><dd>set", "X-Team, X-Env", "<dd>team</dd>")
    assert all(part in html for part in shown)
    assert "<dt>Standard Webhooks</dt><dd>yes</dd>" in html and "<dt>Ordered</dt><dd>yes</dd>" in html


async def test_a_refused_url_shows_the_form_again_with_the_apis_own_message(
    console: httpx.AsyncClient, client: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    data = _form(await _csrf(console, seed), "ftp://files.example.net/in", name="keep-me")
    r = await console.post(f"/-/projects/{seed.project.id}/new-hook", data=data)
    api = await client.post(
        f"/api/forgehooks/v1/projects/{seed.project.id}/hooks",
        json={"url": "ftp://files.example.net/in"},
        headers={"Authorization": f"Bearer {seed.token}"},
    )
    assert r.status_code == 400 and api.status_code == 400
    message = api.json()["error"]["message"]
    assert message in r.text and 'role="alert"' in r.text
    assert 'value="keep-me"' in r.text and 'aria-invalid="true"' in r.text
    assert await hooks.list_hooks(runtime, seed.project, offset=0, limit=10) == ([], 0)


async def test_a_malformed_header_line_or_no_event_is_a_400_form(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    csrf = await _csrf(console, seed)
    url = f"/-/projects/{seed.project.id}/new-hook"
    bad_header = await console.post(url, data=_form(csrf, "https://x.example/", custom_headers="no colon"))
    assert bad_header.status_code == 400 and "custom_headers: line 1" in bad_header.text
    no_event = await console.post(url, data=_form(csrf, "https://x.example/", events=[]))
    assert no_event.status_code == 400 and "choose at least one event" in no_event.text
    reserved = await console.post(url, data=_form(csrf, "https://x.example/", custom_headers="Host: evil"))
    assert reserved.status_code == 400 and "is not an allowed header name" in reserved.text
    assert (await hooks.list_hooks(runtime, seed.project, offset=0, limit=10))[1] == 0


async def test_changes_without_the_csrf_token_are_refused(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    base = f"/-/projects/{seed.project.id}/hooks/{hook.id}"
    posts = {
        f"/-/projects/{seed.project.id}/new-hook": _form("", "https://x.example/"),
        f"{base}/edit": _form("", "https://changed.example/"),
        f"{base}/delete": {},
        f"{base}/test": {"kind": "push"},
        f"{base}/active": {"active": "false"},
        f"{base}/rotate": {"secret": "new"},
        f"{base}/tls": {"clear": "true"},
    }
    for path, data in posts.items():
        r = await console.post(path, data={**data, "csrf_token": "0" * 64})
        assert r.status_code == 403 and "CSRF" in r.text, path
    assert await hooks.get_hook(runtime, seed.project, hook.id) == hook


async def test_editing_keeps_a_blank_secret_and_can_remove_it(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    base = f"/-/projects/{seed.project.id}/hooks/{hook.id}"
    form = await console.get(f"{base}/edit")
    assert form.status_code == 200 and "s3cret" not in form.text and "A secret is set" in form.text
    assert f'value="{hook.url}"' in form.text
    data = _form(csrf_of(form.text), hook.url, name="renamed", events=["push", "pipeline_failed"])
    r = await console.post(f"{base}/edit", data=data)
    assert r.status_code == 303
    edited = await hooks.get_hook(runtime, seed.project, hook.id)
    assert edited.name == "renamed" and edited.events == {EventKind.PUSH, EventKind.PIPELINE_FAILED}
    assert edited.secret == "s3cret"
    await console.post(f"{base}/edit", data=data | {"remove_secret": "true"})
    assert (await hooks.get_hook(runtime, seed.project, hook.id)).secret == ""


async def test_deleting_cancels_the_queued_deliveries(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    await publish(runtime, seed.project, seed.user)
    csrf = await _csrf(console, seed)
    r = await console.post(f"/-/projects/{seed.project.id}/hooks/{hook.id}/delete", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == f"/-/projects/{seed.project.id}?deleted=1"
    assert await hooks.list_hooks(runtime, seed.project, offset=0, limit=10) == ([], 0)
    (cancelled,), _ = await deliveries.list_deliveries(runtime, seed.project)
    assert cancelled.state is DeliveryState.CANCELLED
    page = await console.get(r.headers["location"])
    assert "The hook is deleted; 1 queued delivery was cancelled." in page.text


async def test_testing_sends_a_sample_of_the_chosen_kind(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook, receiver: Receiver
) -> None:
    csrf = await _csrf(console, seed)
    r = await console.post(
        f"/-/projects/{seed.project.id}/hooks/{hook.id}/test", data={"csrf_token": csrf, "kind": "issue_open"}
    )
    assert r.status_code == 303
    (got,) = receiver.received
    assert got.header("X-Forgehooks-Event") == "issue_open"
    page = await console.get(r.headers["location"])
    assert "Sent a sample issue_open event: the receiver answered HTTP 200." in page.text
    unknown = await console.post(
        f"/-/projects/{seed.project.id}/hooks/{hook.id}/test", data={"csrf_token": csrf, "kind": "nope"}
    )
    assert unknown.status_code == 400 and len(receiver.received) == 1


async def test_a_disabled_hook_gets_no_deliveries_until_enabled(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    csrf = await _csrf(console, seed)
    toggle = f"/-/projects/{seed.project.id}/hooks/{hook.id}/active"
    r = await console.post(toggle, data={"csrf_token": csrf, "active": "false"})
    assert r.status_code == 303 and not (await hooks.get_hook(runtime, seed.project, hook.id)).active
    page = await console.get(r.headers["location"])
    assert "The hook is disabled" in page.text and ">Enable</button>" in page.text
    await publish(runtime, seed.project, seed.user)
    assert (await deliveries.list_deliveries(runtime, seed.project))[0] == []
    await console.post(toggle, data={"csrf_token": csrf, "active": "true"})
    assert (await hooks.get_hook(runtime, seed.project, hook.id)).active
    await publish(runtime, seed.project, seed.user)
    assert len((await deliveries.list_deliveries(runtime, seed.project))[0]) == 1


async def test_rotating_keeps_the_old_secret_for_the_grace_period(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    r = await console.post(
        f"/-/projects/{seed.project.id}/hooks/{hook.id}/rotate",
        data={"csrf_token": await _csrf(console, seed), "secret": "n3w-secret", "grace_hours": "2"},
    )
    assert r.status_code == 303
    rotated = await hooks.get_hook(runtime, seed.project, hook.id)
    assert rotated.secret == "n3w-secret" and rotated.previous_secret == "s3cret"
    assert rotated.previous_secret_until is not None
    page = await console.get(r.headers["location"])
    assert "The secret is rotated" in page.text and "the previous one also signs until" in page.text
    assert "n3w-secret" not in page.text and "s3cret" not in page.text


async def test_a_reporter_sees_no_management_and_cannot_change_a_hook(
    client: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    await sign_in(client, await member(runtime, seed, "rita", Role.REPORTER))
    page = await client.get(f"/-/projects/{seed.project.id}/hooks/{hook.id}")
    assert page.status_code == 200 and "Manage" not in page.text and "new-hook" not in page.text
    csrf = csrf_of(page.text)
    assert (await client.get(f"/-/projects/{seed.project.id}/new-hook")).status_code == 403
    r = await client.post(f"/-/projects/{seed.project.id}/hooks/{hook.id}/delete", data={"csrf_token": csrf})
    assert r.status_code == 403
    r = await client.post(
        f"/-/projects/{seed.project.id}/hooks/{hook.id}/tls", data={"csrf_token": csrf, "clear": "true"}
    )
    assert r.status_code == 403
    assert await hooks.get_hook(runtime, seed.project, hook.id) == hook


async def test_a_hook_of_another_face_is_edited_in_place(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    spec = HookSpec(url="https://gl.example/hook", extras={}, name="from-gitlab")
    made = await hooks.create_hook(runtime, seed.project, spec, "gitcode_v4")
    base = f"/-/projects/{seed.project.id}/hooks/{made.id}"
    data = _form(await _csrf(console, seed), "https://gl.example/moved", name="from-gitlab")
    assert (await console.post(f"{base}/edit", data=data)).status_code == 303
    moved = await hooks.get_hook(runtime, seed.project, made.id)
    assert moved.url == "https://gl.example/moved" and moved.dialect == "gitcode_v4"
