"""Read-only views of the ledger for people: status counts and the delivery log.

The CLI, the dashboard and the report all read through here, so they agree on numbers.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from campaign.read_models import CampaignProgress, DeliverySummary, LogRow, ProblemPost
from schedules.ledger import Ledger
from schedules.models import OPEN_STATES, LogEntry, Post, Worker, utcnow
from schedules.models import Campaign as CampaignRow


@dataclass
class LogFilter:
    campaign: str | None = None
    unit: str | None = None
    channel: str | None = None
    event: str | None = None
    endpoint: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = 1000


def status(ledger: Ledger, now: datetime | None = None) -> dict[str, Any]:
    """Counts by state per campaign and channel, and the oldest overdue open post."""
    now = now or utcnow()
    with ledger.session() as session:
        campaigns = {c.id: c for c in session.scalars(select(CampaignRow))}
        rows = session.execute(
            select(Post.campaign_id, Post.channel, Post.state, func.count())
            .group_by(Post.campaign_id, Post.channel, Post.state)).all()
        overdue = session.execute(
            select(Post.id, Post.key, Post.campaign_id, Post.channel, Post.endpoint_id,
                   Post.due_at, Post.state)
            .where(Post.state.in_(OPEN_STATES), Post.available_at <= now)
            .order_by(Post.available_at).limit(1)).first()
        confirmations = session.execute(
            select(Post.campaign_id, Post.confirmation, func.count())
            .where(Post.confirmation.is_not(None))
            .group_by(Post.campaign_id, Post.confirmation)).all()
    out: dict[str, Any] = {"campaigns": {}, "oldest_overdue": None}
    for cid, camp in campaigns.items():
        out["campaigns"][cid] = {
            "title": camp.title, "approved": camp.approved, "approved_by": camp.approved_by,
            "period": [camp.period_start.isoformat(), camp.period_end.isoformat()],
            "report_due": camp.report_due.isoformat() if camp.report_due else None,
            "channels": {}, "totals": defaultdict(int), "confirmations": {},
        }
    for cid, channel, state, count in rows:
        entry = out["campaigns"].setdefault(cid, {"channels": {}, "totals": defaultdict(int)})
        entry["channels"].setdefault(channel, {})[state] = count
        entry["totals"][state] += count
    for cid, confirmation, count in confirmations:
        out["campaigns"][cid]["confirmations"][confirmation] = count
    for entry in out["campaigns"].values():
        entry["totals"] = dict(entry["totals"])
    if overdue:
        out["oldest_overdue"] = {
            "post_id": overdue.id, "key": overdue.key, "campaign": overdue.campaign_id,
            "channel": overdue.channel, "endpoint": overdue.endpoint_id,
            "due_at": overdue.due_at.isoformat(), "state": overdue.state,
            "late_seconds": int((now - overdue.due_at).total_seconds()),
        }
    return out


def workers(ledger: Ledger, now: datetime | None = None,
            run_dir: Path | None = None) -> list[dict[str, Any]]:
    """Running ``campaign run`` workers: what each lane delivers now, and any database fault.

    A worker rewrites its row every few seconds; one silent for over 30 s is shown as not
    alive (killed, or its machine lost the database). Faults a worker could not write to the
    ledger (read-only, full disk) come from its note in ``var/run`` on this machine.
    """
    now = now or utcnow()
    out: dict[str, dict[str, Any]] = {}
    with ledger.session() as session:
        for row in session.scalars(select(Worker).order_by(Worker.owner)):
            out[row.owner] = {
                "owner": row.owner, "host": row.host, "pid": row.pid, "lanes": row.lanes,
                "started_at": row.started_at.isoformat(),
                "heartbeat_at": row.heartbeat_at.isoformat(),
                "alive": (now - row.heartbeat_at).total_seconds() <= 30,
                "delivering": list(row.jobs or []), "fault": row.fault}
    for note in sorted(run_dir.glob("worker-*.json")) if run_dir and run_dir.is_dir() else []:
        try:
            data = json.loads(note.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        entry = out.setdefault(str(data.get("owner")), {"owner": data.get("owner"),
                                                         "pid": data.get("pid"),
                                                         "delivering": []})
        if data.get("fault"):
            entry["fault"] = data["fault"]
            entry["fault_at"] = data.get("at")
    return list(out.values())


def log_entries(ledger: Ledger, flt: LogFilter) -> list[LogRow]:
    """Delivery log rows, newest first, joined with their post for unit and channel."""
    stmt = (select(LogEntry, Post.unit_id, Post.channel, Post.key, Post.message_id,
                   Post.endpoint_id.label("post_endpoint"), Post.campaign_id.label("post_campaign"))
            .outerjoin(Post, Post.id == LogEntry.post_id)
            .order_by(LogEntry.at.desc(), LogEntry.id.desc()))
    if flt.campaign:
        stmt = stmt.where(func.coalesce(LogEntry.campaign_id, Post.campaign_id) == flt.campaign)
    if flt.unit:
        stmt = stmt.where(Post.unit_id == flt.unit)
    if flt.channel:
        stmt = stmt.where(Post.channel == flt.channel)
    if flt.event:
        stmt = stmt.where(LogEntry.event == flt.event)
    if flt.endpoint:
        stmt = stmt.where(func.coalesce(LogEntry.endpoint_id, Post.endpoint_id) == flt.endpoint)
    if flt.since:
        stmt = stmt.where(LogEntry.at >= flt.since)
    if flt.until:
        stmt = stmt.where(LogEntry.at < flt.until)
    if flt.limit:
        stmt = stmt.limit(flt.limit)
    with ledger.session() as session:
        rows = session.execute(stmt).all()
    # "claimed" rows carry no campaign id of their own: their post's is the one people expect.
    return [LogRow(
        id=entry.id, at=entry.at, event=entry.event,
        campaign=entry.campaign_id or post_campaign, post_id=entry.post_id,
        post_key=key, unit=unit, channel=channel, message=message_id,
        endpoint=entry.endpoint_id or post_endpoint, actor=entry.actor,
        detail=entry.detail,
    ) for entry, unit, channel, key, message_id, post_endpoint, post_campaign in rows]


# ---------------------------------------------------------------------------- dashboard & report
# The web dashboard and the results report read through the functions below. Each is one or two
# indexed queries (see migration 0002) so that a page stays fast on a million-row log.

PROGRESS_KEYS = ("planned", "sent", "failed", "unconfirmed", "expired", "confirmed", "open")
"""What a manager wants per channel: planned (not cancelled), delivered, failed, unknown outcome,
window missed, confirmed as played by a person, still to go."""


def _progress_bucket() -> dict[str, int]:
    return dict.fromkeys(PROGRESS_KEYS, 0)


def campaign_progress(ledger: Ledger,
                      campaign_id: str | None = None) -> dict[str, CampaignProgress]:
    """Per campaign: its row facts and progress counts per channel (and a total).

    One GROUP BY over the posts, covered by ``ix_posts_progress``.
    """
    from schedules.models import CANCELLED, EXPIRED, FAILED, SENT, UNCONFIRMED

    stmt = select(Post.campaign_id, Post.channel, Post.state, Post.confirmation, func.count())
    if campaign_id:
        stmt = stmt.where(Post.campaign_id == campaign_id)
    stmt = stmt.group_by(Post.campaign_id, Post.channel, Post.state, Post.confirmation)
    camp_stmt = select(CampaignRow).order_by(CampaignRow.period_start.desc(), CampaignRow.id)
    if campaign_id:
        camp_stmt = camp_stmt.where(CampaignRow.id == campaign_id)
    with ledger.session() as session:
        camps = list(session.scalars(camp_stmt))
        rows = session.execute(stmt).all()
    out: dict[str, CampaignProgress] = {}
    for camp in camps:
        definition = camp.definition or {}
        out[camp.id] = CampaignProgress(
            id=camp.id, title=camp.title, timezone=camp.timezone,
            priority=camp.priority, period_start=camp.period_start,
            period_end=camp.period_end, report_due=camp.report_due,
            report_to=definition.get("report_to"), approved=camp.approved,
            approved_by=camp.approved_by, approved_at=camp.approved_at,
            ever_approved=camp.approved_hash is not None or camp.approved_definition is not None,
            channels={}, total=_progress_bucket(),
        )
    for cid, channel, state, confirmation, count in rows:
        entry = out.get(cid)
        if entry is None:
            continue
        bucket = entry["channels"].setdefault(channel, _progress_bucket())
        for target in (bucket, entry["total"]):
            if state != CANCELLED:
                target["planned"] += count
            if state == SENT:
                target["sent"] += count
            elif state == FAILED:
                target["failed"] += count
            elif state == UNCONFIRMED:
                target["unconfirmed"] += count
            elif state == EXPIRED:
                target["expired"] += count
            elif state in (*OPEN_STATES, "claimed"):
                target["open"] += count
            if confirmation == "played":
                target["confirmed"] += count
    for entry in out.values():
        order = ("facebook", "zalo", "led", "loudspeaker")
        entry["channels"] = {c: entry["channels"][c] for c in
                             sorted(entry["channels"], key=lambda c: (c not in order,
                                                                      order.index(c) if c in order
                                                                      else 0, c))}
    return out


def confirmation_grid(ledger: Ledger, campaign_id: str, *, units: list[str] | None = None,
                      channel: str = "loudspeaker") -> dict[tuple[str, str], dict[str, int]]:
    """Loudspeaker evidence per (unit, local day): counts of received / played / not_played /
    none among posts that were due (not cancelled), and of those ``expired`` (never sent), plus
    ``cancelled`` posts (not counted as due). Keys use the ISO local date.

    Grouped by the UTC slot instant in SQL (covered by ``ix_posts_grid``) and folded into local
    days here: a campaign has only a few slots a day, so this is a handful of rows per unit.
    """
    from zoneinfo import ZoneInfo

    from schedules.models import CANCELLED

    stmt = (select(Post.unit_id, Post.slot_at, Post.confirmation, Post.state, func.count())
            .where(Post.campaign_id == campaign_id, Post.channel == channel))
    if units is not None:
        stmt = stmt.where(Post.unit_id.in_(units))
    stmt = stmt.group_by(Post.unit_id, Post.slot_at, Post.confirmation, Post.state)
    with ledger.session() as session:
        zone_name = session.scalar(select(CampaignRow.timezone)
                                   .where(CampaignRow.id == campaign_id)) or "Asia/Ho_Chi_Minh"
        rows = session.execute(stmt).all()
    zone = ZoneInfo(zone_name)
    grid: dict[tuple[str, str], dict[str, int]] = {}
    for unit_id, slot_at, confirmation, state, count in rows:
        day = slot_at.astimezone(zone).date().isoformat()
        cell = grid.setdefault((unit_id, day), {"received": 0, "played": 0, "not_played": 0,
                                                "none": 0, "due": 0, "expired": 0,
                                                "cancelled": 0})
        if state == CANCELLED:
            cell["cancelled"] += count
            continue
        cell[confirmation or "none"] += count
        cell["due"] += count
        if state == "expired":
            cell["expired"] += count
    return grid


def grid_units(ledger: Ledger, campaign_id: str, channel: str = "loudspeaker") -> list[str]:
    """Units that have posts on ``channel`` in the campaign (the rows of the grid)."""
    with ledger.session() as session:
        return list(session.scalars(
            select(Post.unit_id).where(Post.campaign_id == campaign_id, Post.channel == channel)
            .group_by(Post.unit_id).order_by(Post.unit_id)))


def upcoming(ledger: Ledger, now: datetime | None = None, *, days: int = 7,
             campaign_id: str | None = None, limit: int = 200) -> dict[str, Any]:
    """Open posts due in the next ``days``: counts per UTC slot instant and channel (the caller
    folds them into local days), and the first ``limit`` posts in time order."""
    from datetime import timedelta

    now = now or utcnow()
    end = now + timedelta(days=days)
    where = [Post.state.in_(OPEN_STATES), Post.available_at >= now, Post.available_at < end]
    if campaign_id:
        where.append(Post.campaign_id == campaign_id)
    with ledger.session() as session:
        counts = session.execute(
            select(Post.slot_at, Post.channel, func.count()).where(*where)
            .group_by(Post.slot_at, Post.channel)).all()
        posts = session.execute(
            select(Post.id, Post.campaign_id, Post.message_id, Post.channel, Post.unit_id,
                   Post.endpoint_id, Post.slot_at, Post.available_at, Post.state)
            .where(*where).order_by(Post.available_at, Post.id).limit(limit)).all()
    return {"counts": [(slot, channel, count) for slot, channel, count in counts],
            "posts": [dict(r._mapping) for r in posts], "start": now, "end": end}


def _campaign_log_bound(session: Any, campaign_id: str) -> datetime | None:
    """The newest instant at which the campaign has a log row, for a campaign filter.

    "claimed" rows carry no campaign id (only their post's), so a campaign filter must walk the
    log newest first testing each row; for an old campaign that means skipping every newer row.
    Every claim is followed by an outcome row that does carry the campaign id, or its post is
    still claimed (its ``updated_at`` is the claim instant), so starting the walk at the later of
    those two maxima loses nothing. Both come from an index (ix_log_campaign_at,
    ix_posts_campaign).
    """
    from schedules.models import CLAIMED

    tagged = session.scalar(select(func.max(LogEntry.at))
                            .where(LogEntry.campaign_id == campaign_id))
    in_flight = session.scalar(select(func.max(Post.updated_at))
                               .where(Post.campaign_id == campaign_id, Post.state == CLAIMED))
    found = [t for t in (tagged, in_flight) if t is not None]
    return max(found) if found else None


def _log_stmt(flt: LogFilter, upper: datetime | None = None) -> Any:
    """The delivery log query shared by :func:`log_page` and :func:`iter_log` (same filters as
    :func:`log_entries`, shaped for SQLite's planner on a big log: the campaign filter avoids
    COALESCE and takes an upper time bound, see :func:`_campaign_log_bound`)."""
    from sqlalchemy import and_, or_

    stmt = (select(LogEntry.id, LogEntry.at, LogEntry.event, LogEntry.campaign_id,
                   LogEntry.post_id, LogEntry.endpoint_id, LogEntry.actor, LogEntry.detail,
                   Post.unit_id, Post.channel, Post.key, Post.message_id,
                   Post.campaign_id.label("post_campaign"),
                   Post.endpoint_id.label("post_endpoint"))
            .outerjoin(Post, Post.id == LogEntry.post_id))
    if flt.campaign:
        # ``campaign_id || ''`` hides the column from the planner on purpose: without ANALYZE
        # statistics (a centre's SQLite file never gets them) SQLite would fetch both halves of
        # this OR through ix_log_campaign_at and sort them all; walking the log newest first
        # from the campaign's bound finds a page in a few hundred rows (735 ms → a few ms).
        tagged = LogEntry.campaign_id.op("||")("")
        stmt = stmt.where(or_(tagged == flt.campaign,
                              and_(tagged.is_(None), Post.campaign_id == flt.campaign)))
    if flt.unit:
        stmt = stmt.where(Post.unit_id == flt.unit)
    if flt.channel and flt.unit:
        stmt = stmt.where(Post.channel == flt.channel)
    elif flt.channel:
        # A channel is a large share of the log: walk the log newest first and test each row's
        # post. The COALESCE keeps SQLite from turning the outer join into a scan of every post
        # followed by a sort of all their log rows (136 ms → 2 ms on a million rows).
        stmt = stmt.where(func.coalesce(Post.channel, "") == flt.channel)
    if flt.event:
        stmt = stmt.where(LogEntry.event == flt.event)
    if flt.endpoint:
        stmt = stmt.where(or_(LogEntry.endpoint_id == flt.endpoint,
                              and_(LogEntry.endpoint_id.is_(None),
                                   Post.endpoint_id == flt.endpoint)))
    if flt.since:
        stmt = stmt.where(LogEntry.at >= flt.since)
    if flt.until:
        stmt = stmt.where(LogEntry.at < flt.until)
    if upper is not None:
        stmt = stmt.where(LogEntry.at <= upper)
    return stmt


def _log_row(row: Any) -> LogRow:
    return LogRow(id=row.id, at=row.at, event=row.event,
                  campaign=row.campaign_id or row.post_campaign, post_id=row.post_id,
                  post_key=row.key, unit=row.unit_id, channel=row.channel,
                  message=row.message_id, endpoint=row.endpoint_id or row.post_endpoint,
                  actor=row.actor, detail=row.detail or {})


def log_page(ledger: Ledger, flt: LogFilter, *, page: int = 1,
             per_page: int = 100) -> tuple[list[LogRow], bool]:
    """One page of the log, newest first, and whether a next page exists (no COUNT(*): on a
    million rows the count alone would cost more than the page)."""
    page = max(1, page)
    with ledger.session() as session:
        upper = _campaign_log_bound(session, flt.campaign) if flt.campaign else None
        if flt.campaign and upper is None:
            return [], False
        stmt = (_log_stmt(flt, upper).order_by(LogEntry.at.desc(), LogEntry.id.desc())
                .offset((page - 1) * per_page).limit(per_page + 1))
        rows = [_log_row(r) for r in session.execute(stmt)]
    return rows[:per_page], len(rows) > per_page


def iter_log(ledger: Ledger, flt: LogFilter, *, batch: int = 5000,
             oldest_first: bool = False) -> Iterator[LogRow]:
    """Every matching log row, streamed in keyset batches (exports of the full log must not
    hold a million dicts in memory nor keep one read transaction open for minutes)."""
    from sqlalchemy import and_, or_

    last: tuple[Any, int] | None = None
    remaining = flt.limit
    upper = None
    if flt.campaign:
        with ledger.session() as session:
            upper = _campaign_log_bound(session, flt.campaign)
        if upper is None:
            return
    while True:
        stmt = _log_stmt(flt, upper)
        if oldest_first:
            stmt = stmt.order_by(LogEntry.at, LogEntry.id)
            if last is not None:
                stmt = stmt.where(or_(LogEntry.at > last[0],
                                      and_(LogEntry.at == last[0], LogEntry.id > last[1])))
        else:
            stmt = stmt.order_by(LogEntry.at.desc(), LogEntry.id.desc())
            if last is not None:
                stmt = stmt.where(or_(LogEntry.at < last[0],
                                      and_(LogEntry.at == last[0], LogEntry.id < last[1])))
        size = batch if remaining is None else min(batch, remaining)
        if size <= 0:
            return
        with ledger.session() as session:
            rows = [_log_row(r) for r in session.execute(stmt.limit(size))]
        yield from rows
        if remaining is not None:
            remaining -= len(rows)
        if len(rows) < size:
            return
        last = (rows[-1]["at"], rows[-1]["id"])


def post_detail(ledger: Ledger, post_id: int) -> dict[str, Any] | None:
    """A post, its content, its campaign's title and zone, and its full history (oldest first)."""
    from schedules.models import Content

    with ledger.session() as session:
        row = session.execute(
            select(Post, Content.body, CampaignRow.title, CampaignRow.timezone)
            .join(Content, Content.hash == Post.content_hash)
            .join(CampaignRow, CampaignRow.id == Post.campaign_id)
            .where(Post.id == post_id)).first()
        if row is None:
            return None
        post, body, title, zone = row
        history = session.execute(
            select(LogEntry).where(LogEntry.post_id == post_id)
            .order_by(LogEntry.at, LogEntry.id)).scalars().all()
    data = {c.key: getattr(post, c.key) for c in Post.__table__.columns}
    data.update(content=body, campaign_title=title, timezone=zone)
    data["history"] = [{"id": e.id, "at": e.at, "event": e.event, "actor": e.actor,
                        "detail": e.detail or {}} for e in history]
    return data


def problem_posts(ledger: Ledger, *, campaign_id: str | None = None,
                  limit: int = 500) -> list[ProblemPost]:
    """Failed and unconfirmed posts, newest problem first: the operator's work queue."""
    from schedules.models import FAILED, UNCONFIRMED

    stmt = (select(Post.id, Post.key, Post.campaign_id, Post.message_id, Post.channel,
                   Post.unit_id, Post.endpoint_id, Post.slot_at, Post.state, Post.attempts,
                   Post.last_error, Post.updated_at)
            .where(Post.state.in_((FAILED, UNCONFIRMED))))
    if campaign_id:
        stmt = stmt.where(Post.campaign_id == campaign_id)
    stmt = stmt.order_by(Post.updated_at.desc(), Post.id.desc()).limit(limit)
    with ledger.session() as session:
        return [ProblemPost(id=r.id, key=r.key, campaign_id=r.campaign_id,
                            message_id=r.message_id, channel=r.channel, unit_id=r.unit_id,
                            endpoint_id=r.endpoint_id, slot_at=r.slot_at, state=r.state,
                            attempts=r.attempts, last_error=r.last_error,
                            updated_at=r.updated_at)
                for r in session.execute(stmt)]


def campaign_record(ledger: Ledger, campaign_id: str) -> dict[str, Any] | None:
    """The campaign row as plain data (definition included) for pages and the report."""
    with ledger.session() as session:
        camp = session.get(CampaignRow, campaign_id)
        if camp is None:
            return None
        return {c.key: getattr(camp, c.key) for c in CampaignRow.__table__.columns} | {
            "approved": camp.approved}


def delivery_summary(ledger: Ledger, campaign_id: str) -> DeliverySummary:
    """What the results report states: per channel and per unit, how many posts were planned,
    sent, confirmed, with first and last delivery instants; and per unit the loudspeaker
    broadcasts that were sent but never confirmed as played."""
    from schedules.models import CANCELLED, SENT

    with ledger.session() as session:
        rows = session.execute(
            select(Post.unit_id, Post.channel, Post.state, Post.confirmation, func.count(),
                   func.min(Post.slot_at), func.max(Post.slot_at))
            .where(Post.campaign_id == campaign_id)
            .group_by(Post.unit_id, Post.channel, Post.state, Post.confirmation)).all()
    by_channel: dict[str, dict[str, Any]] = {}
    by_unit: dict[str, dict[str, dict[str, Any]]] = {}
    for unit_id, channel, state, confirmation, count, first_at, last_at in rows:
        for bucket in (by_channel.setdefault(channel, {}),
                       by_unit.setdefault(unit_id, {}).setdefault(channel, {})):
            for key in ("planned", "sent", "played", "not_played", "received", "failed",
                        "unconfirmed", "expired"):
                bucket.setdefault(key, 0)
            bucket.setdefault("first", None)
            bucket.setdefault("last", None)
            if state == CANCELLED:
                continue
            bucket["planned"] += count
            if state in ("failed", "unconfirmed", "expired"):
                bucket[state] += count
            if state == SENT:
                bucket["sent"] += count
                bucket["first"] = first_at if bucket["first"] is None else min(bucket["first"],
                                                                                first_at)
                bucket["last"] = last_at if bucket["last"] is None else max(bucket["last"],
                                                                             last_at)
            if confirmation in ("played", "not_played", "received"):
                bucket[confirmation] += count
    unconfirmed_units = {
        unit: chans["loudspeaker"]["sent"] - chans["loudspeaker"]["played"]
        for unit, chans in by_unit.items()
        if "loudspeaker" in chans and chans["loudspeaker"]["sent"] > chans["loudspeaker"]["played"]
    }
    return DeliverySummary(by_channel=by_channel, by_unit=by_unit,
                           unconfirmed_units=unconfirmed_units)


def campaign_titles(ledger: Ledger) -> list[tuple[str, str]]:
    """(id, title) of every campaign, newest period first: for filter drop-downs, which must
    not pay for a progress count over every post."""
    with ledger.session() as session:
        return [(r.id, r.title) for r in session.execute(
            select(CampaignRow.id, CampaignRow.title)
            .order_by(CampaignRow.period_start.desc(), CampaignRow.id))]


# --------------------------------------------------------------------------- ward-staff bot
@dataclass(frozen=True)
class PressablePost:
    """What the bot needs to judge a button press on a post."""

    id: int
    campaign_id: str
    endpoint_id: str
    state: str
    confirmation: str | None
    slot_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StationSlot:
    """One line of ``/lich``: a post of a station on the asked day."""

    endpoint_id: str
    slot_at: datetime
    state: str
    confirmation: str | None
    title: str


@dataclass(frozen=True)
class ReminderCandidate:
    """A sent post of a station that a reminder may concern (the bot decides which kind)."""

    id: int
    campaign_id: str
    endpoint_id: str
    slot_at: datetime
    expires_at: datetime | None
    confirmation: str | None
    external_id: str | None
    title: str


def _title(body: Any, campaign_title: str) -> str:
    """The message's own title when it has one, else the campaign's."""
    return str((body or {}).get("title") or campaign_title)


def pressable_post(ledger: Ledger, post_id: int) -> PressablePost | None:
    """The post a button names, or None when it does not exist (re-planned away)."""
    with ledger.session() as session:
        row = session.execute(
            select(Post.id, Post.campaign_id, Post.endpoint_id, Post.state, Post.confirmation,
                   Post.slot_at, Post.updated_at).where(Post.id == post_id)).first()
    return None if row is None else PressablePost(*row)


def standing_confirmation(ledger: Ledger, post_id: int) -> tuple[str, datetime] | None:
    """The post's standing confirmation and when it was last pressed (None: unconfirmed)."""
    with ledger.session() as session:
        post = session.execute(select(Post.confirmation, Post.updated_at)
                               .where(Post.id == post_id)).first()
        if post is None or post.confirmation is None:
            return None
        at = session.scalars(
            select(LogEntry.at).where(LogEntry.post_id == post_id,
                                      LogEntry.event == post.confirmation)
            .order_by(LogEntry.at.desc(), LogEntry.id.desc()).limit(1)).first()
    return post.confirmation, at or post.updated_at


def station_schedule(ledger: Ledger, endpoint_ids: list[str], start: datetime,
                     end: datetime) -> list[StationSlot]:
    """Posts of these endpoints with ``start ≤ slot < end`` that are not cancelled, in order."""
    from schedules.models import CANCELLED, Content

    with ledger.session() as session:
        rows = session.execute(
            select(Post.endpoint_id, Post.slot_at, Post.state, Post.confirmation,
                   Content.body, CampaignRow.title)
            .join(Content, Content.hash == Post.content_hash)
            .join(CampaignRow, CampaignRow.id == Post.campaign_id)
            .where(Post.endpoint_id.in_(endpoint_ids), Post.slot_at >= start,
                   Post.slot_at < end, Post.state != CANCELLED)
            .order_by(Post.slot_at, Post.id)).all()
    return [StationSlot(r.endpoint_id, r.slot_at, r.state, r.confirmation,
                        _title(r.body, r.title)) for r in rows]


def reminder_candidates(ledger: Ledger, endpoint_ids: list[str], *, since: datetime,
                        until: datetime) -> tuple[list[ReminderCandidate], set[tuple[int, str]]]:
    """Sent posts of these endpoints with ``since ≤ slot ≤ until``, and the (post id, kind)
    reminders already logged for them, so none is sent twice."""
    from schedules.models import SENT, Content

    with ledger.session() as session:
        rows = session.execute(
            select(Post.id, Post.campaign_id, Post.endpoint_id, Post.slot_at, Post.expires_at,
                   Post.confirmation, Post.external_id, Content.body, CampaignRow.title)
            .join(Content, Content.hash == Post.content_hash)
            .join(CampaignRow, CampaignRow.id == Post.campaign_id)
            .where(Post.endpoint_id.in_(endpoint_ids), Post.state == SENT,
                   Post.slot_at <= until, Post.slot_at >= since)
            .order_by(Post.slot_at, Post.id)).all()
        done: set[tuple[int, str]] = set()
        if rows:
            for post_id, detail in session.execute(
                    select(LogEntry.post_id, LogEntry.detail)
                    .where(LogEntry.event == "reminded",
                           LogEntry.post_id.in_([r.id for r in rows]))):
                kind = (detail or {}).get("kind")
                if post_id is not None and isinstance(kind, str):
                    done.add((post_id, kind))
    candidates = [ReminderCandidate(r.id, r.campaign_id, r.endpoint_id, r.slot_at, r.expires_at,
                                    r.confirmation, r.external_id, _title(r.body, r.title))
                  for r in rows]
    return candidates, done


# --------------------------------------------------------------------------- evidence (#17)
@dataclass(frozen=True)
class EvidencePhoto:
    """A photo a ward officer sent as proof a printed product was hung.

    ``file`` is relative to the workspace's evidence store (``var/evidence``); ``sha256`` is
    its content address. ``at`` is when the bot received it (UTC), ``actor`` who sent it.
    """

    log_id: int
    post_id: int
    campaign_id: str
    endpoint_id: str
    unit_id: str
    message_id: str
    at: datetime
    actor: str | None
    sha256: str
    file: str
    width: int | None
    height: int | None


def evidence_photos(ledger: Ledger, *, campaign_id: str | None = None,
                    post_id: int | None = None) -> list[EvidencePhoto]:
    """Every stored photo of hung materials (oldest first), for the dashboard and the report."""
    stmt = (select(LogEntry.id, LogEntry.post_id, LogEntry.at, LogEntry.actor, LogEntry.detail,
                   Post.campaign_id, Post.endpoint_id, Post.unit_id, Post.message_id)
            .join(Post, Post.id == LogEntry.post_id)
            .where(LogEntry.event == "hung"))
    if campaign_id is not None:
        stmt = stmt.where(Post.campaign_id == campaign_id)
    if post_id is not None:
        stmt = stmt.where(LogEntry.post_id == post_id)
    with ledger.session() as session:
        rows = session.execute(stmt.order_by(LogEntry.at, LogEntry.id)).all()
    out = []
    for r in rows:
        detail = r.detail or {}
        if not detail.get("sha256") or not detail.get("file"):
            continue
        out.append(EvidencePhoto(r.id, r.post_id, r.campaign_id, r.endpoint_id, r.unit_id,
                                 r.message_id, r.at, r.actor, str(detail["sha256"]),
                                 str(detail["file"]), detail.get("width"), detail.get("height")))
    return out


@dataclass(frozen=True)
class EvidenceTarget:
    """The post a ward officer's photo or an editor's "Đã đăng" answers."""

    id: int
    campaign_id: str
    endpoint_id: str
    channel: str
    state: str
    confirmation: str | None
    title: str


def evidence_target(ledger: Ledger, endpoint_ids: list[str], *,
                    telegram_message_id: int | None = None,
                    channel: str | None = None) -> list[EvidenceTarget]:
    """Posts of these endpoints that a reply to ``telegram_message_id`` answers (the adapter
    keeps the last message id it sent as the post's external id); without a message id, the
    sent posts of ``channel`` still waiting for evidence (newest first)."""
    from schedules.models import CLAIMED, SENT, UNCONFIRMED, Content

    stmt = (select(Post.id, Post.campaign_id, Post.endpoint_id, Post.channel, Post.state,
                   Post.confirmation, Content.body, CampaignRow.title)
            .join(Content, Content.hash == Post.content_hash)
            .join(CampaignRow, CampaignRow.id == Post.campaign_id)
            .where(Post.endpoint_id.in_(endpoint_ids)))
    if telegram_message_id is not None:
        stmt = stmt.where(Post.external_id == str(telegram_message_id))
    else:
        stmt = stmt.where(Post.state.in_((SENT, UNCONFIRMED, CLAIMED)),
                          Post.confirmation.is_(None))
        if channel is not None:
            stmt = stmt.where(Post.channel == channel)
    with ledger.session() as session:
        rows = session.execute(stmt.order_by(Post.due_at.desc(), Post.id.desc())).all()
    return [EvidenceTarget(r.id, r.campaign_id, r.endpoint_id, r.channel, r.state,
                           r.confirmation, _title(r.body, r.title)) for r in rows]


# --------------------------------------------------------------------------- ward reports
@dataclass(frozen=True)
class WardReportRow:
    """One stored ward report; ``corrected_by`` is the id of the entry that replaced it."""

    id: int
    campaign_id: str
    unit_id: str
    kind: str
    day: Any
    times: int
    participants: int | None
    note: str
    photos: tuple[str, ...]
    reporter: str
    via: str
    telegram_user: int | None
    web_user: str | None
    created_at: datetime
    corrects: int | None
    corrected_by: int | None = None


def ward_reports(ledger: Ledger, campaign_id: str | None = None, *, unit: str | None = None,
                 current_only: bool = True) -> list[WardReportRow]:
    """Ward reports in the order they were made; by default only the current ones (a
    correction hides the entry it corrects, which stays stored as evidence)."""
    from schedules.models import WardReport

    stmt = select(WardReport).order_by(WardReport.day, WardReport.id)
    if campaign_id is not None:
        stmt = stmt.where(WardReport.campaign_id == campaign_id)
    if unit is not None:
        stmt = stmt.where(WardReport.unit_id == unit)
    with ledger.session() as session:
        rows = list(session.scalars(stmt))
    replaced = {r.corrects: r.id for r in rows if r.corrects is not None}
    out = [WardReportRow(r.id, r.campaign_id, r.unit_id, r.kind, r.day, r.times,
                         r.participants, r.note, tuple(r.photos or ()), r.reporter, r.via,
                         r.telegram_user, r.web_user, r.created_at, r.corrects,
                         replaced.get(r.id)) for r in rows]
    return [r for r in out if r.corrected_by is None] if current_only else out


def ward_report(ledger: Ledger, report_id: int) -> WardReportRow | None:
    """One ward report by id (None when unknown), with the id of its correction if any."""
    from schedules.models import WardReport

    with ledger.session() as session:
        row = session.get(WardReport, report_id)
        if row is None:
            return None
        newer = session.scalar(select(WardReport.id).where(WardReport.corrects == report_id)
                               .limit(1))
        return WardReportRow(row.id, row.campaign_id, row.unit_id, row.kind, row.day, row.times,
                             row.participants, row.note, tuple(row.photos or ()), row.reporter,
                             row.via, row.telegram_user, row.web_user, row.created_at,
                             row.corrects, newer)


def reportable_campaigns(ledger: Ledger) -> list[dict[str, Any]]:
    """Campaigns a ward may report on: id, title, period, report due and targets, newest
    period first (the caller keeps those whose targets include the ward)."""
    with ledger.session() as session:
        return [{"id": c.id, "title": c.title, "period_start": c.period_start,
                 "period_end": c.period_end, "report_due": c.report_due,
                 "targets": list((c.definition or {}).get("targets") or [])}
                for c in session.scalars(select(CampaignRow).order_by(
                    CampaignRow.period_start.desc(), CampaignRow.id))]


def report_reminders_sent(ledger: Ledger, campaign_id: str) -> set[tuple[str, str]]:
    """(unit, local day) of the report-due reminders already sent for a campaign."""
    with ledger.session() as session:
        rows = session.scalars(select(LogEntry.detail).where(
            LogEntry.event == "reminded", LogEntry.campaign_id == campaign_id,
            LogEntry.post_id.is_(None)))
        return {(str(d.get("unit")), str(d.get("day"))) for d in rows
                if d and d.get("kind") == "report_due"}


def broadcast_measures(ledger: Ledger, campaign_id: str) -> dict[str, dict[str, float]]:
    """Per unit: seconds of loudspeaker airtime confirmed played (the audio length the sent
    receipt recorded) and hours LED boards showed the campaign (one day-part per board, however
    many slogans it rotated)."""
    from schedules.models import SENT

    out: dict[str, dict[str, float]] = defaultdict(lambda: {"airtime_seconds": 0.0,
                                                             "led_hours": 0.0})
    with ledger.session() as session:
        played = session.execute(
            select(Post.unit_id, LogEntry.detail)
            .join(LogEntry, LogEntry.post_id == Post.id)
            .where(Post.campaign_id == campaign_id, Post.channel == "loudspeaker",
                   Post.confirmation == "played", LogEntry.event == SENT)).all()
        boards = session.execute(
            select(Post.unit_id, Post.endpoint_id, Post.slot_at, Post.expires_at)
            .where(Post.campaign_id == campaign_id, Post.channel == "led", Post.state == SENT)
            .group_by(Post.unit_id, Post.endpoint_id, Post.slot_at, Post.expires_at)).all()
    for unit_id, detail in played:
        seconds = (detail or {}).get("duration_seconds")
        if isinstance(seconds, int | float):
            out[unit_id]["airtime_seconds"] += float(seconds)
    for unit_id, _endpoint, slot_at, expires_at in boards:
        if expires_at is not None:
            out[unit_id]["led_hours"] += (expires_at - slot_at).total_seconds() / 3600
    return dict(out)


# --------------------------------------------------------------------------- approval review
def review_notes(ledger: Ledger, campaign_id: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """The campaign's approvals, change requests and rejections, newest first, with the
    definition hash each was about (so a page can tell current from historical ones)."""
    with ledger.session() as session:
        rows = session.execute(
            select(LogEntry.at, LogEntry.event, LogEntry.actor, LogEntry.detail)
            .where(LogEntry.campaign_id == campaign_id,
                   LogEntry.event.in_(("approved", "change_request", "rejected")),
                   LogEntry.post_id.is_(None))
            .order_by(LogEntry.at.desc(), LogEntry.id.desc()).limit(limit)).all()
    return [{"at": r.at, "event": r.event, "actor": r.actor,
             "comment": (r.detail or {}).get("comment", ""),
             "definition_hash": (r.detail or {}).get("definition_hash", ""),
             "via": (r.detail or {}).get("via", "")} for r in rows]


def pending_approvals(ledger: Ledger) -> list[dict[str, Any]]:
    """Campaigns whose current definition is not approved: id, title, hash, period."""
    with ledger.session() as session:
        rows = session.execute(
            select(CampaignRow.id, CampaignRow.title, CampaignRow.definition_hash,
                   CampaignRow.approved_hash, CampaignRow.period_start, CampaignRow.period_end)
            .order_by(CampaignRow.period_start, CampaignRow.id)).all()
    return [{"id": r.id, "title": r.title, "definition_hash": r.definition_hash,
             "period_start": r.period_start, "period_end": r.period_end}
            for r in rows if r.approved_hash != r.definition_hash]


def approval_reminders_sent(ledger: Ledger, campaign_id: str,
                            definition_hash: str) -> datetime | None:
    """When the last reminder about approving this exact definition was logged (or None)."""
    with ledger.session() as session:
        entries = session.scalars(
            select(LogEntry)
            .where(LogEntry.campaign_id == campaign_id, LogEntry.event == "reminded",
                   LogEntry.post_id.is_(None))
            .order_by(LogEntry.at.desc()).limit(50)).all()
        for entry in entries:
            detail = entry.detail or {}
            if detail.get("kind") == "approval" and \
                    detail.get("definition_hash") == definition_hash:
                return entry.at
    return None
