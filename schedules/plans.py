"""Applying a plan to the ledger: the one place planned posts are written.

``campaign/planner.py`` expands a campaign into planned posts (pure, no database); this module
upserts them: new keys are inserted, future unsent posts whose content or time changed are
updated, open posts that vanished from the plan are cancelled (never deleted), and posts already
sent are never touched. It lives in the schedules layer because only this layer writes the
delivery log and post states (``tests/test_ledger_writes.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, insert, select, update

from schedules.ledger import Ledger, bulk_insert, log, log_many
from schedules.models import CANCELLED, OPEN_STATES, PENDING, Content, LogEntry, Post, utcnow
from schedules.models import Campaign as CampaignRow

CHUNK = 5000
REPLANNED = "replanned"
"""The reason logged for posts a re-plan cancels itself (they may come back on a re-plan)."""
INSERT_COLUMNS = ("key", "campaign_id", "message_id", "endpoint_id", "channel", "unit_id",
                  "content_hash", "priority", "slot_at", "due_at", "expires_at",
                  "available_at", "state", "attempts", "updated_at")


class PlannedRow(Protocol):
    """What the ledger needs of one planned post (``campaign.planner.PlannedPost``)."""

    @property
    def key(self) -> str: ...
    @property
    def message_id(self) -> str: ...
    @property
    def endpoint_id(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def unit_id(self) -> str: ...
    @property
    def content_hash(self) -> str: ...
    @property
    def slot_at(self) -> datetime: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def expires_at(self) -> datetime | None: ...
    @property
    def priority(self) -> int: ...


@dataclass(frozen=True)
class CampaignRecord:
    """The campaign row as a plan writes it (the definition, its hash, the period)."""

    id: str
    title: str
    timezone: str
    priority: str
    period_start: date
    period_end: date
    report_due: date | None
    definition: dict[str, Any]
    definition_hash: str


@dataclass
class PlanResult:
    inserted: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    kept: int = 0
    """Posts left alone because they were already sent, failed, expired or in the past."""
    kept_cancelled: int = 0
    """Posts an operator cancelled: a re-plan leaves them cancelled (see ``reopen``)."""
    reopened: int = 0
    """Operator-cancelled posts opened again because the re-plan asked for it explicitly."""
    approval_lapsed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def apply_plan(ledger: Ledger, record: CampaignRecord,
               contents: dict[str, tuple[str, dict[str, Any]]], posts: Iterable[PlannedRow], *,
               now: datetime | None = None, source_path: str | None = None,
               actor: str | None = None, progress: Callable[[int], None] | None = None,
               reopen: bool = False) -> PlanResult:
    """Upsert a campaign's planned posts into the ledger in one transaction.

    ``contents`` maps a content hash to (channel, body); ``posts`` is streamed in chunks, so a
    national plan is never held in memory. ``progress`` is called with the number of posts
    handled after each chunk (for a bar). A post an operator cancelled stays cancelled unless
    ``reopen`` is given; then each one opened again gets its own log entry (see
    :func:`_operator_cancelled`).
    """
    now = now or utcnow()
    campaign_id = record.id
    result = PlanResult()
    with ledger.session() as session:
        row = session.get(CampaignRow, campaign_id)
        if row is None:
            row = CampaignRow(id=campaign_id, created_at=now, approved_hash=None)
            session.add(row)
        elif row.approved_hash and row.approved_hash != record.definition_hash:
            result.approval_lapsed = row.approved_hash == row.definition_hash
        row.title = record.title
        row.timezone = record.timezone
        row.priority = record.priority
        row.period_start = record.period_start
        row.period_end = record.period_end
        row.report_due = record.report_due
        row.definition = record.definition
        row.definition_hash = record.definition_hash
        row.source_path = source_path
        row.updated_at = now
        session.flush()

        known = set(session.scalars(select(Content.hash).where(
            Content.hash.in_(list(contents)))))
        new_contents = [{"hash": h, "channel": c, "body": b}
                        for h, (c, b) in contents.items() if h not in known]
        if new_contents:
            session.execute(insert(Content), new_contents)

        # A campaign planned for the first time needs no per-key lookups at all.
        replanning = session.scalar(
            select(Post.id).where(Post.campaign_id == campaign_id).limit(1)) is not None
        wanted: set[str] = set()
        total = 0
        table = cast(Table, Post.__table__)
        for chunk in _batched(posts, CHUNK):
            total += len(chunk)
            existing: dict[str, Any] = {}
            if replanning:
                keys = [p.key for p in chunk]
                wanted.update(keys)
                existing = {r.key: r for r in session.execute(
                    select(Post.id, Post.key, Post.state, Post.content_hash, Post.due_at,
                           Post.expires_at, Post.priority).where(Post.key.in_(keys)))}
            held = _operator_cancelled(session, existing.values())
            inserts, updates = _diff_chunk(chunk, existing, campaign_id, now, result,
                                           held, reopen)
            if reopen and held:
                reopened = [u for u in updates if u["id"] in held]
                log_many(session, ({"at": now, "campaign_id": campaign_id, "post_id": u["id"],
                                    "event": "planned", "actor": actor,
                                    "detail": {"reopened": True, "was": CANCELLED}}
                                   for u in reopened))
                result.reopened += len(reopened)
            if inserts:
                bulk_insert(session, table, INSERT_COLUMNS, inserts)
            if updates:
                session.execute(update(Post), updates)
            result.inserted += len(inserts)
            result.updated += len(updates)
            if progress is not None:
                progress(len(chunk))
        cancel_ids = []
        if replanning:
            cancel_ids = [r.id for r in session.execute(
                select(Post.id, Post.key).where(Post.campaign_id == campaign_id,
                                                Post.state.in_(OPEN_STATES)))
                          if r.key not in wanted]
        if cancel_ids:
            for ids in _chunks(cancel_ids, 500):
                session.execute(update(Post).where(Post.id.in_(ids))
                                .values(state=CANCELLED, updated_at=now))
            log_many(session, ({"at": now, "campaign_id": campaign_id, "post_id": pid,
                                "event": "cancelled", "actor": actor,
                                "detail": {"reason": REPLANNED}} for pid in cancel_ids))
        result.cancelled = len(cancel_ids)
        log(session, "planned", campaign_id=campaign_id, actor=actor, at=now,
            detail={**result.as_dict(), "definition_hash": record.definition_hash,
                    "posts": total})
    return result


def _operator_cancelled(session: Any, rows: Iterable[Any]) -> set[int]:
    """Ids among ``rows`` whose cancellation came from a person, not from a re-plan.

    No schema change tells them apart: a re-plan's own cancellations are logged with
    ``reason: replanned`` and no endpoint, while ``operations.cancel`` (CLI, dashboard) always
    names the endpoint. The latest ``cancelled`` entry of a post decides.
    """
    ids = [r.id for r in rows if r.state == CANCELLED]
    if not ids:
        return set()
    latest: dict[int, Any] = {}
    for post_id, endpoint_id, detail in session.execute(
            select(LogEntry.post_id, LogEntry.endpoint_id, LogEntry.detail)
            .where(LogEntry.post_id.in_(ids), LogEntry.event == CANCELLED)
            .order_by(LogEntry.id)):
        latest[post_id] = (endpoint_id, detail or {})
    return {pid for pid, (endpoint_id, detail) in latest.items()
            if endpoint_id is not None or detail.get("reason") != REPLANNED}


def _diff_chunk(chunk: list[PlannedRow], existing: dict[str, Any], campaign_id: str,
                now: datetime, result: PlanResult, held: set[int] | None = None,
                reopen: bool = False) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]]]:
    """Split planned posts into rows to insert (tuples in INSERT_COLUMNS order) and future
    unsent rows to update. Rows in ``held`` (cancelled by a person) stay as they are unless
    ``reopen``."""
    held = held or set()
    inserts: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    for post in chunk:
        old = existing.get(post.key)
        if old is None:
            inserts.append((post.key, campaign_id, post.message_id, post.endpoint_id,
                            post.channel, post.unit_id, post.content_hash, post.priority,
                            post.slot_at, post.due_at, post.expires_at, post.due_at, PENDING,
                            0, now))
            continue
        if old.id in held and not reopen:
            result.kept_cancelled += 1
            continue
        editable = old.due_at > now and old.state in (*OPEN_STATES, CANCELLED)
        same = (old.content_hash == post.content_hash and old.due_at == post.due_at
                and old.expires_at == post.expires_at and old.priority == post.priority
                and old.state != CANCELLED)
        if same:
            result.unchanged += 1
        elif editable:
            updates.append({"id": old.id, "content_hash": post.content_hash,
                            "due_at": post.due_at, "available_at": post.due_at,
                            "expires_at": post.expires_at, "priority": post.priority,
                            "slot_at": post.slot_at, "state": PENDING, "updated_at": now})
        else:
            result.kept += 1
    return inserts, updates


def _batched(items: Iterable[PlannedRow], size: int) -> Iterator[list[PlannedRow]]:
    batch: list[PlannedRow] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
