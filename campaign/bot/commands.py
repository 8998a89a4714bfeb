"""Commands typed in a registered chat: ``/lich`` (today's schedule) and ``/trogiup`` (help).

A command from an unregistered chat is logged as ``refused`` and answered with the chat id, so
the centre can register the group.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from campaign import queries
from campaign.bot.presses import CONFIRMATION_LABEL, REFUSALS
from campaign.bot.roster import chat_key
from schedules.models import SENT, STATE_LABEL
from schedules.operations import record_refusal

if TYPE_CHECKING:
    from campaign.bot.application import WardBot

__all__ = ["HELP_TEXT", "handlers", "refuse_command", "schedule_text"]

WEEKDAY = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]

HELP_TEXT = (
    "🤖 Bot loa truyền thanh phường — các lệnh:\n"
    "/lich — lịch phát thanh hôm nay của phường\n"
    "/baocao — báo cáo kết quả hoạt động (hội nghị, tờ rơi, băng rôn…) kèm ảnh\n"
    "/trogiup — danh sách lệnh\n\n"
    "Khi nhận được kịch bản và âm thanh, bấm «Đã nhận». Sau buổi phát, bấm «Đã phát» "
    "hoặc «Không phát được». Mỗi lần bấm đều được ghi vào sổ theo dõi."
)


def refuse_command(bot: WardBot, chat_id: int | str, user_id: int, user_name: str,
                   command: str) -> str:
    """Commands from an unregistered chat: logged, and the chat id is shown for onboarding."""
    record_refusal(bot.ledger, f"telegram:{user_id} {user_name}".strip(),
                   {"reason": "unknown_chat", "chat_id": chat_key(chat_id), "user_id": user_id,
                    "command": command[:32]}, now=bot.clock())
    return f"{REFUSALS['unknown_chat']} Mã nhóm (chat_id) để đăng ký: {chat_key(chat_id)}"


def schedule_text(bot: WardBot, chat_id: int | str, now: datetime | None = None) -> str:
    """Today's posts (local day) of the chat's stations: time, title, state, confirmation."""
    stations = bot.roster.chat(chat_id)
    now = now or bot.clock()
    today = now.astimezone(bot.zone).date()
    start = datetime.combine(today, time(0), tzinfo=bot.zone)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=bot.zone)
    rows = queries.station_schedule(bot.ledger, bot.roster.endpoint_ids(stations), start, end)
    lines = [f"📅 Lịch phát thanh hôm nay, {WEEKDAY[today.weekday()]} {today:%d/%m/%Y}"]
    for station in stations:
        mine = [r for r in rows if r.endpoint_id == station.endpoint_id]
        lines.append("")
        lines.append(f"📻 {station.unit_name}")
        if not mine:
            lines.append("Không có bài phát thanh nào.")
        for row in mine:
            state = STATE_LABEL.get(row.state, row.state)
            if row.confirmation:
                icon = "⚠️" if row.confirmation == "not_played" else "✅"
                state += f" · {icon} {CONFIRMATION_LABEL[row.confirmation]}"
            elif row.state == SENT:
                state += " · chưa xác nhận"
            lines.append(f"• {row.slot_at.astimezone(bot.zone):%H:%M} — {row.title} — {state}")
    text = "\n".join(lines)
    return text if len(text) <= 4000 else text[:3990] + "\n…"


# --------------------------------------------------------------------------- telegram
async def on_schedule(bot: WardBot, update: Any, _context: Any) -> None:
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if not bot.roster.chat(chat.id):
        text = await asyncio.to_thread(refuse_command, bot, chat.id, user.id if user else 0,
                                       user.full_name if user else "", "/lich")
    else:
        text = await asyncio.to_thread(schedule_text, bot, chat.id)
    await message.reply_text(text)


async def on_help(bot: WardBot, update: Any, _context: Any) -> None:
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if not bot.roster.chat(chat.id):
        text = await asyncio.to_thread(refuse_command, bot, chat.id, user.id if user else 0,
                                       user.full_name if user else "",
                                       (message.text or "").split()[0])
    else:
        text = HELP_TEXT
    await message.reply_text(text)


def handlers(bot: WardBot) -> list[Any]:
    """The family's python-telegram-bot handlers: ``/lich`` and ``/trogiup`` (``/start``,
    ``/help``)."""
    from telegram.ext import CommandHandler

    async def schedule(update: Any, context: Any) -> None:
        await on_schedule(bot, update, context)

    async def help_(update: Any, context: Any) -> None:
        await on_help(bot, update, context)

    return [CommandHandler("lich", schedule),
            CommandHandler(["trogiup", "start", "help"], help_)]
