"""Reminders to report results: from ``reminders.report_days_before`` days before a campaign's
``report_due`` until that day, each ward that owes a report and has reported nothing gets one
Telegram message a day in its station's chat.

A reminder is logged (``reminded`` with ``kind: report_due``, via
:func:`schedules.operations.record_report_reminders`) only after Telegram accepted it.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from campaign import queries
from campaign.bot.roster import Roster, TelegramAccess, quiet_http_logs, telegram_access
from campaign.ward_results import expected_units
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from schedules.models import utcnow
from schedules.operations import ReportReminderSent, record_report_reminders

__all__ = ["ReportDue", "due_report_reminders", "report_reminder_text", "send_report_reminders"]

logger = logging.getLogger("campaign.bot")


@dataclass(frozen=True)
class ReportDue:
    campaign_id: str
    title: str
    unit_id: str
    unit_name: str
    chat_id: str
    due: date
    today: date


def due_report_reminders(ws: Workspace, ledger: Ledger, roster: Roster,
                         now: datetime) -> list[ReportDue]:
    """Wards to remind now: in the window before a deadline, nothing reported, a station on
    Telegram, and not reminded yet today for that campaign."""
    days = ws.directory.data.reminders.report_days_before
    if not days or not roster:
        return []
    today = now.astimezone(ws.directory.zone).date()
    out: list[ReportDue] = []
    for camp in queries.reportable_campaigns(ledger):
        due = camp["report_due"]
        if due is None or not due - timedelta(days=days) <= today <= due:
            continue
        reported = {r.unit_id for r in queries.ward_reports(ledger, camp["id"])}
        done = queries.report_reminders_sent(ledger, camp["id"])
        for unit in expected_units(ws, camp["targets"]):
            if unit in reported or (unit, today.isoformat()) in done:
                continue
            chats = {s.chat_id: s.unit_name for s in roster.stations if s.unit_id == unit}
            for chat_id, name in chats.items():
                out.append(ReportDue(camp["id"], camp["title"], unit, name, chat_id, due, today))
    return out


def report_reminder_text(item: ReportDue) -> str:
    left = (item.due - item.today).days
    when = "hôm nay là hạn cuối" if left == 0 else f"còn {left} ngày"
    return (f"⏰ Nhắc báo cáo: chiến dịch «{item.title}» hạn báo cáo kết quả ngày "
            f"{item.due:%d/%m/%Y} ({when}). {item.unit_name} chưa gửi báo cáo nào. "
            "Gõ /baocao để báo cáo các hoạt động đã làm (hội nghị, tờ rơi, băng rôn, …) "
            "kèm ảnh minh chứng.")


def send_report_reminders(ws: Workspace, ledger: Ledger, *, now: datetime | None = None,
                          roster: Roster | None = None) -> list[ReportReminderSent]:
    """Send the report-due reminders due now and log them; returns what was sent."""
    now = now or utcnow()
    roster = roster or Roster.from_directory(ws.directory)
    due = due_report_reminders(ws, ledger, roster, now)
    if not due:
        return []
    access = telegram_access(ws)
    quiet_http_logs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        sent = asyncio.run(_send(access, due))
    record_report_reminders(ledger, sent, now=now)
    return sent


async def _send(access: TelegramAccess, due: list[ReportDue]) -> list[ReportReminderSent]:
    from telegram import Bot
    from telegram.error import RetryAfter, TelegramError

    out: list[ReportReminderSent] = []
    async with Bot(access.token, base_url=access.base_url,
                   base_file_url=access.base_file_url) as bot:
        for item in due:
            try:
                message = await bot.send_message(chat_id=item.chat_id,
                                                 text=report_reminder_text(item))
            except RetryAfter:
                logger.warning("telegram asked to slow down; remaining report reminders wait")
                break
            except TelegramError as exc:
                logger.warning("report reminder for %s not sent: %s", item.unit_id, exc)
                continue
            out.append(ReportReminderSent(item.campaign_id, item.unit_id, item.today.isoformat(),
                                          item.chat_id, message.message_id))
    return out
