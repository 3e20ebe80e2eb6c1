"""The delivery worker: claim due deliveries, send them, record the attempts in batches.

Claiming, sending and recording run concurrently: a claimer keeps up to `concurrency`
sends in flight, each finished send drops its record into a buffer, and a recorder
writes the buffer in one transaction every few milliseconds. On stop, the claimer stops
first, in-flight sends get `drain_seconds` to finish, and the buffer is flushed.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from forgehooks.core.clock import utcnow
from forgehooks.core.deliveries import DeliveryState, Outcome, Reason
from forgehooks.core.hooks import Hook, expand_url
from forgehooks.core.retry import RetryPolicy
from forgehooks.core.wire import OutgoingRequest, WireFormat
from forgehooks.engine import attempt_log, process_metrics
from forgehooks.engine.attempts import Judged, Prepared, judge, prepare, record_of, tls_material
from forgehooks.engine.hosts import Admission, HostGate, receiver_host
from forgehooks.engine.sender import Sender
from forgehooks.store.database import Database
from forgehooks.store.hooks import HookRepository
from forgehooks.store.queue import (
    AttemptRecord,
    Claimed,
    HookResult,
    cancel_claimed,
    claim_due,
    defer_claimed,
    expire_held,
    hook_versions,
    record_attempts,
    record_hook_results,
)
from forgehooks.store.secrets import SecretBox
from forgehooks.store.wakeups import listen_due

log = logging.getLogger("forgehooks.worker")


#: the smallest claim while every receiver being sent to is busy: work for other receivers
#: (their hooks are not skipped) still gets through
MIN_CLAIM = 16


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerOptions:
    """How hard a worker pushes."""

    concurrency: int = 512
    claim_batch: int = 256
    lease: timedelta = timedelta(seconds=60)
    poll_interval: float = 0.05
    flush_interval: float = 0.01
    flush_size: int = 256
    drain_seconds: float = 15.0
    host_busy_delay: timedelta = timedelta(milliseconds=250)  # a full host's extra claims wait this long
    held_retention: timedelta = timedelta(days=30)
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(slots=True)
class _Finished:
    claimed: Claimed
    hook: Hook | None
    record: AttemptRecord | None  # None: the hook is gone, the delivery is cancelled
    succeeded: bool
    blameless: bool = False  # forgehooks' own failure (a bug): not counted against the hook


class Worker:
    """One process's delivery loop."""

    def __init__(
        self,
        db: Database,
        box: SecretBox,
        wires: Mapping[str, WireFormat],
        sender: Sender,
        options: WorkerOptions,
    ) -> None:
        self.db = db
        self.box = box
        self.wires = wires
        self.sender = sender
        self.options = options
        self.wake = asyncio.Event()  # set by local publishes to skip the poll wait
        self._buffer: list[_Finished] = []
        self._flush_now = asyncio.Event()
        self._room = asyncio.Event()  # set when claiming more could start new sends
        self._room_threshold = max(1, min(options.claim_batch, options.concurrency) // 4)
        self._inflight: set[asyncio.Task[None]] = set()
        # a slot's end only leaves `_inflight`: one callback and one (empty) context for every
        # slot of this worker's loop, not a bound method and a copy of the context each
        self._slot_ended = self._inflight.discard
        self._slot_context = contextvars.Context()
        self._slots = 0  # sends in flight (a slot's task may still be ending: not len(_inflight))
        # a claimed delivery waits at most 4 send rounds of its host, well within its lease
        line = min(options.claim_batch, 4 * sender.per_host_limit)
        all_lines = max(1, options.concurrency // 2)  # the other half stays free for sends
        self._gate: HostGate[tuple[Claimed, Hook | None]] = HostGate(
            sender.per_host_limit, line=line, all_lines=all_lines
        )
        # a claim takes at most half a line: a host whose line is not full (less than half)
        # takes all of it, so a burst for one receiver is not claimed and given back
        self._claim_size = max(1, min(options.claim_batch, self._gate.line // 2))
        self._host_of_hook: dict[int, str] = {}
        self._host_of_url: dict[str, str] = {}
        self._known_hooks: dict[int, Hook] = {}  # decrypted hooks by id, reused while unchanged
        if db.is_sqlite:
            # the checkpoint and scanning-read threads hand the GIL back to the loop within
            # 0.5 ms, not the default 5 ms (with aiosqlite's thread: 530 -> 1,100 deliveries/s)
            sys.setswitchinterval(0.0005)
        self.sent = 0
        self.given_back = 0  # claimed, then returned unsent: their host was saturated
        self._closing = asyncio.Event()  # set once sending has stopped: the recorder ends

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set, then drain and flush."""
        self._closing.clear()
        recorder = asyncio.create_task(self._record_loop(stop))
        listener = asyncio.create_task(listen_due(self.db, self.wake.set, stop))  # other processes
        try:
            await self._claim_loop(stop)
        finally:
            listener.cancel()
            waiting = [item for item, _ in self._gate.take_waiting()]
            if waiting:
                with contextlib.suppress(Exception):
                    await self._give_back(waiting, timedelta(0))
            if self._inflight:
                _, pending = await asyncio.wait(self._inflight, timeout=self.options.drain_seconds)
                for task in pending:
                    task.cancel()
            # the recorder ends after the flush it is in: cancelled inside one, a commit the
            # database had made would look failed and its attempts be written a second time
            self._closing.set()
            await asyncio.gather(recorder, listener, return_exceptions=True)
            await self.flush()

    async def _claim_loop(self, stop: asyncio.Event) -> None:
        last_maintenance = 0.0
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            free = self._free()
            # before claiming, so room made or work published meanwhile is not missed (a
            # publish that commits during the claim is not in it: its wake-up must stay set)
            self._room.clear()
            self.wake.clear()
            if free <= 0:
                await _wait_any(self._room, stop, timeout=1.0)
                continue
            # no more than could start or wait: the rest would only go back to the queue
            limit = min(free, self._claim_size, max(MIN_CLAIM, self._gate.room()))
            started = loop.time()
            try:
                claimed, hooks, skipped = await self._claim(limit)
                process_metrics.CLAIM_BATCH.observe(len(claimed))
                returned = self._admit(claimed, hooks)
                if returned:
                    self.given_back += len(returned)
                    process_metrics.GIVEN_BACK.inc(len(returned))
                    await self._give_back(returned, self.options.host_busy_delay)
            except Exception:  # the database may be restarting: log, wait, try again
                log.exception("claim failed; retrying")
                await _wait_any(stop, timeout=1.0)
                continue
            if len(claimed) == limit and not returned and self._can_take_more(claimed):
                continue  # probably more due: claim again at once
            if loop.time() - last_maintenance > 60:
                last_maintenance = loop.time()
                await self._maintain()
            poll = self.options.poll_interval
            if skipped and not claimed:
                # the due work may all belong to the busy hooks skipped, and finding that out
                # scanned it: not again before ten times that cost, unless room or a publish
                poll = max(poll, 10 * (loop.time() - started))
            await _wait_any(self.wake, stop, self._room, timeout=poll)

    def _free(self) -> int:
        return self.options.concurrency - self._slots - self._gate.waiting

    def _admit(self, claimed: list[Claimed], hooks: dict[int, Hook]) -> list[Claimed]:
        """Start or line up each claimed delivery; return those whose receiver host is saturated."""
        returned: list[Claimed] = []
        for item in claimed:
            hook = hooks.get(item.hook_id)
            host = self._host_of(hook) if hook is not None else ""
            self._host_of_hook[item.hook_id] = host
            admission = self._gate.admit(host, (item, hook)) if hook is not None else Admission.START
            if admission is Admission.START:
                self._start(host, item, hook)
            elif admission is Admission.BACK:
                returned.append(item)
        return returned

    def _host_of(self, hook: Hook) -> str:
        """The receiver host of `hook` (parsed once per URL: most claims hold few URLs)."""
        if hook.url_variables:  # the host may be a variable: expanded anew each time
            return receiver_host(expand_url(hook.url, hook.url_variables))
        host = self._host_of_url.get(hook.url)
        if host is None:
            if len(self._host_of_url) > 10_000:
                self._host_of_url.clear()
            host = self._host_of_url[hook.url] = receiver_host(hook.url)
        return host

    def _can_take_more(self, claimed: list[Claimed]) -> bool:
        """Whether a receiver of this claim still has room: if every one is full, the next
        claim would skip their hooks and may well scan their whole backlog for nothing."""
        return any(not self._gate.is_full(self._host_of_hook[c.hook_id]) for c in claimed)

    def _start(self, host: str, item: Claimed, hook: Hook | None) -> None:
        self._take_slot(+1)
        task = asyncio.create_task(self._send_slot(host, item, hook))
        self._inflight.add(task)
        task.add_done_callback(self._slot_ended, context=self._slot_context)

    async def _send_slot(self, host: str, item: Claimed, hook: Hook | None) -> None:
        """One send slot of `host`: deliver, then go on with whatever waits in its line (one
        task per slot, not one per delivery)."""
        gated = hook is not None
        while True:
            try:
                if hook is None:  # the hook is gone: the delivery is cancelled
                    self._finish(_Finished(claimed=item, hook=None, record=None, succeeded=False))
                else:
                    # the send is awaited here, not in a coroutine of its own per delivery:
                    # every frame of an open send stays alive as long as it is open
                    started_at = utcnow()
                    request: Prepared | None = None
                    prepared = self._prepare(item, hook)
                    if isinstance(prepared, Outcome):
                        outcome = prepared
                    else:
                        try:
                            outcome = await self.sender.send(
                                prepared.url,
                                prepared.headers,
                                item.body,
                                ssl_verify=hook.ssl_verify,
                                tls=tls_material(hook, self.box) if hook.extras else None,
                            )
                            request = prepared
                        except Exception as exc:  # not network trouble: the sender never raises for that
                            outcome = _internal_error(item, exc)
                    self._conclude(item, hook, request, outcome, started_at)
            except BaseException:
                waiting = self._after_send(host, gated)
                if waiting is not None:  # it gets a task of its own
                    self._take_slot(-1)
                    self._start(host, *waiting)
                raise
            waiting = self._after_send(host, gated)
            if waiting is None:
                return
            item, hook = waiting

    def _take_slot(self, change: int) -> None:
        self._slots += change
        process_metrics.IN_FLIGHT.inc(change)  # per slot, not per send: a slot sends many

    def _after_send(self, host: str, gated: bool) -> tuple[Claimed, Hook | None] | None:
        """A send to `host` ended: the next delivery waiting for this slot, if any (else the
        slot is given up)."""
        was_full = self._gate.is_full(host)
        waiting = self._gate.release(host) if gated else None
        if waiting is None:
            self._take_slot(-1)
        # wake the claimer only on a transition, not on every finished send: a host's line
        # dropped below half, or the worker as a whole has a claim's worth of room again
        if (was_full and not self._gate.is_full(host)) or self._free() == self._room_threshold:
            self._room.set()
        return waiting

    def _busy_hooks(self) -> list[int]:
        """Hooks whose receiver host already has a full local line in this worker."""
        full = self._gate.full_hosts()
        return [hook_id for hook_id, host in self._host_of_hook.items() if host in full] if full else []

    async def _give_back(self, items: list[Claimed], delay: timedelta) -> None:
        """Unsent claimed deliveries return to the queue (no attempt counted)."""
        async with self.db.transaction() as conn:
            await defer_claimed(conn, [(c.id, c.lease_token) for c in items], utcnow() + delay)

    async def _claim(self, limit: int) -> tuple[list[Claimed], dict[int, Hook], bool]:
        """Lease due deliveries and look up their hooks' versions in the same transaction;
        whether busy hooks were skipped."""
        if len(self._host_of_hook) > 10_000:
            live = set(self._gate.inflight)
            self._host_of_hook = {k: v for k, v in self._host_of_hook.items() if v in live}
        skip = self._busy_hooks()
        async with self.db.transaction() as conn:
            lease = self.options.lease
            claimed = await claim_due(conn, limit=limit, lease=lease, now=utcnow(), skip_hooks=skip)
            versions = await hook_versions(conn, list({c.hook_id for c in claimed})) if claimed else {}
        return claimed, await self._hooks(versions), bool(skip)

    async def _hooks(self, versions: dict[int, datetime]) -> dict[int, Hook]:
        """The live hooks of these versions; unchanged ones (same `updated_at`) come from memory."""
        if len(self._known_hooks) > 10_000:
            self._known_hooks.clear()
        known = self._known_hooks
        stale = [i for i, at in versions.items() if i not in known or known[i].updated_at != at]
        if stale:
            async with self.db.reading() as conn:
                known.update(await HookRepository(conn, self.box).many(stale))
        return {i: known[i] for i in versions if i in known}

    def _prepare(self, claimed: Claimed, hook: Hook) -> Prepared | Outcome:
        """The request of this attempt, or the outcome of failing to prepare it."""
        try:
            return prepare(self.wires[claimed.dialect], hook, claimed)
        except Exception as exc:  # a face's renderer bug must not kill the worker
            return _internal_error(claimed, exc)

    def _conclude(
        self,
        claimed: Claimed,
        hook: Hook,
        request: OutgoingRequest | None,
        outcome: Outcome,
        started_at: datetime,
    ) -> None:
        """Judge the outcome and buffer the attempt's record (no request: it failed unsent)."""
        process_metrics.attempts_of(outcome.verdict.value, claimed.dialect).inc()
        process_metrics.ATTEMPT_SECONDS.observe(outcome.duration_ms / 1000)
        judged = judge(self.options.retry, claimed.attempt_count + 1, outcome, utcnow())
        if request is None:
            judged = Judged(state=DeliveryState.FAILED, next_attempt_at=judged.next_attempt_at)
            request = OutgoingRequest(url=hook.url, headers={})
        record = record_of(claimed, hook, request, outcome, judged, started_at)
        attempt_log.log_attempt(claimed, hook, record)
        succeeded = judged.state is DeliveryState.SUCCEEDED
        finished = _Finished(
            claimed=claimed, hook=hook, record=record, succeeded=succeeded, blameless=outcome.blameless
        )
        self._finish(finished)

    def _finish(self, finished: _Finished) -> None:
        self._buffer.append(finished)
        if len(self._buffer) >= self.options.flush_size:
            self._flush_now.set()

    async def _record_loop(self, stop: asyncio.Event) -> None:
        while not self._closing.is_set():
            await _wait_any(self._flush_now, self._closing, timeout=self.options.flush_interval)
            self._flush_now.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("recording attempts failed; will retry")
                await asyncio.sleep(0.5)

    async def flush(self) -> None:
        """Write every finished attempt, hook health and pauses in one transaction."""
        if not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        try:
            await self._write(batch)
        except BaseException:
            self._buffer[:0] = batch  # keep them for the next try
            raise
        self.sent += len(batch)
        if any(f.hook is not None and f.hook.ordered for f in batch):
            self.wake.set()  # the next delivery of an ordered hook may be claimable now

    async def _write(self, batch: list[_Finished]) -> None:
        now = utcnow()
        records = [f.record for f in batch if f.record is not None]
        cancelled = [f.claimed for f in batch if f.record is None]
        async with self.db.transaction() as conn:
            await record_attempts(conn, records, now)
            if cancelled:
                await cancel_claimed(conn, [c.id for c in cancelled], now)
            health = await record_hook_results(conn, hook_results(batch), now)
        for hook_id, state in health.items():
            if state.disabled or state.disabled_until is not None:
                until = f"until {state.disabled_until}" if state.disabled_until else "permanently"
                log.warning(
                    "hook %s disabled %s after %d failures", hook_id, until, state.consecutive_failures
                )

    async def _maintain(self) -> None:
        now = utcnow()
        try:
            async with self.db.transaction() as conn:
                expired = await expire_held(conn, now - self.options.held_retention, now)
            if expired:
                log.info("expired %d held deliveries past retention", expired)
        except Exception:
            log.exception("maintenance failed")


def _internal_error(claimed: Claimed, exc: Exception) -> Outcome:
    """The failed outcome of an attempt that a bug (not the network) ended."""
    log.exception("preparing delivery %s failed", claimed.id)
    return Outcome(failure=Reason.CLIENT_ERROR, error=f"internal error preparing the request: {exc}")


def hook_results(batch: list[_Finished]) -> list[HookResult]:
    """Per hook, in finishing order: its latest answer and the failures since its last success."""
    results: dict[int, HookResult] = {}
    for item in batch:
        if item.hook is None or item.record is None or item.blameless:
            continue  # a bug of forgehooks' own says nothing of the hook's health
        before = results.get(item.hook.id)
        failures = 0 if item.succeeded else (before.failures if before else 0) + 1
        record = item.record
        results[item.hook.id] = HookResult(
            hook_id=item.hook.id,
            reset=item.succeeded or (before is not None and before.reset),
            failures=failures,
            last_status_code=record.response_status,
            last_message=Outcome(status=record.response_status, error=record.error).summary,
        )
    return list(results.values())


async def _wait_any(*events: asyncio.Event, timeout: float) -> None:
    """Wait until any event is set or the timeout passes."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
