"""What only the worker process itself knows, for Prometheus: claim batch sizes, sends in
flight, attempts it made. The database-wide figures are in `api/metrics.py`; these are
per process, served with them by `serve` and on `--metrics-port` by `forgehooks worker`."""

from __future__ import annotations

import functools

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()

CLAIM_BATCH = Histogram(
    "forgehooks_worker_claim_batch_size",
    "Deliveries leased per claim query (this process)",
    buckets=(0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
    registry=REGISTRY,
)
IN_FLIGHT = Gauge(
    "forgehooks_worker_sends_in_flight", "Requests being sent now (this process)", registry=REGISTRY
)
ATTEMPTS = Counter(
    "forgehooks_worker_attempts",
    "Attempts made by this process, by verdict and face",
    ["verdict", "face"],
    registry=REGISTRY,
)
GIVEN_BACK = Counter(
    "forgehooks_worker_given_back",
    "Claimed deliveries returned to the queue unsent, their receiver host saturated (this process)",
    registry=REGISTRY,
)
ATTEMPT_SECONDS = Histogram(
    "forgehooks_worker_attempt_seconds",
    "Attempt durations (this process)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)


@functools.cache
def attempts_of(verdict: str, face: str) -> Counter:
    """The attempt counter of one verdict and face (looking a label set up costs ~10 us)."""
    return ATTEMPTS.labels(verdict=verdict, face=face)
