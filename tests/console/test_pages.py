"""Console pages: hooks across faces with masked secrets and states, a hook's deliveries with
filters and paging, one delivery with every attempt, Resend, Re-enable, the event stream."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import update

from forgehooks.core.clock import utcnow
from forgehooks.core.deliveries import DeliveryState
from forgehooks.core.events import EventKind
from forgehooks.core.hooks import Hook, HookHealth, HookSpec
from forgehooks.services import deliveries, hooks
from forgehooks.services.runtime import Runtime
from forgehooks.store.hooks import HookRepository
from forgehooks.store.tables import hooks as hooks_table
from tests.conftest import Seed
from tests.console.conftest import csrf_of, deliver, publish
from tests.receivers import Receiver


async def _set_health(runtime: Runtime, hook: Hook, health: HookHealth) -> None:
    async with runtime.db.transaction() as conn:
        repo = HookRepository(conn, runtime.box)
        await repo.record_health(hook.id, status_code=500, message="HTTP 500", at=utcnow(), health=health)


async def test_hooks_page_shows_every_face_with_secrets_masked(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    made = []
    for n, dialect in enumerate(["forgehooks", "gitcode_v4", "codearts_v4"]):
        spec = HookSpec(
            url=f"https://ci:hunter2@127.0.0.1:{9000 + n}/hook?token=abc{n}&team=crimson",
            events=frozenset({EventKind.PUSH, EventKind.TAG_PUSH}),
            name=f"hook-{dialect}",
        )
        made.append(await hooks.create_hook(runtime, seed.project, spec, dialect))
    await _set_health(
        runtime,
        made[1],
        HookHealth(consecutive_failures=5, disabled_until=utcnow() + timedelta(minutes=3), disabled=False),
    )
    await _set_health(
        runtime, made[2], HookHealth(consecutive_failures=40, disabled_until=None, disabled=True)
    )
    page = await console.get(f"/-/projects/{seed.project.id}")
    assert page.status_code == 200
    html = page.text
    assert "hunter2" not in html and "abc0" not in html and "crimson" not in html
    # URLs wrap after their separators (<wbr>), not inside a word
    wrapped = "https://<wbr>ci:*****@127.<wbr>0.<wbr>0.<wbr>1:9000/<wbr>hook?<wbr>token=<wbr>*****&amp;<wbr>team=<wbr>*****"
    assert wrapped in html
    assert "push, tag_push" in html
    assert html.count(">active</span>") == 1
    assert "temporarily disabled until" in html and ">disabled</span>" in html
    assert "HTTP 500" in html
    assert html.count('<svg class="chart" role="img"') == 3
    assert "No deliveries in the last hour" in html
    assert "<main" in html and '<nav class="crumbs" aria-label="Breadcrumb">' in html


async def test_a_delivery_shows_every_attempt_and_resend_adds_one(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook, receiver: Receiver
) -> None:
    await publish(runtime, seed.project, seed.user)
    await deliver(runtime, seed.project)
    hook_page = await console.get(f"/-/projects/{seed.project.id}/hooks/{hook.id}")
    (delivery,), _ = await deliveries.list_deliveries(runtime, seed.project)
    assert f"/deliveries/{delivery.id}" in hook_page.text and "succeeded" in hook_page.text
    url = f"/-/projects/{seed.project.id}/deliveries/{delivery.id}"
    page = await console.get(url)
    assert page.status_code == 200
    assert "Attempt 1:" in page.text and "HTTP 200" in page.text
    assert "X-Forgehooks-Delivery" in page.text and "s3cret" not in page.text
    assert "Content-Type" in page.text and "&#34;ref&#34;: &#34;refs/heads/main&#34;" in page.text
    r = await console.post(f"{url}/resend", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 303 and r.headers["location"] == f"{url}?resent=1"
    queued = await console.get(r.headers["location"])
    assert 'data-pending="1"' in queued.text and 'role="status"' in queued.text
    await deliver(runtime, seed.project)
    again = await console.get(url)
    assert "Attempt 2:" in again.text and "Attempt 1:" in again.text
    assert again.text.index("Attempt 2:") < again.text.index("Attempt 1:")
    # the resend is marked apart from the worker's own tries
    assert again.text.count("sent again by hand") == 1
    assert again.text.index("sent again by hand") < again.text.index("Attempt 1:")
    first, second = receiver.received
    assert first.header("X-Forgehooks-Delivery") == second.header("X-Forgehooks-Delivery") == delivery.id
    assert first.body == second.body


async def test_deliveries_are_newest_first_filtered_and_paged(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    for _ in range(22):
        await publish(runtime, seed.project, seed.user)
    for _ in range(3):
        await publish(runtime, seed.project, seed.user, EventKind.TAG_PUSH)
    base = f"/-/projects/{seed.project.id}/hooks/{hook.id}"
    first = await console.get(base)
    assert "Page 1 of 2 (25 in all)" in first.text
    assert first.text.count("/deliveries/") == 20
    assert first.text.index("tag_push</td>") < first.text.index("push</td>")  # newest first
    second = await console.get(f"{base}?page=2")
    assert second.text.count("/deliveries/") == 5 and 'rel="prev"' in second.text
    tags = await console.get(f"{base}?kind=tag_push&state=queued")
    assert tags.text.count("/deliveries/") == 3 and "3 in all" in tags.text
    assert '<option value="tag_push" selected>' in tags.text
    none = await console.get(f"{base}?state=succeeded")
    assert "No deliveries match these filters" in none.text
    bad = await console.get(f"{base}?state=bogus")
    assert bad.status_code == 400 and "unknown delivery state" in bad.text
    assert (await console.get(f"{base}?page=0")).status_code == 400
    assert (await console.get(f"/-/projects/{seed.project.id}/hooks/99999")).status_code == 404


async def test_reenable_brings_a_disabled_hook_back(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    await _set_health(runtime, hook, HookHealth(consecutive_failures=40, disabled_until=None, disabled=True))
    url = f"/-/projects/{seed.project.id}/hooks/{hook.id}"
    page = await console.get(url)
    assert ">disabled</span>" in page.text and ">Re-enable</button>" in page.text
    r = await console.post(f"{url}/reenable", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 303
    after = await console.get(r.headers["location"])
    assert ">active</span>" in after.text and ">Re-enable</button>" not in after.text
    assert not (await hooks.get_hook(runtime, seed.project, hook.id)).disabled


async def test_the_event_stream_lists_events_newest_first(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    older = await publish(runtime, seed.project, seed.user)
    newer = await publish(runtime, seed.project, seed.user, EventKind.TAG_PUSH)
    page = await console.get(f"/-/projects/{seed.project.id}/events")
    assert page.status_code == 200
    assert page.text.index(newer) < page.text.index(older)
    assert '<td data-label="Actor">alice</td>' in page.text
    link = f'<a href="/-/projects/{seed.project.id}/deliveries?event={newer}">1</a>'
    assert f'<td data-label="Deliveries">{link}</td>' in page.text  # each row links to its deliveries


async def test_unknown_deliveries_and_files_are_404_pages(console: httpx.AsyncClient, seed: Seed) -> None:
    r = await console.get(f"/-/projects/{seed.project.id}/deliveries/nope")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert (await console.get("/-/static/../auth.py")).status_code == 404
    css = await console.get("/-/static/console.css")
    assert css.status_code == 200 and ":focus-visible" in css.text and "@media (max-width" in css.text


async def test_a_resend_while_queued_is_a_conflict(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    await publish(runtime, seed.project, seed.user)
    (delivery,), _ = await deliveries.list_deliveries(runtime, seed.project)
    assert delivery.state is DeliveryState.QUEUED
    url = f"/-/projects/{seed.project.id}/deliveries/{delivery.id}"
    page = await console.get(url)
    assert ">Resend</button>" not in page.text
    r = await console.post(f"{url}/resend", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 409 and "still queued" in r.text


async def test_resending_too_often_is_429_with_retry_after(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    await publish(runtime, seed.project, seed.user)
    await deliver(runtime, seed.project)
    (delivery,), _ = await deliveries.list_deliveries(runtime, seed.project)
    url = f"/-/projects/{seed.project.id}/deliveries/{delivery.id}"
    csrf = csrf_of((await console.get(url)).text)
    for _ in range(runtime.settings.test_calls_per_minute):
        assert (await console.post(f"{url}/resend", data={"csrf_token": csrf})).status_code in (303, 409)
        await deliver(runtime, seed.project)
    r = await console.post(f"{url}/resend", data={"csrf_token": csrf})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert "Too many requests" in r.text


async def test_project_page_warns_about_disabled_hooks(
    runtime: Runtime, seed: Seed, console: httpx.AsyncClient
) -> None:
    """The banner of issue 13: a disabled hook is announced on its project's page."""
    hook = await hooks.create_hook(
        runtime, seed.project, HookSpec(url="http://127.0.0.1:9/x", name="ci"), "forgehooks"
    )
    page = await console.get(f"/-/projects/{seed.project.id}")
    assert "not delivering" not in page.text
    async with runtime.db.transaction() as conn:
        await conn.execute(
            update(hooks_table)
            .where(hooks_table.c.id == hook.id)
            .values(disabled=True, consecutive_failures=40, last_message="HTTP 500")
        )
    page = await console.get(f"/-/projects/{seed.project.id}")
    assert 'role="alert"' in page.text and "1 hook not delivering" in page.text and "HTTP 500" in page.text
