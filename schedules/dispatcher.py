"""Deliver due posts: claim them as leases, call the channel adapter, record what happened.

This is the only code that writes delivery outcomes to the ledger. Adapters return a Receipt
or raise a typed error; the table in :meth:`Dispatcher._settle` decides the post's next state:

=====================  ===========================================================
adapter says           post becomes
=====================  ===========================================================
Receipt                sent
AuthError              refresh once and try again; then failed (endpoint flagged)
RateLimitError         retry after the platform's hint (endpoint paused meanwhile)
TransientError         retry with exponential backoff, until max attempts: failed
UnknownOutcomeError    unconfirmed on at-most-once channels, else like transient
PermanentError         failed
ConfigError            failed (an operator must fix directory.yaml or .env)
=====================  ===========================================================

Claims are atomic: one ``UPDATE … WHERE id IN (SELECT … [FOR UPDATE SKIP LOCKED]) RETURNING``,
so several workers on one PostgreSQL ledger never take the same post; on SQLite the write lock
makes the same statement a compare-and-set.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select, text, update

from channels.base import (
    Adapter,
    AdapterContext,
    AuthError,
    CancelledError,
    ChannelError,
    ConfigError,
    Delivery,
    EndpointConfig,
    PermanentError,
    RateLimitError,
    Receipt,
    TransientError,
    UnknownOutcomeError,
    adapter_class,
    adapter_kind,
)
from channels.secrets import redact
from schedules import claims
from schedules.ledger import Ledger, log
from schedules.models import (
    CLAIMED,
    EXPIRED,
    FAILED,
    PENDING,
    RETRY,
    SENT,
    UNCONFIRMED,
    Content,
    Post,
    rowcount,
    table,
    utcnow,
)
from schedules.models import Campaign as CampaignRow
from schedules.outcomes import Outcome, Recorder
from schedules.ratelimit import Pacer
from schedules.retry import RetryPolicy

logger = logging.getLogger("campaign.dispatcher")
PRIORITY_NAME = {0: "normal", 1: "priority", 2: "emergency"}
EMERGENCY = claims.EMERGENCY


_POSTS = table(Post)


_LOAD = (
    select(_POSTS, table(Content).c.body,
           table(CampaignRow).c.title.label("campaign_title"),
           table(CampaignRow).c.timezone.label("campaign_tz"))
    .join(table(Content), table(Content).c.hash == _POSTS.c.content_hash)
    .join(table(CampaignRow), table(CampaignRow).c.id == _POSTS.c.campaign_id)
    .where(_POSTS.c.id.in_(bindparam("b_ids", expanding=True)))
)


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class StopSignal:
    """Why and when the engine wants a delivery in flight to stop (see Delivery.cancel)."""

    event: threading.Event = field(default_factory=threading.Event)
    reason: str | None = None
    """``preempted`` (an emergency for the same endpoint), ``shutdown`` or ``lease_lost``."""

    def set(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
        self.event.set()


@dataclass
class RunSummary:
    """What one pass of the dispatcher did, by resulting state."""

    counts: Counter[str] = field(default_factory=Counter)
    claimed: int = 0

    def add(self, other: RunSummary) -> None:
        self.counts.update(other.counts)
        self.claimed += other.claimed

    def as_dict(self) -> dict[str, Any]:
        return {"claimed": self.claimed, **dict(self.counts)}


class Dispatcher:
    """Claims due posts and delivers them through their channel's adapter.

    Thread-safe for lanes: adapters are made once per endpoint behind a lock, pacing lives in
    a locked :class:`Pacer`, and every outcome is its own compare-and-set transaction.
    """

    def __init__(self, ledger: Ledger, endpoints: Mapping[str, EndpointConfig],
                 context: AdapterContext, *, unit_names: Mapping[str, str] | None = None,
                 owner: str | None = None, lease_seconds: float = 300.0,
                 policy: RetryPolicy | None = None, batch: int = 50,
                 clock: Callable[[], datetime] = utcnow,
                 platform_rates: Mapping[str, float] | None = None,
                 endpoint_rates: Mapping[str, float] | None = None,
                 in_flight: Mapping[str, int] | None = None, lanes: int = 1) -> None:
        self.ledger = ledger
        self.endpoints = dict(endpoints)
        self.context = context
        self.unit_names = dict(unit_names or {})
        self.owner = owner or default_owner()
        self.lease = timedelta(seconds=lease_seconds)
        self.policy = policy or RetryPolicy()
        self.batch = batch
        self.clock = clock
        self.lanes = max(1, lanes)
        self.in_flight = dict(in_flight or {})
        """Endpoint id → deliveries it may have in flight at once (1 when absent)."""
        self.pacer = Pacer(platform_rates, endpoint_rates)
        self.ahead = {eid: seconds for eid, seconds in
                      ((eid, self._ahead(e)) for eid, e in self.endpoints.items()) if seconds}
        """Endpoint id → seconds before due that its adapter takes a post (live streams)."""
        self._adapters: dict[str, Adapter[Any]] = {}
        self._adapter_lock = threading.Lock()
        self.stopping = False
        """Set from a signal handler: the current pass releases what it has not started."""
        self._secrets: Callable[[str], str] = getattr(context.secrets, "redact", str)
        self.recorder = Recorder(ledger, owner=self.owner, lease=self.lease, load=self._load)
        """Commits outcomes; the lanes start its thread to group commits across lanes."""
        self.follow = threading.local()
        """Per lane: ``endpoint`` set by the lane asks :meth:`_record` to claim and load that
        endpoint's next post in the outcome's own transaction; the result is left in
        ``next`` (see LaneRunner: one transaction per post instead of three)."""

    # ------------------------------------------------------------------ housekeeping
    def recover(self, now: datetime) -> int:
        """Posts whose lease lapsed (a worker died mid-delivery; live workers renew theirs).

        On at-most-once channels we cannot know whether the platform published, so the post
        becomes ``unconfirmed`` for an operator; idempotent deliveries are simply retried.
        """
        with self.ledger.session() as session:
            rows = session.execute(
                select(Post.id, Post.campaign_id, Post.endpoint_id, Post.lease_owner)
                .where(text("posts.state = 'claimed'"), Post.lease_expires_at < now)
                .with_for_update(skip_locked=True)).all()
            for row in rows:
                at_most_once = self._at_most_once(row.endpoint_id)
                state = UNCONFIRMED if at_most_once else RETRY
                done = session.execute(
                    update(Post).where(Post.id == row.id, Post.state == CLAIMED,
                                       Post.lease_expires_at < now)
                    .values(state=state, lease_owner=None, lease_expires_at=None,
                            available_at=now, updated_at=now))
                if rowcount(done):
                    log(session, state if state == UNCONFIRMED else "retry",
                        campaign_id=row.campaign_id, post_id=row.id,
                        endpoint_id=row.endpoint_id, at=now,
                        detail={"reason": "lease_expired", "previous_owner": row.lease_owner})
        return len(rows)

    def expire(self, now: datetime) -> int:
        """Open posts whose window has passed are expired, never delivered late."""
        with self.ledger.writing() as conn:
            return claims.expire_open(conn, now)

    # ------------------------------------------------------------------ claiming
    def claim(self, now: datetime, limit: int) -> list[int]:
        """Atomically take up to ``limit`` due posts of approved campaigns as leases.

        Urgent posts (priority, emergency) first, then normal ones in due order; each step
        walks a partial index instead of sorting the backlog. Used by single passes with a
        fixed clock (``run --once --now``); the lanes claim per free lane instead.
        """
        with self.ledger.writing() as conn:  # Core: no ORM bookkeeping on the hot path
            ids = self._claim_step(conn, now, limit, urgent=True)
            if len(ids) < limit:
                ids += self._claim_step(conn, now, limit - len(ids), urgent=False)
        return ids

    def _claim_step(self, conn: Any, now: datetime, limit: int, *, urgent: bool) -> list[int]:
        due = claims.due_query(now, urgent=urgent).with_only_columns(_POSTS.c.id).limit(limit)
        if self.ledger.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True, of=_POSTS)
        return claims.take(conn, list(conn.scalars(due)), now, owner=self.owner,
                           lease=self.lease)

    # ------------------------------------------------------------------ delivering
    def run_once(self, now: datetime | None = None, limit: int | None = None) -> RunSummary:
        """Recover, expire, then deliver everything due.

        ``now`` fixes the time for a simulated clock (demo, tests): posts go one after another
        in batches. Without it the lanes deliver in parallel on the real clock until nothing
        is due, so the log shows when each post really went out.
        """
        if now is None and limit is None:
            from schedules.lanes import LaneRunner

            return LaneRunner(self).drain()
        fixed = now is not None
        now = now or self.clock()
        summary = RunSummary()
        self.recover(now)
        self.expire(now)
        while limit is None or summary.claimed < limit:
            take = self.batch if limit is None else min(self.batch, limit - summary.claimed)
            if not fixed:
                now = self.clock()
            ids = self.claim(now, take)
            if not ids:
                break
            summary.claimed += len(ids)
            loaded = self._load(ids)
            for index, pid in enumerate(ids):
                if self.stopping:
                    self.release(ids[index:], now, reason="shutdown")
                    summary.counts["released"] += len(ids) - index
                    return summary
                summary.counts[self.deliver(pid, now if fixed else None,
                                            loaded=loaded[pid])] += 1
            if self.stopping:
                break
        return summary

    def release(self, ids: list[int], now: datetime, *, reason: str) -> None:
        """Give back claimed posts we will not deliver (shutdown): no attempt is counted."""
        with self.ledger.session() as session:
            for pid in ids:
                done = session.execute(update(Post).where(
                    Post.id == pid, Post.state == CLAIMED, Post.lease_owner == self.owner)
                    .values(state=RETRY, lease_owner=None, lease_expires_at=None,
                            available_at=now, attempts=Post.attempts - 1, updated_at=now))
                if rowcount(done):
                    log(session, "retry", post_id=pid, actor=self.owner, at=now,
                        detail={"reason": reason})

    def _load(self, ids: list[int], conn: Any = None) -> dict[int, Any]:
        """Claimed posts (as rows) with their content and campaign, in one query."""
        if conn is None:
            with self.ledger.engine.connect() as own:
                return self._load(ids, own)
        rows = conn.execute(_LOAD, {"b_ids": ids}).all()
        return {row.id: (row, row.body, row.campaign_title, row.campaign_tz) for row in rows}

    def deliver(self, post_id: int, now: datetime | None = None, *,
                loaded: Any = None, stop: StopSignal | None = None) -> str:
        """Deliver one claimed post and record the outcome; returns the post's new state.

        ``stop`` lets the lanes cut a long delivery (adapters see ``Delivery.cancel``).
        Returns ``lease_lost`` when the post is no longer ours and nothing was recorded.
        """
        fixed = now is not None
        now = now or self.clock()
        post, body, title, tz_name = loaded or self._load([post_id])[post_id]
        if post.expires_at is not None and now >= post.expires_at:
            # Claimed in time, but the window closed before a lane could start it.
            return self._record(post, EXPIRED, "expired", now, count_attempt=False,
                                detail={"reason": "window_closed",
                                        "expires_at": post.expires_at.isoformat()})
        wait_until = None if post.priority >= EMERGENCY else self._throttle(post, now)
        if wait_until is not None:
            # Our own pacing or a platform's pause: give the post back without an attempt.
            # Emergency posts never wait behind the pacing of normal posts.
            detail = {"reason": "endpoint_paused", "until": wait_until.isoformat()}
            if post.expires_at is not None and wait_until >= post.expires_at:
                return self._record(post, EXPIRED, "expired", now, detail=detail,
                                    count_attempt=False)
            return self._record(post, RETRY, "retry", now, available_at=wait_until,
                                detail=detail, count_attempt=False)
        stop = stop or StopSignal()
        delivery = Delivery(
            post_id=post.id, post_key=post.key, campaign_id=post.campaign_id,
            campaign_title=title, message_id=post.message_id, channel=post.channel,
            priority=PRIORITY_NAME.get(post.priority, "normal"), content=body,
            due_at=post.due_at, local_due=post.slot_at.astimezone(ZoneInfo(tz_name)),
            expires_at=post.expires_at, unit_id=post.unit_id,
            unit_name=self.unit_names.get(post.unit_id, post.unit_id), attempt=post.attempts,
            cancel=stop.event)
        started = time.monotonic()
        try:
            adapter = self._adapter(post.endpoint_id)
            try:
                receipt = adapter.deliver(delivery)
            except AuthError:
                adapter.refresh()
                receipt = adapter.deliver(delivery)
        except CancelledError as exc:
            now = now if fixed else self.clock()
            return self._interrupted(post, exc, stop.reason or "shutdown", now,
                                     time.monotonic() - started)
        except ChannelError as exc:
            now = now if fixed else self.clock()
            return self._settle(post, exc, now, time.monotonic() - started)
        except Exception as exc:  # noqa: BLE001 - a bug must not lose the post
            logger.exception("adapter crashed on post %s", post.id)
            unknown = UnknownOutcomeError(
                f"Lỗi không lường trước trong bộ gửi ({type(exc).__name__}).",
                detail={"exception": self._redact(str(exc))[:500]})
            now = now if fixed else self.clock()
            return self._settle(post, unknown, now, time.monotonic() - started)
        now = now if fixed else self.clock()
        return self._sent(post, receipt, now, time.monotonic() - started)

    def _interrupted(self, post: Post, exc: CancelledError, reason: str, now: datetime,
                     seconds: float) -> str:
        """A delivery we cut: logged ``interrupted``, then queued again or expired."""
        detail = {**exc.as_detail(), "reason": reason, "partial": exc.partial,
                  "duration_ms": round(seconds * 1000)}
        if reason == "lease_lost":
            logger.warning("mất quyền giữ bài #%s (máy khác đã nhận): dừng gửi, không ghi đè",
                           post.id)
            return "lease_lost"
        first = ("interrupted", detail)
        if post.expires_at is not None and now >= post.expires_at:
            return self._record(post, EXPIRED, "expired", now, detail={"reason": reason},
                                count_attempt=False, first=first)
        return self._record(post, RETRY, "retry", now, available_at=now,
                            detail={"reason": reason}, count_attempt=False, first=first)

    def _sent(self, post: Post, receipt: Receipt, now: datetime, seconds: float) -> str:
        detail = {"evidence": receipt.evidence, "external_id": receipt.external_id,
                  "duration_ms": round(seconds * 1000), **receipt.detail}
        slow = receipt.detail.get("slow_down_seconds")
        if slow:
            self.pacer.pause(post.endpoint_id, now + timedelta(seconds=float(slow)))
        return self._record(post, SENT, "sent", now, detail=detail,
                            external_id=receipt.external_id)

    def _settle(self, post: Post, exc: ChannelError, now: datetime, seconds: float) -> str:
        detail = {**exc.as_detail(), "duration_ms": round(seconds * 1000),
                  "attempt": post.attempts}
        detail["message"] = self._redact(str(detail.get("message", "")))
        if "platform_message" in detail:
            detail["platform_message"] = self._redact(str(detail["platform_message"]))
        at_most_once = self._at_most_once(post.endpoint_id)
        if isinstance(exc, UnknownOutcomeError) and at_most_once:
            return self._record(post, UNCONFIRMED, "unconfirmed", now, detail=detail)
        if isinstance(exc, RateLimitError):
            until = now + timedelta(seconds=exc.retry_after)
            self.pacer.pause(post.endpoint_id, until)
            return self._retry_or_expire(post, until, now, detail)
        if isinstance(exc, TransientError | UnknownOutcomeError):
            if post.attempts >= self.policy.max_attempts:
                return self._record(post, FAILED, "failed", now,
                                    detail={**detail, "gave_up": True})
            hint = getattr(exc, "retry_after", None)
            wait = hint if hint else self.policy.backoff(post.attempts)
            return self._retry_or_expire(post, now + timedelta(seconds=wait), now, detail)
        if isinstance(exc, AuthError):
            detail["reconnect"] = exc.reconnect
        if isinstance(exc, ConfigError | AuthError | PermanentError):
            return self._record(post, FAILED, "failed", now, detail=detail)
        return self._record(post, FAILED, "failed", now, detail=detail)  # unknown subclass

    def _retry_or_expire(self, post: Post, when: datetime, now: datetime,
                         detail: dict[str, Any]) -> str:
        if post.expires_at is not None and when >= post.expires_at:
            return self._record(post, EXPIRED, "expired", now,
                                detail={**detail, "retry_at": when.isoformat()})
        return self._record(post, RETRY, "retry", now, available_at=when,
                            detail={**detail, "retry_at": when.isoformat()})

    def _record(self, post: Post, state: str, event: str, now: datetime, *,
                detail: dict[str, Any], available_at: datetime | None = None,
                external_id: str | None = None, count_attempt: bool = True,
                first: tuple[str, dict[str, Any]] | None = None) -> str:
        """Write an outcome over our own lease, or nothing when the lease is not ours."""
        params = {
            "b_id": post.id, "b_owner": self.owner, "b_state": state, "b_at": now,
            "b_available_at": available_at, "b_external_id": external_id,
            "b_last_error": (str(detail.get("message", ""))[:1000]
                             if state in (FAILED, UNCONFIRMED, RETRY) else None),
            "b_uncount": 0 if count_attempt else 1,
        }
        row = {"at": now, "campaign_id": post.campaign_id, "post_id": post.id,
               "endpoint_id": post.endpoint_id, "actor": self.owner}
        follow = getattr(self.follow, "endpoint", None)
        keep = follow == post.endpoint_id
        item = Outcome(params, row, [*([first] if first else []), (event, detail)],
                       follow=post.endpoint_id if keep else None,
                       move_to=getattr(self.follow, "move_to", frozenset()) if keep
                       else frozenset())
        # The lane keeps this endpoint: its next post is claimed (and loaded) in the same
        # commit, after this outcome — never before it is durable.
        self.follow.next = self.recorder.record(item)
        if item.written is not None:
            return state
        logger.warning("mất quyền giữ bài #%s (máy khác đã nhận): kết quả '%s' không ghi đè",
                       post.id, event)
        return "lease_lost"

    def _throttle(self, post: Post, now: datetime) -> datetime | None:
        """When this post may go out, if not now (platform pause or token buckets)."""
        endpoint = self.endpoints.get(post.endpoint_id)
        kind = adapter_kind(endpoint.channel, endpoint.via) if endpoint else post.channel
        return self.pacer.turn(post.id, post.endpoint_id, kind, now,
                               endpoint.rate_per_minute if endpoint else None)

    # ------------------------------------------------------------------ adapters
    def _endpoint(self, endpoint_id: str) -> EndpointConfig:
        try:
            return self.endpoints[endpoint_id]
        except KeyError:
            raise ConfigError(f"Điểm nhận '{endpoint_id}' không còn trong directory.yaml.") \
                from None

    @staticmethod
    def _ahead(endpoint: EndpointConfig) -> float:
        try:
            return adapter_class(adapter_kind(endpoint.channel, endpoint.via)).ahead_seconds(
                endpoint)
        except ConfigError:
            return 0.0

    def _adapter(self, endpoint_id: str) -> Adapter[Any]:
        with self._adapter_lock:
            adapter = self._adapters.get(endpoint_id)
            if adapter is None:
                endpoint = self._endpoint(endpoint_id)
                cls = adapter_class(adapter_kind(endpoint.channel, endpoint.via))
                adapter = cls(endpoint, self.context)
                self._adapters[endpoint_id] = adapter
            return adapter

    def refresh_credentials(self, kinds: tuple[str, ...] = ("zalo",)) -> dict[str, str | None]:
        """Renew rotating credentials ahead of need (a Zalo refresh token unused for months
        dies). Returns endpoint id → None when renewed, or the Vietnamese error."""
        results: dict[str, str | None] = {}
        for endpoint in self.endpoints.values():
            if adapter_kind(endpoint.channel, endpoint.via) not in kinds:
                continue
            try:
                self._adapter(endpoint.id).refresh()
                results[endpoint.id] = None
            except ChannelError as exc:
                results[endpoint.id] = self._redact(exc.message)
                logger.warning("token refresh failed for %s: %s", endpoint.id,
                               results[endpoint.id])
        return results

    def _at_most_once(self, endpoint_id: str) -> bool:
        endpoint = self.endpoints.get(endpoint_id)
        if endpoint is None:
            return True  # unknown: be safe, never resend on our own
        return adapter_class(adapter_kind(endpoint.channel, endpoint.via)).is_at_most_once(
            endpoint)

    def _redact(self, text: str) -> str:
        return redact(self._secrets(text))

    def close(self) -> None:
        for adapter in self._adapters.values():
            adapter.close()
        self._adapters.clear()


def open_posts_due_times(ledger: Ledger, campaign_id: str | None = None) -> list[datetime]:
    """Distinct instants at which open posts become available (for simulated clocks)."""
    stmt = select(Post.available_at).where(Post.state.in_([PENDING, RETRY])).distinct()
    if campaign_id:
        stmt = stmt.where(Post.campaign_id == campaign_id)
    with ledger.session() as session:
        return sorted(session.scalars(stmt))
