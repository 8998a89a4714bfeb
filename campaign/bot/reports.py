"""``/baocao``: ward staff report what they did (conferences, leaflets, banners…) with photos.

A python-telegram-bot ConversationHandler (per chat and per user, so two officers in one
group each have their own draft): campaign → activity kind → day → how many → how many people
→ a short note → photos ("Xong") → a summary to confirm ("Lưu"). The saved entry is appended
through :func:`schedules.operations.record_ward_report`; for 24 hours its message keeps a
"Sửa" button that starts the same questions again and saves a correction (a new entry naming
the old one). Only registered chats and their listed officers may report, for their own units.

Callback data all start with ``br:`` and never name a campaign id (ids may be 64 characters,
more than Telegram's 64-byte limit with a prefix): campaigns are offered by position in a list
kept in the draft.
"""

from __future__ import annotations

import asyncio
import logging
import re
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from campaign import queries, ward_results
from campaign.bot.commands import refuse_command
from campaign.bot.presses import REFUSALS
from campaign.bot.roster import Station, chat_key
from campaign.errors import InputError
from schedules.models import ACTIVITY_KINDS
from schedules.operations import OperationError, WardReportEntry, record_ward_report

if TYPE_CHECKING:
    from campaign.bot.application import WardBot

__all__ = ["Draft", "handlers", "summary_text"]

logger = logging.getLogger("campaign.bot")

(UNIT, CAMPAIGN, KIND, DAY, DAY_TYPED, TIMES, PEOPLE, NOTE, PHOTOS, CONFIRM) = range(10)
MAX_PHOTOS = 10
MAX_CAMPAIGNS = 8
NUMBER_CHOICES = (1, 2, 3, 5, 10)
DRAFT = "baocao"
"""Key of the draft in the conversation's ``user_data``."""

END_MESSAGE = "Phiên báo cáo này đã kết thúc. Gõ /baocao để báo cáo lại."


@dataclass
class Draft:
    """The answers so far (kept in python-telegram-bot's per-user data)."""

    chat_id: str
    user_id: int
    user_name: str
    units: list[tuple[str, str]]
    unit_id: str = ""
    campaigns: list[tuple[str, str]] = field(default_factory=list)
    campaign_id: str = ""
    campaign_title: str = ""
    kind: str = ""
    day: date | None = None
    times: int = 0
    participants: int | None = None
    note: str = ""
    photos: list[str] = field(default_factory=list)
    corrects: int | None = None

    @property
    def unit_name(self) -> str:
        return dict(self.units).get(self.unit_id, self.unit_id)


def summary_text(draft: Draft) -> str:
    """What will be saved, for the officer to check before pressing "Lưu"."""
    label, count_word, people_word = ACTIVITY_KINDS[draft.kind]
    lines = ["📝 Báo cáo kết quả — xin kiểm tra trước khi lưu:" if draft.corrects is None
             else f"📝 Sửa báo cáo #{draft.corrects} — xin kiểm tra trước khi lưu:",
             f"Chiến dịch: {draft.campaign_title}", f"Đơn vị: {draft.unit_name}",
             f"Hoạt động: {label}",
             f"Ngày: {draft.day:%d/%m/%Y}" if draft.day else "Ngày: ?",
             f"Số lượng: {draft.times} {count_word}"]
    if people_word:
        lines.append(f"Số người: {draft.participants if draft.participants is not None else '—'}"
                     f" {people_word if draft.participants is not None else ''}".rstrip())
    lines.append(f"Ghi chú: {draft.note or '—'}")
    lines.append(f"Ảnh minh chứng: {len(draft.photos)}")
    return "\n".join(lines)


def _keyboard(rows: list[list[tuple[str, str]]]) -> Any:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)
                                  for label, data in row] for row in rows])


def _parse_number(text: str) -> int | None:
    text = text.strip().replace(".", "").replace(",", "").replace(" ", "")
    if not text.isdigit() or len(text) > 7:
        return None
    return int(text)


def parse_day(text: str, today: date) -> date | None:
    """``dd/mm`` (this year, or last year when that would be in the future) or
    ``dd/mm/yyyy``; None when it is not a date or is in the future."""
    found = re.fullmatch(r"\s*(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?\s*", text)
    if not found:
        return None
    day, month, year = int(found[1]), int(found[2]), found[3]
    try:
        value = date(int(year) if year else today.year, month, day)
        if not year and value > today:
            value = date(today.year - 1, month, day)
    except ValueError:
        return None
    return None if value > today else value


