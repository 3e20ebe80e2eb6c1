"""What every use case needs: settings, the database, the secret box, wire formats, the sender."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from forgehooks.config import Settings
from forgehooks.core.wire import CanonicalWire, WireFormat
from forgehooks.engine.sender import Sender
from forgehooks.engine.worker import Worker, WorkerOptions
from forgehooks.services.group_commit import GroupCommit
from forgehooks.services.limits import SharedWindow, Window, window_for
from forgehooks.store import wakeups
from forgehooks.store.database import Database
from forgehooks.store.secrets import SecretBox, load_keys


@dataclass(slots=True)
class Runtime:
    """The process-wide parts, built once at start-up and passed to services."""

    settings: Settings
    db: Database
    box: SecretBox
    wires: dict[str, WireFormat] = field(default_factory=dict)
    sender: Sender | None = None
    workers: list[Worker] = field(default_factory=list)
    test_calls: Window | None = None  # like GitLab's per-user test limit, across processes
    api_calls: Window | None = None  # the per-credential API rate limit (set by the app)
    publish_group: GroupCommit[Any, Any] | None = None  # publishes committing together (services/events.py)

    @classmethod
    def build(cls, settings: Settings, wires: list[WireFormat] | None = None) -> Runtime:
        """Connect to the configured database and register the canonical and given wire formats."""
        schema = settings.database_schema or None
        db = Database(settings.resolved_database_url, schema=schema)
        box = SecretBox(load_keys(settings.secret_key, settings.data_dir))
        runtime = cls(settings=settings, db=db, box=box)
        runtime.register(CanonicalWire())
        for wire in wires or []:
            runtime.register(wire)
        return runtime

    def register(self, wire: WireFormat) -> None:
        """Make a face's wire format available to fan-out and workers."""
        self.wires[wire.dialect] = wire

    def test_call_window(self) -> Window:
        """The limit on hook test and resend calls (created on first use)."""
        if self.test_calls is None:
            self.test_calls = window_for(self.db, "test_calls", self.settings.test_calls_per_minute)
        return self.test_calls

    def get_sender(self) -> Sender:
        """The shared outgoing HTTP client (created lazily inside the event loop)."""
        if self.sender is None:
            s = self.settings
            self.sender = Sender(
                allow_local=s.allow_local_targets,
                total_timeout=s.send_timeout,
                connect_timeout=s.connect_timeout,
                per_host_limit=s.per_host_limit,
                proxy=s.egress_proxy,
            )
        return self.sender

    def worker_options(self) -> WorkerOptions:
        """Worker tuning from settings."""
        s = self.settings
        return WorkerOptions(
            concurrency=s.worker_concurrency,
            claim_batch=s.claim_batch,
            lease=timedelta(seconds=s.lease_seconds),
            poll_interval=s.poll_interval,
            held_retention=timedelta(days=s.held_retention_days),
            retry=s.retry_policy,
        )

    def new_worker(self) -> Worker:
        """A worker sharing this runtime's database, wire formats and sender."""
        worker = Worker(self.db, self.box, self.wires, self.get_sender(), self.worker_options())
        self.workers.append(worker)
        return worker

    def wake_workers(self) -> None:
        """After a commit that made deliveries due: tell local workers, or (none here) on
        SQLite the worker of another process (saves a poll interval of latency). Not both:
        an embedded worker woken twice, once by its own socket, made a second, empty claim
        per publish (a write transaction on SQLite; 1.3 -> 1.9 ms of CPU per event)."""
        for worker in self.workers:
            worker.wake.set()
        if not self.workers:
            wakeups.nudge(self.db)

    async def close(self) -> None:
        """Release connections."""
        if self.sender is not None:
            await self.sender.close()
        for window in (self.test_calls, self.api_calls):
            if isinstance(window, SharedWindow):
                await window.close()
        await self.db.dispose()
