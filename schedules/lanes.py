"""Lanes: one worker delivers many posts at once, without giving up any promise.

A control loop (one thread) owns the ledger-facing decisions; each delivery runs on a lane
(a thread: adapters are blocking I/O — requests, http.client, subprocess — and a thread that
sleeps between stream chunks costs no CPU). Every ``poll`` seconds, or as soon as a lane
frees, the loop:

1. recovers lapsed leases of dead workers and expires closed windows (both walk small partial
   indexes, so doing it every second is cheap);
2. renews the leases of posts in flight (heartbeat); a post whose lease is no longer ours is
   cut (``lease_lost``) and nothing is written over the other worker's claim;
3. cuts normal/priority deliveries on endpoints that have a due emergency (``preempted``) and
   claims those emergencies at once, each starting on its endpoint as soon as the cut
   delivery has recorded ``interrupted`` (within the adapter's cancellation latency);
4. claims only what free lanes can start now, one post per free endpoint.

Normal work uses at most ``lanes`` lanes; ``reserve`` more are kept for emergencies, and an
emergency that cuts a delivery inherits that delivery's lane, so an emergency never waits
behind normal work.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from channels.base import adapter_kind
from schedules import claims
from schedules.dispatcher import EMERGENCY, Dispatcher, RunSummary, StopSignal

logger = logging.getLogger("campaign.lanes")
RUN_MAX = 32
"""A lane delivers at most this many posts of one endpoint in a row before the control loop
decides again (fairness, and urgent posts of that endpoint that fell due meanwhile)."""


@dataclass
class Job:
    """One delivery in flight (or waiting for the delivery it cuts)."""

    post_id: int
    endpoint: str
    priority: int
    lane: int
    since: datetime
    stop: StopSignal = field(default_factory=StopSignal)
    done: threading.Event = field(default_factory=threading.Event)
    started: bool = False

    def as_status(self) -> dict[str, Any]:
        return {"lane": self.lane, "post_id": self.post_id, "endpoint": self.endpoint,
                "priority": self.priority, "since": self.since.isoformat(),
                "stopping": self.stop.reason}


def describe_fault(exc: BaseException) -> str:
    """One Vietnamese line for a database fault, naming the likely fix."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "readonly" in text or "read-only" in text or "read only" in text:
        return ("Cơ sở dữ liệu đang ở chế độ chỉ đọc: không ghi được kết quả gửi. "
                "Hãy cấp lại quyền ghi cho tệp/máy chủ; bộ gửi sẽ tự chạy lại.")
    if "disk" in text and ("full" in text or "space" in text) or "no space" in text:
        return "Ổ đĩa chứa cơ sở dữ liệu đã đầy. Hãy giải phóng dung lượng; bộ gửi sẽ tự chạy lại."
    if "disk i/o" in text:  # SQLite: the WAL index could not grow (often a full disk, too)
        return ("Không ghi được tệp cơ sở dữ liệu (lỗi đọc/ghi ổ đĩa, ổ đĩa có thể đã đầy). "
                "Hãy kiểm tra ổ đĩa; bộ gửi sẽ tự chạy lại.")
    if any(word in text for word in ("connection", "connect", "server closed", "terminating",
                                     "shutting down", "starting up", "could not")):
        return ("Mất kết nối tới cơ sở dữ liệu (PostgreSQL đang khởi động lại hoặc không chạy). "
                "Bộ gửi sẽ tự kết nối lại.")
    if "locked" in text:
        return "Cơ sở dữ liệu đang bị khoá quá lâu. Bộ gửi sẽ thử lại."
    return f"Lỗi cơ sở dữ liệu ({type(exc).__name__}). Bộ gửi sẽ thử lại."


