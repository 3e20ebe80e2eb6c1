"""Fan-out: which hooks get an event, rendered once per dialect, one delivery row per hook."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from forgehooks.core.deliveries import DeliveryState
from forgehooks.core.errors import PayloadTooLarge
from forgehooks.core.events import Event
from forgehooks.core.filters import wants
from forgehooks.core.hooks import Hook, Subscriber
from forgehooks.core.ids import new_ordered_uuid
from forgehooks.core.wire import WireFormat


@dataclass(slots=True)
class FanoutPlan:
    """Bodies by dialect and the deliveries to create (body ids filled in after insert)."""

    bodies: dict[str, bytes] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)


def plan(
    event: Event,
    hooks: Sequence[Hook | Subscriber],
    wires: Mapping[str, WireFormat],
    now: datetime,
    *,
    max_body_bytes: int | None = None,
) -> FanoutPlan:
    """Render `event` for every dialect with a matching hook; one delivery per such hook.

    PayloadTooLarge when a rendered body is over `max_body_bytes` (FORGEHOOKS_MAX_PAYLOAD_BYTES):
    the publish is refused whole, rather than storing deliveries no receiver should get.
    """
    result = FanoutPlan()
    for index, hook in enumerate(h for h in hooks if wants(h, event)):
        if hook.dialect not in result.bodies:
            body = wires[hook.dialect].render(event)
            if max_body_bytes is not None and len(body) > max_body_bytes:
                raise PayloadTooLarge(
                    f"the event's {hook.dialect} body is {len(body)} bytes, over the {max_body_bytes} allowed"
                )
            result.bodies[hook.dialect] = body
        if hook.disabled:
            state, due = DeliveryState.HELD, now
        elif hook.disabled_until is not None and hook.disabled_until > now:
            state, due = DeliveryState.QUEUED, hook.disabled_until
        else:
            state, due = DeliveryState.QUEUED, now
        result.deliveries.append(
            {
                "id": new_ordered_uuid(),
                "hook_id": hook.id,
                "event_id": event.id,
                "project_id": event.project.id,
                "event_kind": event.kind.value,
                "dialect": hook.dialect,
                "state": state.value,
                # a microsecond apart keeps creation order among equal due times
                "next_attempt_at": due + timedelta(microseconds=index),
                "created_at": now,
                "updated_at": now,
                "attempt_count": 0,
                "lease_token": None,
                "ordered": hook.ordered,  # one at a time, in creation order (store/queue.py)
                "last_error": "",
                "last_status_code": None,
            }
        )
    return result