class ReportConversation:
    """The handlers' logic; one instance per bot application."""

    def __init__(self, bot: WardBot) -> None:
        self.bot = bot

    # ------------------------------------------------------------------ helpers
    def today(self) -> date:
        return self.bot.clock().astimezone(self.bot.zone).date()

    def my_stations(self, chat_id: int | str, user_id: int) -> list[Station] | str:
        """The stations this user may report for from this chat, or the refusal reason."""
        stations = self.bot.roster.chat(chat_id)
        if not stations:
            return "unknown_chat"
        mine = [s for s in stations if user_id in s.users]
        return mine or "unknown_user"

    @staticmethod
    def draft(context: Any) -> Draft | None:
        draft = context.user_data.get(DRAFT)
        return draft if isinstance(draft, Draft) else None

    async def ask(self, update: Any, text: str, rows: list[list[tuple[str, str]]] | None) -> None:
        chat = update.effective_chat
        await chat.send_message(text, reply_markup=_keyboard(rows) if rows else None)

    async def settle(self, update: Any, chosen: str) -> None:
        """Answer the press and turn the question into a plain line with the choice."""
        from telegram.error import TelegramError

        query = update.callback_query
        try:
            await query.answer()
            text = (query.message.text or "").split("\n")[0] if query.message else ""
            await query.edit_message_text(f"{text}\n➡️ {chosen}")
        except TelegramError as exc:
            logger.info("question not redrawn: %s", exc)

    # ------------------------------------------------------------------ entry
    async def start(self, update: Any, context: Any) -> int:
        from telegram.ext import ConversationHandler

        chat, user = update.effective_chat, update.effective_user
        mine = self.my_stations(chat.id, user.id)
        if isinstance(mine, str):
            await self.refuse(update, mine, "/baocao")
            return ConversationHandler.END
        units = list(dict.fromkeys((s.unit_id, s.unit_name) for s in mine))
        context.user_data[DRAFT] = Draft(chat_key(chat.id), user.id, user.full_name, units)
        if len(units) > 1:
            await self.ask(update, "Báo cáo cho đơn vị nào?",
                           [[(name, f"br:u:{i}")] for i, (_, name) in enumerate(units)])
            return UNIT
        context.user_data[DRAFT].unit_id = units[0][0]
        return await self.ask_campaign(update, context)

    async def refuse(self, update: Any, reason: str, command: str) -> None:
        chat, user = update.effective_chat, update.effective_user
        if reason == "unknown_chat":
            text = await asyncio.to_thread(refuse_command, self.bot, chat.id, user.id,
                                           user.full_name, command)
        else:
            from schedules.operations import record_refusal

            await asyncio.to_thread(
                record_refusal, self.bot.ledger, f"telegram:{user.id} {user.full_name}".strip(),
                {"reason": reason, "chat_id": chat_key(chat.id), "user_id": user.id,
                 "command": command}, now=self.bot.clock())
            text = "Bạn chưa được đăng ký để gửi báo cáo cho đơn vị của nhóm này. Liên hệ " \
                   "Trung tâm VH-TT-TT để được thêm vào danh sách."
        await update.effective_message.reply_text(text)

    async def chose_unit(self, update: Any, context: Any) -> int:
        draft = self.draft(context)
        index = int(update.callback_query.data.rsplit(":", 1)[1])
        if draft is None or index >= len(draft.units):
            return await self.stale(update, context)
        draft.unit_id = draft.units[index][0]
        await self.settle(update, draft.unit_name)
        return await self.ask_campaign(update, context)

    async def ask_campaign(self, update: Any, context: Any) -> int:
        from telegram.ext import ConversationHandler

        draft = self.draft(context)
        assert draft is not None
        if draft.corrects is not None:
            return await self.ask_kind(update)
        camps = await asyncio.to_thread(ward_results.campaigns_for_unit, self.bot.ws,
                                        self.bot.ledger, draft.unit_id, self.today())
        draft.campaigns = [(c["id"], c["title"]) for c in camps[:MAX_CAMPAIGNS]]
        if not draft.campaigns:
            await self.ask(update, f"Hiện không có chiến dịch nào {draft.unit_name} cần báo cáo.",
                           None)
            context.user_data.pop(DRAFT, None)
            return ConversationHandler.END
        await self.ask(update, f"📝 Báo cáo kết quả của {draft.unit_name}.\nChọn chiến dịch:",
                       [[(title[:60], f"br:c:{i}")] for i, (_, title) in
                        enumerate(draft.campaigns)] + [[("Huỷ", "br:huy")]])
        return CAMPAIGN

    async def chose_campaign(self, update: Any, context: Any) -> int:
        draft = self.draft(context)
        index = int(update.callback_query.data.rsplit(":", 1)[1])
        if draft is None or index >= len(draft.campaigns):
            return await self.stale(update, context)
        draft.campaign_id, draft.campaign_title = draft.campaigns[index]
        await self.settle(update, draft.campaign_title)
        return await self.ask_kind(update)

    async def ask_kind(self, update: Any) -> int:
        kinds = [(label, f"br:k:{key}") for key, (label, _, _) in ACTIVITY_KINDS.items()]
        await self.ask(update, "Hoạt động nào?", [kinds[i:i + 2] for i in range(0, len(kinds), 2)])
        return KIND

    async def chose_kind(self, update: Any, context: Any) -> int:
        draft = self.draft(context)
        kind = update.callback_query.data.rsplit(":", 1)[1]
        if draft is None or kind not in ACTIVITY_KINDS:
            return await self.stale(update, context)
        draft.kind = kind
        await self.settle(update, ACTIVITY_KINDS[kind][0])
        await self.ask(update, "Ngày nào?", [[("Hôm nay", "br:d:0"), ("Hôm qua", "br:d:1")],
                                             [("Ngày khác", "br:d:chon")]])
        return DAY

    async def chose_day(self, update: Any, context: Any) -> int:
        draft = self.draft(context)
        if draft is None:
            return await self.stale(update, context)
        choice = update.callback_query.data.rsplit(":", 1)[1]
        if choice == "chon":
            await self.settle(update, "Ngày khác")
            await self.ask(update, "Gõ ngày, dạng ngày/tháng (ví dụ 03/03):", None)
            return DAY_TYPED
        draft.day = self.today() - timedelta(days=int(choice))
        await self.settle(update, f"{draft.day:%d/%m/%Y}")
        return await self.ask_times(update, draft)

    async def typed_day(self, update: Any, context: Any) -> int:
        draft = self.draft(context)
        if draft is None:
            return await self.stale(update, context)
        value = parse_day(update.effective_message.text or "", self.today())
        if value is None:
            await update.effective_message.reply_text(
                "Ngày không hợp lệ (hoặc ở tương lai). Gõ lại dạng ngày/tháng, ví dụ 03/03.")
            return DAY_TYPED
        draft.day = value
        return await self.ask_times(update, draft)

    async def ask_times(self, update: Any, draft: Draft) -> int:
        label, count_word, _ = ACTIVITY_KINDS[draft.kind]
        await self.ask(update, f"Bao nhiêu {count_word}? Bấm một số hoặc gõ số khác.",
                       [[(str(n), f"br:n:{n}") for n in NUMBER_CHOICES]])
        return TIMES

    async def chose_times(self, update: Any, context: Any) -> int:
        draft = self.draft(context)
        if draft is None:
            return await self.stale(update, context)
        draft.times = int(update.callback_query.data.rsplit(":", 1)[1])
        await self.settle(update, str(draft.times))
        return await self.ask_people(update, draft)

    async def typed_times(self, update: Any, context: Any) -> int:
        draft = self.draft(context)
        if draft is None:
            return await self.stale(update, context)
        value = _parse_number(update.effective_message.text or "")
        if value is None:
            await update.effective_message.reply_text("Xin gõ một số, ví dụ 4.")
            return TIMES
        draft.times = value
        return await self.ask_people(update, draft)

    async def ask_people(self, update: Any, draft: Draft) -> int:
        people_word = ACTIVITY_KINDS[draft.kind][2]
        if not people_word:
            return await self.ask_note(update)
        await self.ask(update, f"Bao nhiêu {people_word}? Gõ số, hoặc bấm «Bỏ qua».",
                       [[("Bỏ qua", "br:p:bo")]])
        return PEOPLE

    async def skip_people(self, update: Any, context: Any) -> int:
        draft = self.draft(context)
        if draft is None:
            return await self.stale(update, context)
        draft.participants = None
        await self.settle(update, "Bỏ qua")
        return await self.ask_note(update)

    async def typed_people(self, update: Any, context: Any) -> int:
        draft = self.draft(context)
        if draft is None:
            return await self.stale(update, context)
        value = _parse_number(update.effective_message.text or "")
        if value is None:
            await update.effective_message.reply_text("Xin gõ một số, ví dụ 120.")
            return PEOPLE
        draft.participants = value
        return await self.ask_note(update)

    async def ask_note(self, update: Any) -> int:
        await self.ask(update, "Ghi chú ngắn (địa điểm, nội dung…): gõ vào đây, hoặc bấm «Bỏ qua».",
                       [[("Bỏ qua", "br:g:bo")]])
        return NOTE

    async def skip_note(self, update: Any, context: Any) -> int:
        draft = self.draft(context)
        if draft is None:
            return await self.stale(update, context)
        await self.settle(update, "Bỏ qua")
        return await self.ask_photos(update, draft)

    async def typed_note(self, update: Any, context: Any) -> int:
        draft = self.draft(context)
        if draft is None:
            return await self.stale(update, context)
        draft.note = (update.effective_message.text or "").strip()[:500]
        return await self.ask_photos(update, draft)

    async def ask_photos(self, update: Any, draft: Draft) -> int:
        kept = f" (đang giữ {len(draft.photos)} ảnh của báo cáo cũ)" if draft.photos else ""
        await self.ask(update, f"Gửi ảnh minh chứng (tối đa {MAX_PHOTOS} ảnh){kept}. "
                               "Gửi xong, hoặc không có ảnh, bấm «Xong».",
                       [[("Xong", "br:xong")]])
        return PHOTOS

    async def photo(self, update: Any, context: Any) -> int:
        from telegram.error import TelegramError

        draft = self.draft(context)
        if draft is None:
            return await self.stale(update, context)
        message = update.effective_message
        if len(draft.photos) >= MAX_PHOTOS:
            await message.reply_text(f"Đã đủ {MAX_PHOTOS} ảnh. Bấm «Xong» để xem lại báo cáo.")
            return PHOTOS
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        try:
            telegram_file = await largest.get_file()
            data = bytes(await telegram_file.download_as_bytearray())
            key = await asyncio.to_thread(ward_results.store_photo, self.bot.ws, data)
        except InputError as exc:
            await message.reply_text(f"Không nhận được ảnh này: {exc.problems[0].message}")
            return PHOTOS
        except TelegramError as exc:
            logger.warning("could not fetch a report photo: %s", exc)
            await message.reply_text("Không tải được ảnh từ Telegram, xin gửi lại.")
            return PHOTOS
        if key not in draft.photos:
            draft.photos.append(key)
        await message.reply_text(f"📷 Đã nhận {len(draft.photos)} ảnh. Gửi tiếp hoặc bấm «Xong».",
                                 reply_markup=_keyboard([[("Xong", "br:xong")]]))
        return PHOTOS

    async def photos_done(self, update: Any, context: Any) -> int:
        draft = self.draft(context)
        if draft is None:
            return await self.stale(update, context)
        await self.settle(update, f"{len(draft.photos)} ảnh")
        await self.ask(update, summary_text(draft), [[("✅ Lưu", "br:luu"), ("✖️ Huỷ", "br:huy")]])
        return CONFIRM

    async def save(self, update: Any, context: Any) -> int:
        from telegram.error import TelegramError
        from telegram.ext import ConversationHandler

        draft = self.draft(context)
        if draft is None:
            return await self.stale(update, context)
        query = update.callback_query
        entry = WardReportEntry(
            campaign_id=draft.campaign_id, unit_id=draft.unit_id, kind=draft.kind,
            day=draft.day or self.today(), times=draft.times, participants=draft.participants,
            note=draft.note, photos=tuple(draft.photos), reporter=draft.user_name,
            via="telegram", telegram_user=draft.user_id, telegram_chat=draft.chat_id,
            corrects=draft.corrects)
        try:
            report_id = await asyncio.to_thread(record_ward_report, self.bot.ledger, entry,
                                                now=self.bot.clock())
        except OperationError as exc:
            await query.answer(exc.message, show_alert=True)
            context.user_data.pop(DRAFT, None)
            return ConversationHandler.END
        context.user_data.pop(DRAFT, None)
        done = "Đã lưu" if draft.corrects is None else f"Đã lưu bản sửa của #{draft.corrects}:"
        text = f"✅ {done} báo cáo #{report_id}.\n\n{summary_text(draft).split(chr(10), 1)[1]}"
        try:
            await query.answer("Đã lưu báo cáo.")
            await query.edit_message_text(text, reply_markup=_keyboard(
                [[("✏️ Sửa (trong 24 giờ)", f"br:sua:{report_id}")]]))
        except TelegramError as exc:
            logger.info("saved report message not redrawn: %s", exc)
        return ConversationHandler.END

    async def cancel(self, update: Any, context: Any) -> int:
        from telegram.ext import ConversationHandler

        context.user_data.pop(DRAFT, None)
        if update.callback_query is not None:
            await self.settle(update, "Huỷ")
        await self.ask(update, "Đã huỷ, chưa lưu gì. Gõ /baocao để báo cáo lại.", None)
        return ConversationHandler.END

    async def stale(self, update: Any, context: Any) -> int:
        from telegram.ext import ConversationHandler

        context.user_data.pop(DRAFT, None)
        if update.callback_query is not None:
            await update.callback_query.answer(END_MESSAGE, show_alert=True)
        return ConversationHandler.END

    @staticmethod
    async def old_button(update: Any, _context: Any) -> None:
        """A button of an earlier question: say so and stay at the current question."""
        await update.callback_query.answer("Câu hỏi này đã trả lời rồi; xin trả lời câu hỏi "
                                           "mới nhất (hoặc gõ /huy để huỷ).")

    # ------------------------------------------------------------------ corrections
    async def correct(self, update: Any, context: Any) -> int:
        """"Sửa" under a saved report: the same questions again, saved as a correction."""
        from telegram.ext import ConversationHandler

        query = update.callback_query
        chat, user = update.effective_chat, update.effective_user
        report_id = int(query.data.rsplit(":", 1)[1])
        mine = self.my_stations(chat.id, user.id)
        report = await asyncio.to_thread(queries.ward_report, self.bot.ledger, report_id)
        if isinstance(mine, str):
            await query.answer(REFUSALS[mine], show_alert=True)
            return ConversationHandler.END
        units = list(dict.fromkeys((s.unit_id, s.unit_name) for s in mine))
        if report is None or report.unit_id not in dict(units):
            await query.answer("Báo cáo này không thuộc đơn vị của bạn.", show_alert=True)
            return ConversationHandler.END
        why = await asyncio.to_thread(ward_results.correctable, self.bot.ledger, report,
                                      self.bot.clock())
        if why is not None:
            await query.answer(why, show_alert=True)
            return ConversationHandler.END
        record = await asyncio.to_thread(queries.campaign_record, self.bot.ledger,
                                         report.campaign_id)
        context.user_data[DRAFT] = Draft(
            chat_key(chat.id), user.id, user.full_name, units, unit_id=report.unit_id,
            campaign_id=report.campaign_id,
            campaign_title=record["title"] if record else report.campaign_id,
            photos=list(report.photos), corrects=report.id)
        await query.answer()
        await self.ask(update, f"✏️ Sửa báo cáo #{report.id}: trả lời lại các câu hỏi.", None)
        return await self.ask_kind(update)


