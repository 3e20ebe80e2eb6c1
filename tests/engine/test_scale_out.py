"""Two workers on separate database engines share the queue: no delivery is sent twice at once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from forgehooks.api.app import build_runtime
from forgehooks.config import Settings
from forgehooks.services.runtime import Runtime
from forgehooks.store.tables import attempts
from tests.conftest import Seed
from tests.engine.conftest import add_hook, publish_pushes, wait_until_settled, working
from tests.receivers import Receiver, Reply


async def test_two_workers_send_each_delivery_exactly_once(
    runtime: Runtime, seed: Seed, settings: Settings
) -> None:
    other = build_runtime(settings)
    try:
        with Receiver(Reply(status=200, delay=0.005)) as receiver:
            await add_hook(runtime, seed, receiver.url + "/a")
            await add_hook(runtime, seed, receiver.url + "/b")
            await publish_pushes(runtime, seed, 150)
            async with working(runtime, claim_batch=16) as one, working(other, claim_batch=16) as two:
                await wait_until_settled(runtime, {"succeeded"}, 300, timeout=60)
            got = list(receiver.received)
    finally:
        await other.close()
    per_delivery = Counter(r.header("X-Forgehooks-Delivery") for r in got)
    assert len(per_delivery) == 300 and set(per_delivery.values()) == {1}
    assert one.sent > 0 and two.sent > 0, "both workers took part"
    async with runtime.db.reading() as conn:
        rows = await conn.execute(
            select(attempts.c.delivery_id, func.count()).group_by(attempts.c.delivery_id)
        )
        assert {count for _, count in rows} == {1}
