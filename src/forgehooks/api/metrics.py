"""Prometheus metrics at /metrics, read from the database at scrape time.

Reading the shared database (rather than per-process counters) gives the same numbers
from every API process, whichever worker processes did the sending.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, Histogram, generate_latest

from forgehooks.core.clock import utcnow
from forgehooks.dialects.face import RuntimeDep
from forgehooks.engine import process_metrics
from forgehooks.store.stats import service_stats

router = APIRouter(tags=["health"])
RECENT = timedelta(minutes=5)
LATENCY_BUCKETS = (1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)


@router.get("/metrics", response_class=Response)
async def metrics(rt: RuntimeDep) -> Response:
    """Deliveries by state and face, queue depth and age, hook health, recent attempt latency."""
    now = utcnow()
    async with rt.db.reading(scan=True) as conn:
        stats = await service_stats(conn, now, now - RECENT)
    registry = CollectorRegistry()
    by_state = Gauge(
        "forgehooks_deliveries", "Deliveries by state and face", ["state", "face"], registry=registry
    )
    for (state, face), count in stats.deliveries.items():
        by_state.labels(state=state, face=face).set(count)
    Gauge("forgehooks_queue_due", "Deliveries due now", registry=registry).set(stats.due)
    age = (now - stats.oldest_due).total_seconds() if stats.oldest_due else 0.0
    Gauge(
        "forgehooks_queue_oldest_due_seconds",
        "How long the oldest due delivery has waited",
        registry=registry,
    ).set(max(0.0, age))
    hooks = Gauge("forgehooks_hooks", "Hooks by face", ["face"], registry=registry)
    for face, count in stats.hooks_by_dialect.items():
        hooks.labels(face=face).set(count)
    disabled = Gauge("forgehooks_hooks_disabled", "Disabled hooks", ["kind"], registry=registry)
    disabled.labels(kind="temporary").set(stats.hooks_temporarily_disabled)
    disabled.labels(kind="permanent").set(stats.hooks_disabled)
    recent = Gauge(
        "forgehooks_attempts_recent",
        "Attempts in the last 5 minutes by verdict and face",
        ["verdict", "face"],
        registry=registry,
    )
    for (verdict, face), count in stats.attempts_recent.items():
        recent.labels(verdict=verdict, face=face).set(count)
    latency = Histogram(
        "forgehooks_attempt_duration_ms_recent",
        "Attempt durations (ms) in the last 5 minutes",
        buckets=LATENCY_BUCKETS,
        registry=registry,
    )
    for ms in stats.attempt_ms_recent:
        latency.observe(ms)
    # then this process's own worker figures (claim batches, sends in flight), if it runs one
    text = generate_latest(registry) + generate_latest(process_metrics.REGISTRY)
    return Response(text, media_type=CONTENT_TYPE_LATEST)