def handlers(bot: WardBot) -> list[Any]:
    """The family's handlers: the ``/baocao`` conversation, then an answer for buttons of a
    conversation that has ended (so the catch-all press handler never sees ``br:`` data)."""
    from telegram.ext import (
        CallbackQueryHandler,
        CommandHandler,
        ConversationHandler,
        MessageHandler,
        filters,
    )

    talk = ReportConversation(bot)
    text = filters.TEXT & ~filters.COMMAND

    def on(pattern: str, callback: Any) -> Any:
        return CallbackQueryHandler(callback, pattern=pattern)

    with warnings.catch_warnings():  # per_message=False with button states is intended here
        warnings.simplefilter("ignore")
        conversation = ConversationHandler(
            entry_points=[CommandHandler("baocao", talk.start),
                          on(r"^br:sua:\d+$", talk.correct)],
            states={
                UNIT: [on(r"^br:u:\d+$", talk.chose_unit)],
                CAMPAIGN: [on(r"^br:c:\d+$", talk.chose_campaign)],
                KIND: [on(r"^br:k:\w+$", talk.chose_kind)],
                DAY: [on(r"^br:d:(0|1|chon)$", talk.chose_day)],
                DAY_TYPED: [MessageHandler(text, talk.typed_day)],
                TIMES: [on(r"^br:n:\d+$", talk.chose_times), MessageHandler(text, talk.typed_times)],
                PEOPLE: [on(r"^br:p:bo$", talk.skip_people),
                         MessageHandler(text, talk.typed_people)],
                NOTE: [on(r"^br:g:bo$", talk.skip_note), MessageHandler(text, talk.typed_note)],
                PHOTOS: [MessageHandler(filters.PHOTO, talk.photo),
                         on(r"^br:xong$", talk.photos_done)],
                CONFIRM: [on(r"^br:luu$", talk.save)],
            },
            fallbacks=[CommandHandler("huy", talk.cancel), on(r"^br:huy$", talk.cancel),
                       CommandHandler("baocao", talk.start), on(r"^br:", talk.old_button)],
            per_chat=True, per_user=True, allow_reentry=True, name="baocao")
    return [conversation, on(r"^br:", talk.stale)]
