"""The baseline a user would otherwise build: Celery (Redis broker) tasks POSTing with requests.

Imported by the Celery worker process (`celery -A celery_baseline worker`, cwd bench/) and by
`bench/run_all.py`, which enqueues the deliveries, runs the worker as a subprocess and reads
the counters. Each task POSTs the 2 KB body with a pooled `requests.Session` and writes its
own small delivery log entry (status, duration) to Redis: the user's equivalent of
forgehooks' recorded attempt, though much lighter than a durable database row.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import redis
import requests
from celery import Celery

REDIS_URL = os.environ.get("BENCH_CELERY_REDIS", "redis://127.0.0.1:6379/13")
QUEUE = os.environ.get("BENCH_CELERY_QUEUE", "fh-bench")
PREFIX = f"fh-bench:{QUEUE}"

app = Celery("fh_bench", broker=REDIS_URL)
app.conf.update(
    task_default_queue=QUEUE,
    task_ignore_result=True,
    worker_prefetch_multiplier=16,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
_session = requests.Session()
_log = redis.Redis.from_url(REDIS_URL)


@app.task(name="fh_bench.deliver")
def deliver(url: str, body: str, delivery_id: str) -> None:
    """POST one delivery and log it."""
    started = time.time()
    response = _session.post(
        url, data=body, headers={"Content-Type": "application/json", "X-Delivery": delivery_id}, timeout=10
    )
    done = time.time()
    pipe = _log.pipeline()
    pipe.hset(f"{PREFIX}:log:{delivery_id}", mapping={"status": response.status_code, "ms": done - started})
    pipe.setnx(f"{PREFIX}:first", started)
    pipe.set(f"{PREFIX}:last", done)
    pipe.incr(f"{PREFIX}:done")
    pipe.execute()


def run(url: str, total: int, concurrency: int, timeout: float) -> dict[str, float]:
    """Enqueue `total` deliveries, run a prefork worker of `concurrency` processes; deliveries/s."""
    queue = f"fh-bench-{uuid.uuid4().hex[:8]}"
    env = os.environ | {"BENCH_CELERY_QUEUE": queue, "BENCH_CELERY_REDIS": REDIS_URL}
    prefix = f"fh-bench:{queue}"
    store = redis.Redis.from_url(REDIS_URL)
    producer = Celery("fh_bench", broker=REDIS_URL)
    producer.conf.update(task_default_queue=queue, task_ignore_result=True)
    body = '{"pad":"' + "x" * (2048 - 10) + '"}'
    with producer.connection_for_write() as conn:
        for n in range(total):
            producer.send_task("fh_bench.deliver", args=(url, body, f"d{n}"), queue=queue, connection=conn)
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "celery_baseline", "worker"),
            *("-Q", queue, "-c", str(concurrency), "-P", "prefork", "--loglevel", "WARNING"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ],
        cwd=Path(__file__).parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and int(store.get(f"{prefix}:done") or 0) < total:
            time.sleep(0.2)
        done = int(store.get(f"{prefix}:done") or 0)
        first = float(store.get(f"{prefix}:first") or 0)
        last = float(store.get(f"{prefix}:last") or 0)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(10)
        with contextlib.suppress(redis.RedisError):
            keys = list(store.scan_iter(f"{prefix}:*", count=10_000))
            for start in range(0, len(keys), 5000):
                store.delete(*keys[start : start + 5000])
            store.delete(queue)
    return {"rate": done / max(last - first, 1e-6) if done else 0.0, "done": done, "total": total}
