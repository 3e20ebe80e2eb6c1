"""Console navigation: the project-wide deliveries list with its filters and search by delivery id,
and the projects list's health column."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from forgehooks.core.clock import utcnow
from forgehooks.core.deliveries import Delivery, DeliveryState
from forgehooks.core.events import EventKind
from forgehooks.core.hooks import Hook, HookHealth, HookSpec
from forgehooks.core.retry import RetryPolicy
from forgehooks.core.samples import sample_body
from forgehooks.services import deliveries, events, hooks
from forgehooks.services.runtime import Runtime
from forgehooks.store.hooks import HookRepository
from tests.conftest import Seed
from tests.console.conftest import csrf_of, deliver, publish
from tests.engine.conftest import working
from tests.receivers import Receiver, Reply


async def _second_hook(runtime: Runtime, seed: Seed, receiver: Receiver) -> Hook:
    spec = HookSpec(url=f"{receiver.url}/other", events=frozenset({EventKind.ISSUE_OPEN}), name="issues-only")
    return await hooks.create_hook(runtime, seed.project, spec, "gitcode_v4")


async def test_project_deliveries_filter_by_hook_state_and_event(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook, receiver: Receiver
) -> None:
    other = await _second_hook(runtime, seed, receiver)
    await publish(runtime, seed.project, seed.user)
    actor = events.actor_of(seed.user)
    issue = sample_body(EventKind.ISSUE_OPEN, seed.project.snapshot("http://x"), actor, utcnow())
    await events.publish(
        runtime, events.build_event(runtime, seed.project, EventKind.ISSUE_OPEN, issue, actor)
    )
    await deliver(runtime, seed.project)
    base = f"/-/projects/{seed.project.id}/deliveries"
    everything = await console.get(base)
    assert everything.status_code == 200 and everything.text.count("/deliveries/0") == 3
    assert 'aria-current="page">Deliveries</a>' in everything.text
    assert ">receiver</a>" in everything.text and ">issues-only</a>" in everything.text
    only_other = await console.get(base, params={"hook": str(other.id)})
    assert only_other.text.count("/deliveries/0") == 1 and ">issue_open<" in only_other.text
    pushes = await console.get(base, params={"kind": "push", "state": "succeeded"})
    assert pushes.text.count("/deliveries/0") == 1
    none = await console.get(base, params={"state": "failed"})
    assert "No deliveries match these filters." in none.text
    for bad in ({"state": "nope"}, {"kind": "nope"}, {"hook": "x1"}):
        assert (await console.get(base, params=bad)).status_code == 400, bad


async def test_searching_a_delivery_id_opens_it_and_an_unknown_one_says_so(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    await publish(runtime, seed.project, seed.user)
    (delivery,), _ = await deliveries.list_deliveries(runtime, seed.project)
    base = f"/-/projects/{seed.project.id}/deliveries"
    found = await console.get(base, params={"q": f" {delivery.id} "})
    assert found.status_code == 303
    assert found.headers["location"] == f"/-/projects/{seed.project.id}/deliveries/{delivery.id}"
    missing = await console.get(base, params={"q": "0190-not-a-delivery"})
    assert missing.status_code == 404 and "No delivery or event of this project has the id" in missing.text


async def test_the_projects_list_shows_each_projects_health(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook, receiver: Receiver
) -> None:
    listing = await console.get("/-/projects")
    assert '<span class="badge ok">1 delivering</span>' in listing.text
    other = await _second_hook(runtime, seed, receiver)
    async with runtime.db.transaction() as conn:
        sick = HookHealth(consecutive_failures=40, disabled_until=None, disabled=True)
        await HookRepository(conn, runtime.box).record_health(
            other.id, status_code=500, message="HTTP 500", at=utcnow(), health=sick
        )
    listing = await console.get("/-/projects")
    assert '<span class="badge failed">1 of 2 not delivering</span>' in listing.text
    await hooks.update_hook(runtime, seed.project, hook, {"active": False})
    await hooks.delete_hook(runtime, seed.project, other)
    listing = await console.get("/-/projects")
    assert '<span class="badge paused">all switched off</span>' in listing.text


async def test_retry_now_sends_a_waiting_delivery_at_once(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    answers = iter([500])
    with Receiver(lambda _got: Reply(status=next(answers, 200))) as receiver:
        hook = await hooks.create_hook(runtime, seed.project, HookSpec(url=receiver.url), "forgehooks")
        await publish(runtime, seed.project, seed.user)
        ten_minutes = RetryPolicy(schedule=(0, 600), jitter=0)
        async with working(runtime, retry=ten_minutes):
            await receiver.await_count(1)
            waiting = await _recorded(runtime, seed, DeliveryState.QUEUED, 1)
            page = await console.get(f"/-/projects/{seed.project.id}/deliveries/{waiting.id}")
            assert ">Retry now</button>" in page.text
            r = await console.post(
                f"/-/projects/{seed.project.id}/deliveries/{waiting.id}/retry",
                data={"csrf_token": csrf_of(page.text)},
            )
            assert r.status_code == 303
            await receiver.await_count(2, timeout=20)  # not in ten minutes: now
        assert receiver.received[0].header("X-Forgehooks-Delivery") == receiver.received[1].header(
            "X-Forgehooks-Delivery"
        )
        await _recorded(runtime, seed, DeliveryState.SUCCEEDED, 2)
        after = await console.get(r.headers["location"])
        assert "Retrying now" in after.text and "Attempt 2:" in after.text
        assert "sent again by hand" not in after.text, "a retry after a 500 is the schedule's own"
        done = await console.post(
            f"/-/projects/{seed.project.id}/deliveries/{waiting.id}/retry",
            data={"csrf_token": csrf_of(page.text)},
        )
        assert done.status_code == 409, "a delivery no longer queued is not retried"
        assert (await hooks.get_hook(runtime, seed.project, hook.id)).consecutive_failures == 0


async def _recorded(runtime: Runtime, seed: Seed, state: DeliveryState, attempts: int) -> Delivery:
    for _ in range(400):
        (found,), _ = await deliveries.list_deliveries(runtime, seed.project)
        if found.attempt_count >= attempts and found.state is state:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("the failed attempt was not recorded")


async def test_a_successful_test_of_a_paused_hook_does_not_look_like_recovery(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook
) -> None:
    async with runtime.db.transaction() as conn:
        paused = HookHealth(
            consecutive_failures=5, disabled_until=utcnow() + timedelta(minutes=5), disabled=False
        )
        await HookRepository(conn, runtime.box).record_health(
            hook.id, status_code=500, message="HTTP 500", at=utcnow(), health=paused
        )
    page = await console.get(f"/-/projects/{seed.project.id}/hooks/{hook.id}")
    csrf = csrf_of(page.text)
    await console.post(f"/-/projects/{seed.project.id}/hooks/{hook.id}/test", data={"csrf_token": csrf})
    for path in (f"/-/projects/{seed.project.id}/hooks/{hook.id}", f"/-/projects/{seed.project.id}"):
        html = (await console.get(path)).text
        assert (
            "HTTP 200" in html and "(a test or resend: the hook is still temporarily disabled until" in html
        )


async def test_project_deliveries_filter_by_event_id_and_time_and_name_events_as_the_face_does(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed, hook: Hook, receiver: Receiver
) -> None:
    spec = HookSpec(url=f"{receiver.url}/gitcode", events=frozenset({EventKind.PUSH, EventKind.TAG_PUSH}))
    await hooks.create_hook(runtime, seed.project, spec, "gitcode_v4")
    older = await publish(runtime, seed.project, seed.user)
    newer = await publish(runtime, seed.project, seed.user, EventKind.TAG_PUSH)
    base = f"/-/projects/{seed.project.id}/deliveries"
    everything = await console.get(base)
    assert everything.text.count("/deliveries/0") == 4
    # the gitcode_v4 hook's deliveries carry GitLab's header names next to the canonical kind
    assert 'push <span class="face-name" title="as the face names it">Push Hook</span>' in everything.text
    assert "Tag Push Hook</span>" in everything.text
    assert f'href="{base}?event={newer}"' in everything.text
    of_older = await console.get(base, params={"event": older})
    assert of_older.status_code == 200 and of_older.text.count("/deliveries/0") == 2
    assert f"?event={older}" in of_older.text and f"?event={newer}" not in of_older.text
    future = (utcnow() + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S")
    assert "No deliveries match these filters." in (await console.get(base, params={"since": future})).text
    past = (utcnow() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    assert (await console.get(base, params={"since": past})).text.count("/deliveries/0") == 4
    for bad in ("yesterday", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"):
        assert (await console.get(base, params={"since": bad})).status_code == 400, bad
    searched = await console.get(base, params={"q": older})
    assert searched.status_code == 303 and searched.headers["location"] == f"{base}?event={older}"
    of_newer, _ = await deliveries.list_deliveries(runtime, seed.project, event_id=newer)
    (delivery,) = [d for d in of_newer if d.dialect == "gitcode_v4"]
    detail = await console.get(f"{base}/{delivery.id}")
    assert "Tag Push Hook</span>" in detail.text and f'href="{base}?event={newer}"' in detail.text
