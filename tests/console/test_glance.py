"""At a glance: each hook's deliveries per minute over the last hour and their success rate, computed
in SQL and drawn as a server-rendered SVG."""

from __future__ import annotations

from datetime import timedelta

import httpx

from forgehooks.console.charts import activity_chart
from forgehooks.core.clock import utcnow
from forgehooks.core.hooks import HookSpec
from forgehooks.services import hooks, overview
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed
from tests.console.conftest import deliver, publish
from tests.receivers import Receiver, Reply


async def test_success_rate_and_rate_per_minute_come_from_the_deliveries(
    console: httpx.AsyncClient, runtime: Runtime, seed: Seed
) -> None:
    with Receiver(lambda got: Reply(status=200 if got.path == "/a" else 400)) as receiver:
        ok = await hooks.create_hook(runtime, seed.project, HookSpec(url=f"{receiver.url}/a"), "forgehooks")
        bad = await hooks.create_hook(runtime, seed.project, HookSpec(url=f"{receiver.url}/bb"), "forgehooks")
        for _ in range(3):
            await publish(runtime, seed.project, seed.user)
        await deliver(runtime, seed.project)
    activity = await overview.hook_activity(runtime, seed.project, [ok.id, bad.id])
    good, broken = activity[ok.id], activity[bad.id]
    assert (good.deliveries, good.succeeded, good.success_rate) == (3, 3, 1.0)
    assert (broken.deliveries, broken.failed, broken.success_rate) == (3, 3, 0.0)
    assert good.per_minute == 3 / 60
    assert (
        sum(m.succeeded for m in good.minutes[-2:]) == 3 and sum(m.deliveries for m in good.minutes[:-2]) == 0
    )
    page = await console.get(f"/-/projects/{seed.project.id}")
    assert "<strong>100%</strong> succeeded" in page.text and "<strong>0%</strong> succeeded" in page.text
    assert '<rect class="ok"' in page.text and '<rect class="failed"' in page.text


async def test_attempts_older_than_an_hour_are_left_out(
    runtime: Runtime, seed: Seed, receiver: Receiver
) -> None:
    made = await hooks.create_hook(runtime, seed.project, HookSpec(url=f"{receiver.url}/a"), "forgehooks")
    await publish(runtime, seed.project, seed.user)
    await deliver(runtime, seed.project)
    later = await overview.hook_activity(
        runtime, seed.project, [made.id], now=utcnow() + timedelta(minutes=61)
    )
    assert later[made.id].deliveries == 0 and later[made.id].success_rate is None
    soon = await overview.hook_activity(
        runtime, seed.project, [made.id], now=utcnow() + timedelta(minutes=30)
    )
    assert soon[made.id].deliveries == 1
    assert sum(m.succeeded for m in soon[made.id].minutes[27:30]) == 1


async def test_the_chart_is_accessible_svg_scaled_to_the_busiest_minute(runtime: Runtime, seed: Seed) -> None:
    activity = overview.HookActivity(
        hook_id=1,
        since=utcnow(),
        minutes=(overview.Minute(succeeded=4, failed=0),)
        + (overview.Minute(),) * 58
        + (overview.Minute(succeeded=1, failed=1, pending=2),),
    )
    svg = str(activity_chart(activity, "chart-1"))
    assert svg.startswith('<svg class="chart" role="img" aria-labelledby="chart-1"')
    assert '<title id="chart-1">8 deliveries in the last hour (0.13 per minute), 83% succeeded</title>' in svg
    assert svg.count("<rect") == 4 and svg.count('class="pending"') == 1
    assert 'height="47.00"' in svg and svg.count('height="11.75"') == 2 and 'height="23.50"' in svg
