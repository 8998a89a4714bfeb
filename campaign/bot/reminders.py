"""Reminders, sent once each: an officer who has not confirmed receipt shortly before the
session, or has not confirmed the broadcast some time after it ended.

A reminder is logged (``reminded``, via :func:`schedules.operations.record_reminders`) only
after Telegram accepted it, so one that failed is tried again on the next pass.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from campaign import queries
from campaign.bot.roster import Roster, Station, TelegramAccess, quiet_http_logs, telegram_access
from campaign.workspace import Workspace
from channels.loudspeaker import ACTIONS, callback_data
from schedules.ledger import Ledger
from schedules.models import utcnow
from schedules.operations import ReminderSent, record_reminders

__all__ = ["REMIND_AFTER", "REMIND_BEFORE", "REMIND_EVERY", "REMIND_STALE", "Reminder",
           "due_reminders", "reminder_text", "send_reminders"]

logger = logging.getLogger("campaign.bot")

REMIND_BEFORE = timedelta(minutes=15)
"""Remind when a sent post is not "received" this long before its session starts."""
REMIND_AFTER = timedelta(minutes=30)
"""Remind when a post is neither "played" nor "not played" this long after its session ended."""
REMIND_STALE = timedelta(hours=12)
"""Do not chase sessions older than this (e.g. when the service starts after a long stop)."""
REMIND_EVERY = 300.0
"""Seconds between reminder passes."""


@dataclass(frozen=True)
class Reminder:
    """One reminder that went out (and was logged as ``reminded``)."""

    post_id: int
    endpoint_id: str
    kind: str
    chat_id: str
    message_id: int
    text: str


@dataclass(frozen=True)
class Due:
    """A reminder to send now."""

    post_id: int
    campaign_id: str
    endpoint_id: str
    kind: str
    slot_at: datetime
    title: str
    reply_to: int | None


def due_reminders(ledger: Ledger, roster: Roster, now: datetime, *,
                  before: timedelta = REMIND_BEFORE, after: timedelta = REMIND_AFTER,
                  stale: timedelta = REMIND_STALE) -> list[Due]:
    """Posts sent to an officer that need a reminder now and have not had this one yet.

    before: sent, nothing confirmed, and ``slot − before ≤ now < session end``.
    after:  sent, neither played nor not played, and ``session end + after ≤ now`` (within
            ``stale`` of that moment).
    """
    if not roster:
        return []
    longest = timedelta(minutes=max(s.slot_minutes for s in roster.stations))
    rows, done = queries.reminder_candidates(ledger, roster.endpoint_ids(),
                                             since=now - longest - after - stale,
                                             until=now + before)
    out: list[Due] = []
    for row in rows:
        station = roster.station(row.endpoint_id)
        assert station is not None
        end = row.expires_at or row.slot_at + timedelta(minutes=station.slot_minutes)
        kind = None
        if row.confirmation is None and row.slot_at - before <= now < end:
            kind = "before"
        elif (row.confirmation not in ("played", "not_played")
              and end + after <= now < end + after + stale):
            kind = "after"
        if kind is None or (row.id, kind) in done:
            continue
        external_id = row.external_id or ""
        reply_to = int(external_id) if external_id.isdigit() else None
        out.append(Due(row.id, row.campaign_id, row.endpoint_id, kind, row.slot_at, row.title,
                       reply_to))
    return out


def reminder_text(due: Due, station: Station, zone: ZoneInfo) -> str:
    when = f"{due.slot_at.astimezone(zone):%H:%M ngày %d/%m}"
    if due.kind == "before":
        return (f"⏰ Nhắc nhở: bài «{due.title}» phát lúc {when} tại {station.unit_name} "
                "chưa được xác nhận đã nhận. Xin kiểm tra kịch bản, âm thanh và bấm «Đã nhận».")
    return (f"⏰ Nhắc nhở: buổi phát {when} tại {station.unit_name} đã kết thúc nhưng bài "
            f"«{due.title}» chưa được xác nhận. Xin bấm «Đã phát» hoặc «Không phát được».")


def send_reminders(ws: Workspace, ledger: Ledger, *, now: datetime | None = None,
                   before: timedelta = REMIND_BEFORE, after: timedelta = REMIND_AFTER,
                   roster: Roster | None = None) -> list[Reminder]:
    """Send the reminders due at ``now`` and log each as ``reminded``; returns what was sent.

    A reminder is logged only after Telegram accepted it, so one that failed is tried again on
    the next pass; one that was logged is never sent again.
    """
    now = now or utcnow()
    roster = roster or Roster.from_directory(ws.directory)
    due = due_reminders(ledger, roster, now, before=before, after=after)
    if not due:
        return []
    access = telegram_access(ws)
    quiet_http_logs()
    zone = ws.directory.zone
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        sent = asyncio.run(_send(access, roster, zone, due))
    record_reminders(ledger, [
        ReminderSent(item.post_id, item.campaign_id, item.endpoint_id,
                     {"kind": item.kind, "chat_id": reminder.chat_id,
                      "message_id": reminder.message_id})
        for reminder, item in sent], now=now)
    return [r for r, _ in sent]


async def _send(access: TelegramAccess, roster: Roster, zone: ZoneInfo,
                due: list[Due]) -> list[tuple[Reminder, Due]]:
    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
    from telegram.error import RetryAfter, TelegramError

    out: list[tuple[Reminder, Due]] = []
    async with Bot(access.token, base_url=access.base_url,
                   base_file_url=access.base_file_url) as bot:
        for item in due:
            station = roster.station(item.endpoint_id)
            assert station is not None
            actions = ["received", "played", "failed"] if item.kind == "before" \
                else ["played", "failed"]
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(
                ACTIONS[a], callback_data=callback_data(item.post_id, a)) for a in actions]])
            text = reminder_text(item, station, zone)
            reply = ReplyParameters(item.reply_to, allow_sending_without_reply=True) \
                if item.reply_to else None
            try:
                message = await bot.send_message(chat_id=station.chat_id, text=text,
                                                 reply_markup=markup, reply_parameters=reply)
            except RetryAfter:
                logger.warning("telegram asked to slow down; remaining reminders wait")
                break
            except TelegramError as exc:
                logger.warning("reminder for post %s not sent: %s", item.post_id, exc)
                continue
            out.append((Reminder(item.post_id, item.endpoint_id, item.kind, station.chat_id,
                                 message.message_id, text), item))
    return out
