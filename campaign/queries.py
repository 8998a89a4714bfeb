"""Read-only views of the ledger for people: status counts and the delivery log.

The CLI, the dashboard and the report all read through here, so they agree on numbers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from schedules.ledger import Ledger
from schedules.models import OPEN_STATES, LogEntry, Post, utcnow
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


def log_entries(ledger: Ledger, flt: LogFilter) -> list[dict[str, Any]]:
    """Delivery log rows, newest first, joined with their post for unit and channel."""
    stmt = (select(LogEntry, Post.unit_id, Post.channel, Post.key, Post.message_id,
                   Post.endpoint_id.label("post_endpoint"))
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
    return [{
        "id": entry.id, "at": entry.at, "event": entry.event,
        "campaign": entry.campaign_id, "post_id": entry.post_id, "post_key": key,
        "unit": unit, "channel": channel, "message": message_id,
        "endpoint": entry.endpoint_id or post_endpoint, "actor": entry.actor,
        "detail": entry.detail,
    } for entry, unit, channel, key, message_id, post_endpoint in rows]