class LaneRunner:
    """Runs deliveries of one :class:`Dispatcher` on bounded lanes (see module docstring)."""

    def __init__(self, dispatcher: Dispatcher, *, reserve: int | None = None,
                 poll: float = 0.25, grace: float = 10.0,
                 publish_every: float = 2.0) -> None:
        self.d = dispatcher
        self.lanes = dispatcher.lanes
        self.reserve = max(1, self.lanes // 4) if reserve is None else reserve
        self.poll = poll
        self.grace = grace
        self.publish_every = publish_every
        self.heartbeat_every = max(0.5, min(10.0, dispatcher.lease.total_seconds() / 3))
        self.summary = RunSummary()
        self.jobs: dict[int, Job] = {}
        """Lane number → the delivery it runs (a lane may move on to its endpoint's next post)."""
        self.fault: str | None = None
        """The database fault we are in, in Vietnamese (None when healthy)."""
        self.last_fault: str | None = None
        self.on_fault: Callable[[str | None], None] | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._last: dict[str, float] = {}
        self._started_at = dispatcher.clock()
        self._backoff = 0.0
        self.multi = frozenset(eid for eid, n in dispatcher.in_flight.items() if n > 1)
        self.movable = frozenset(
            eid for eid, e in dispatcher.endpoints.items()
            if eid not in dispatcher.ahead and dispatcher.in_flight.get(eid, 1) == 1
            and not dispatcher.pacer.paced(eid, adapter_kind(e.channel, e.via),
                                           e.rate_per_minute))
        """Endpoints a lane may move to by itself when its own has nothing in turn: not live
        streams (the control loop times those), not paced, one delivery at a time."""
        self._relapse: dict[str, float] = {}
        """Fault message → until when a relapse is not logged again (monotonic seconds)."""

    # ------------------------------------------------------------------ loop
    def serve(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set, then shut down within bounded time."""
        while not stop.is_set() and not self.d.stopping:
            self._guarded_step()
            self._wake.wait(self._backoff or self.poll)
            self._wake.clear()
        self.shutdown()

    def drain(self, timeout: float | None = None, limit: int | None = None) -> RunSummary:
        """Deliver until nothing is due and every lane is idle (``run --once``), or until
        ``limit`` posts were claimed (benches)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            claimed = self._guarded_step()
            with self._lock:
                idle = not self.jobs
            if (idle and not claimed and not self._backoff) or self.d.stopping or (
                    deadline and time.monotonic() > deadline) or (
                    limit is not None and self.summary.claimed >= limit):
                break
            self._wake.wait(self._backoff or self.poll)
            self._wake.clear()
        self.shutdown()
        return self.summary

    def _guarded_step(self) -> int:
        try:
            claimed = self.step()
            if self.fault is not None:
                # A pass that only read proves nothing (a full disk or a read-only file still
                # serve reads): the database is back once a write has gone through.
                self._publish(self.d.clock())
        except (DBAPIError, SQLAlchemyError) as exc:
            self._db_fault(exc)
            return 0
        if self.fault is not None:
            logger.info("cơ sở dữ liệu hoạt động trở lại; bộ gửi tiếp tục")
            self.fault = None
            self._backoff = 0.0
            self._notify_fault()
        return claimed

    def _db_fault(self, exc: BaseException) -> None:
        message = describe_fault(exc)
        if message != self.fault:
            # one line per fault, not one per pass — nor one per relapse: a nearly full disk
            # lets a small write through now and then, which must not flood the log
            if time.monotonic() >= self._relapse.get(message, 0.0):
                logger.error("%s", message)
            else:
                logger.debug("%s (again)", message)
            self._relapse[message] = time.monotonic() + 60.0
            self.fault = self.last_fault = message
            self._notify_fault()
        self._backoff = min(30.0, max(0.5, self._backoff * 2))
        # A connection opened while the file was read-only stays read-only: start afresh.
        self.d.ledger.engine.dispose()

    def _notify_fault(self) -> None:
        if self.on_fault is not None:
            with contextlib.suppress(OSError):
                self.on_fault(self.fault)

    def _due(self, name: str, every: float) -> bool:
        now = time.monotonic()
        if now - self._last.get(name, -1e9) >= every:
            self._last[name] = now
            return True
        return False

    def step(self) -> int:
        """One pass of the control loop; returns how many posts it claimed."""
        d = self.d
        now = d.clock()
        if self._due("recover", 1.0):
            d.recover(now)
        if self._due("expire", 1.0):
            d.expire(now)
        if self._due("heartbeat", self.heartbeat_every):
            self._heartbeat(now)
        if self._stopping:
            return 0
        claimed = 0
        with d.ledger.engine.connect() as conn:  # a read: no need to queue for the writer
            emergencies = claims.emergency_endpoints(conn, now)
        with self._lock:
            running = list(self.jobs.values())
        cut = [j for j in running if j.endpoint in emergencies and j.priority < EMERGENCY]
        for job in cut:
            job.stop.set("preempted")
        by_endpoint: dict[str, list[Job]] = {}
        for job in running:
            by_endpoint.setdefault(job.endpoint, []).append(job)
        if emergencies:
            busy_em = {j.endpoint for j in running if j.priority >= EMERGENCY}
            room = max(0, self.lanes + self.reserve - len(running)) + len(cut)
            with d.ledger.writing() as conn:
                taken = claims.claim_for_lanes(
                    conn, now, owner=d.owner, lease=d.lease, limit=room, busy=busy_em,
                    emergency=True, postgres=d.ledger.dialect == "postgresql")
            for pid, endpoint, priority in taken:
                before = [j for j in by_endpoint.get(endpoint, []) if j.priority < EMERGENCY]
                self._start(pid, endpoint, priority, now, after=before)
            claimed += len(taken)
        normal = sum(1 for j in running if j.priority < EMERGENCY)
        room = self.lanes - normal
        if room > 0:
            busy = set(emergencies)
            for endpoint, jobs in by_endpoint.items():
                if len(jobs) >= d.in_flight.get(endpoint, 1):
                    busy.add(endpoint)
            with d.ledger.writing() as conn:
                taken = claims.claim_for_lanes(
                    conn, now, owner=d.owner, lease=d.lease, limit=room, busy=busy,
                    emergency=False, postgres=d.ledger.dialect == "postgresql",
                    ahead=d.ahead, multi=self.multi)
            for pid, endpoint, priority in taken:
                self._start(pid, endpoint, priority, now)
            claimed += len(taken)
        self.summary.claimed += claimed
        if self._due("publish", self.publish_every):
            self._publish(now)
        return claimed

    # ------------------------------------------------------------------ lanes
    def _start(self, post_id: int, endpoint: str, priority: int, now: datetime,
               after: list[Job] | None = None) -> None:
        with self._lock:
            used = {j.lane for j in self.jobs.values()}
            lane = next(n for n in range(1, len(used) + 2) if n not in used)
            job = Job(post_id, endpoint, priority, lane, now)
            self.jobs[lane] = job
        threading.Thread(target=self._run, args=(job, after or []), daemon=True,
                         name=f"lane-{lane}").start()

    def _run(self, job: Job, after: list[Job]) -> None:
        state = "released"
        try:
            for previous in after:
                previous.done.wait()
            loaded = None
            for turn in range(RUN_MAX):
                if job.stop.reason == "shutdown" or self._stopping and job.priority < EMERGENCY:
                    self.d.release([job.post_id], self.d.clock(), reason="shutdown")
                    state = "released"
                    break
                if loaded is not None and job.stop.reason is not None:
                    # taken as this endpoint's next post, but an emergency or a lost lease
                    # stops the run: give it back untouched (no attempt counted)
                    self.d.release([job.post_id], self.d.clock(), reason=job.stop.reason)
                    state = "released"
                    break
                job.started = True
                loaded = loaded or self.d._load([job.post_id])[job.post_id]
                # the run's last turn takes no next post: nobody would deliver it
                follow = turn < RUN_MAX - 1 and self._may_follow(job, loaded[0])
                self.d.follow.endpoint = job.endpoint if follow else None
                self.d.follow.move_to = self.movable
                self.d.follow.next = None
                try:
                    state = self.d.deliver(job.post_id, loaded=loaded, stop=job.stop)
                finally:
                    loaded, self.d.follow.next = self.d.follow.next, None
                    self.d.follow.endpoint = None
                if loaded is None:
                    break
                self._move_on(job, loaded, state)
        except (DBAPIError, SQLAlchemyError) as exc:
            # The outcome could not be written: the lease lapses and recovery decides
            # (unconfirmed for public posts), which never publishes twice.
            state = "db_fault"
            logger.error("bài #%s: %s", job.post_id, describe_fault(exc))
        except Exception:  # noqa: BLE001 - a lane must never die silently
            state = "error"
            logger.exception("lane crashed on post %s", job.post_id)
        finally:
            with self._lock:
                self.jobs.pop(job.lane, None)
                self.summary.counts[state] += 1
            job.done.set()
            self._wake.set()

    def _may_follow(self, job: Job, post: Any) -> bool:
        """Whether the lane may take its endpoint's next post itself when this one is sent:
        not for emergencies or live streams (the control loop times those), not while the
        endpoint is paced (each post needs its own turn), not when stopping."""
        d = self.d
        if job.priority >= EMERGENCY or self._stopping or job.stop.reason is not None:
            return False
        if job.endpoint in d.ahead:
            return False
        endpoint = d.endpoints.get(job.endpoint)
        if endpoint is None:
            return False
        return not d.pacer.paced(job.endpoint, adapter_kind(endpoint.channel, endpoint.via),
                                 endpoint.rate_per_minute)

    def _move_on(self, job: Job, loaded: Any, state: str) -> None:
        """The lane's previous outcome is committed and its endpoint's next post claimed."""
        post = loaded[0]
        with self._lock:
            self.summary.counts[state] += 1
            self.summary.claimed += 1
            if job.stop.reason == "lease_lost" and state != "lease_lost":
                # A heartbeat that ran while we committed the outcome saw the old post gone:
                # our own record, not another worker's claim.
                job.stop = StopSignal()
            job.post_id, job.priority, job.since = post.id, post.priority, self.d.clock()
            job.endpoint = post.endpoint_id  # a lane may move to a free endpoint

    def _heartbeat(self, now: datetime) -> None:
        with self._lock:
            snapshot = [(j, j.post_id) for j in self.jobs.values()]
        if not snapshot:
            return
        with self.d.ledger.writing() as conn:
            alive = claims.heartbeat(conn, [pid for _, pid in snapshot], now,
                                     owner=self.d.owner, lease=self.d.lease)
        for job, pid in snapshot:
            if pid not in alive and job.post_id == pid and not job.done.is_set():
                job.stop.set("lease_lost")

    def _publish(self, now: datetime) -> None:
        with self._lock:
            jobs = [j.as_status() for j in sorted(self.jobs.values(), key=lambda j: j.lane)]
        with self.d.ledger.writing() as conn:
            claims.publish_worker(conn, owner=self.d.owner, host=socket.gethostname(),
                                  pid=os.getpid(), lanes=self.lanes, started_at=self._started_at,
                                  now=now, jobs=jobs, fault=self.last_fault)

    # ------------------------------------------------------------------ shutdown
    def shutdown(self) -> None:
        """Stop claiming; let deliveries finish for ``grace`` seconds, then cut them.

        A cut stream is logged ``interrupted`` and queued again without counting an attempt;
        posts claimed but not started are released the same way.
        """
        self._stopping = True
        deadline = time.monotonic() + self.grace
        while time.monotonic() < deadline:
            with self._lock:
                if not self.jobs:
                    break
            self._keep_leases()
            time.sleep(0.1)
        with self._lock:
            left = list(self.jobs.values())
        for job in left:
            job.stop.set("shutdown")
        for job in left:
            job.done.wait(timeout=10)
        try:
            with self.d.ledger.writing() as conn:
                claims.forget_worker(conn, self.d.owner)
        except SQLAlchemyError:
            pass

    def _keep_leases(self) -> None:
        if self._due("heartbeat", self.heartbeat_every):
            with contextlib.suppress(SQLAlchemyError):
                self._heartbeat(self.d.clock())
