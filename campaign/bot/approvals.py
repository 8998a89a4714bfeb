"""Leaders approve from their phone: the preview, the buttons, the comment, the reminder.

An approver is listed in directory.yaml (``telegram: {approvers: [{telegram_id, name}]}``) and
has started a private chat with the bot. For each campaign awaiting approval they receive what
the dashboard's approval page shows: a summary with the changed words (added underlined,
removed struck through), the LED frames as photos rendered by the board's own adapter, the
loudspeaker reading as audio from the shared speech store, a link to the page, and the buttons
"Phê duyệt" / "Yêu cầu sửa". The buttons' ``callback_data`` is ``ap:<12 hex of the definition
hash>:<a|r>``: a press counts only from a listed approver and only while the campaign's
definition still has that hash, so a re-plan makes old buttons harmless. "Yêu cầu sửa" asks for
the comment as a reply. Approvals go through :func:`campaign.approval.approve`, comments
through :func:`schedules.operations.record_review`, refusals through ``record_refusal``.

Requests and reminders are sent by :func:`remind_approvals` from the reminder job, in working
time, at most every :data:`REMIND_APPROVAL_EVERY` per definition (logged as ``reminded`` with
``kind: approval``).
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from campaign import queries
from campaign.approval import approve
from campaign.errors import InputError
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from schedules.models import utcnow
from schedules.operations import (
    OperationError,
    record_approval_reminders,
    record_refusal,
    record_review,
)

if TYPE_CHECKING:
    from campaign.bot.application import WardBot
    from campaign.web.review import ChannelPart, Review

__all__ = ["APPROVE_PREFIX", "REMIND_APPROVAL_EVERY", "ApprovalOutcome", "ApprovalPress",
           "approvers", "handle_approval_press", "handle_comment", "handlers",
           "remind_approvals"]

logger = logging.getLogger("campaign.bot")

APPROVE_PREFIX = "ap:"
SHORT = 12
REMIND_APPROVAL_EVERY = timedelta(hours=4)
WORK_START, WORK_END = time(7, 30), time(17, 0)
WORK_DAYS = frozenset(range(5))  # Monday–Friday
MAX_PHOTOS = 4
PROMPT = re.compile(r"mã nội dung ([0-9a-f]{12})")
REFUSALS = {
    "unknown_approver": "Bạn chưa được đăng ký là người phê duyệt. Liên hệ Trung tâm VH-TT-TT.",
    "stale": "Nội dung chiến dịch đã thay đổi hoặc đã được xử lý; nút này không còn hiệu lực. "
             "Xem bản mới nhất trên trang theo dõi.",
    "malformed": "Nút này không hợp lệ, không ghi nhận.",
}


def approvers(ws: Workspace) -> dict[int, str]:
    """Telegram user id → the approver's name (as written to the log)."""
    settings = ws.directory.data.telegram
    return {a.telegram_id: a.name for a in (settings.approvers if settings else [])}


def callback(definition_hash: str, action: str) -> str:
    return f"{APPROVE_PREFIX}{definition_hash[:SHORT]}:{action}"


def in_working_time(now: datetime, ws: Workspace) -> bool:
    local = now.astimezone(ws.directory.zone)
    return local.weekday() in WORK_DAYS and WORK_START <= local.time() < WORK_END


def _pending(ledger: Ledger, short: str) -> dict[str, Any] | None:
    return next((p for p in queries.pending_approvals(ledger)
                 if p["definition_hash"].startswith(short)), None)


# --------------------------------------------------------------------------- presses
@dataclass(frozen=True)
class ApprovalPress:
    chat_id: int | str
    user_id: int
    user_name: str
    message_id: int | None
    data: str


@dataclass
class ApprovalOutcome:
    accepted: bool
    answer: str
    keyboard: list[list[tuple[str, str]]] | None = None
    prompt: str | None = None
    """Text of a message asking for a reply (the comment of "Yêu cầu sửa")."""


def _refuse(bot: WardBot, reason: str, user_id: int, user_name: str, data: str, *,
            campaign_id: str | None = None) -> ApprovalOutcome:
    record_refusal(bot.ledger, f"telegram:{user_id} {user_name}".strip(),
                   {"reason": reason, "user_id": user_id, "data": data[:64],
                    "kind": "approval"}, campaign_id=campaign_id, now=bot.clock())
    return ApprovalOutcome(False, REFUSALS[reason])


def handle_approval_press(bot: WardBot, press: ApprovalPress) -> ApprovalOutcome:
    """Approve, or ask for the comment of a change request; refuse everything else."""
    names = approvers(bot.ws)
    parts = press.data.split(":")
    if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{12}", parts[1]) or \
            parts[2] not in ("a", "r", "s"):
        return _refuse(bot, "malformed", press.user_id, press.user_name, press.data)
    if press.user_id not in names:
        return _refuse(bot, "unknown_approver", press.user_id, press.user_name, press.data)
    short, action = parts[1], parts[2]
    if action == "s":
        return ApprovalOutcome(True, "Đã xử lý.")
    pending = _pending(bot.ledger, short)
    if pending is None:
        return _refuse(bot, "stale", press.user_id, press.user_name, press.data)
    name = names[press.user_id]
    if action == "r":
        return ApprovalOutcome(True, "Xin trả lời tin nhắn bên dưới với nội dung cần sửa.",
                               prompt=f"✍️ Yêu cầu sửa chiến dịch «{pending['title']}»: xin "
                                      f"TRẢ LỜI tin nhắn này, ghi rõ cần sửa gì "
                                      f"(mã nội dung {short}).")
    try:
        approve(bot.ledger, pending["id"], name, now=bot.clock(),
                expected_hash=pending["definition_hash"],
                detail={"via": "telegram", "telegram_user": press.user_id})
    except InputError as exc:
        return ApprovalOutcome(False, "; ".join(p.message for p in exc.problems))
    when = bot.clock().astimezone(bot.zone)
    return ApprovalOutcome(True, f"Đã phê duyệt «{pending['title']}». Các bài sẽ được gửi theo "
                                 "lịch.",
                           keyboard=[[(f"✅ Đã phê duyệt lúc {when:%H:%M %d/%m}",
                                       callback(short, "s"))]])


def handle_comment(bot: WardBot, user_id: int, user_name: str, prompt: str,
                   text: str) -> str:
    """A reply to our "Yêu cầu sửa" prompt: record the change request with its comment."""
    names = approvers(bot.ws)
    match = PROMPT.search(prompt)
    if match is None:
        return ""
    if user_id not in names:
        return _refuse(bot, "unknown_approver", user_id, user_name, prompt).answer
    pending = _pending(bot.ledger, match.group(1))
    if pending is None:
        return _refuse(bot, "stale", user_id, user_name, match.group(1)).answer
    try:
        record_review(bot.ledger, pending["id"], "change_request", names[user_id],
                      comment=text, definition_hash=pending["definition_hash"], via="telegram",
                      now=bot.clock())
    except OperationError as exc:
        return exc.message
    return (f"Đã gửi yêu cầu sửa chiến dịch «{pending['title']}». Cán bộ vận hành sẽ thấy ý "
            "kiến trên trang theo dõi.")


async def on_press(bot: WardBot, update: Any, _context: Any) -> None:
    from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.error import TelegramError

    query = update.callback_query
    message = query.message
    user = query.from_user
    press = ApprovalPress(message.chat.id if message else 0, user.id, user.full_name,
                          message.message_id if message else None, query.data or "")
    try:
        outcome = await asyncio.to_thread(handle_approval_press, bot, press)
    except Exception:  # noqa: BLE001 - answer the leader rather than leave a spinner
        logger.exception("could not handle approval press")
        outcome = ApprovalOutcome(False, "Chưa ghi nhận được do lỗi hệ thống. Xin bấm lại sau.")
    try:
        await query.answer(outcome.answer, show_alert=not outcome.accepted)
        if outcome.keyboard is not None and message is not None:
            await query.edit_message_reply_markup(reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(t, callback_data=d) for t, d in row]
                 for row in outcome.keyboard]))
        if outcome.prompt and message is not None:
            await message.chat.send_message(outcome.prompt, reply_markup=ForceReply(
                input_field_placeholder="Nội dung cần sửa"))
    except TelegramError as exc:
        logger.warning("approval answer not delivered: %s", exc)


async def on_reply(bot: WardBot, update: Any, _context: Any) -> None:
    message = update.effective_message
    original = message.reply_to_message
    if original is None or original.from_user is None or not original.from_user.is_bot:
        return
    user = message.from_user
    answer = await asyncio.to_thread(handle_comment, bot, user.id, user.full_name,
                                     original.text or "", message.text or "")
    if answer:
        await message.reply_text(answer)


def handlers(bot: WardBot) -> list[Any]:
    """Approval buttons (``ap:…``) and replies to the change-request prompt."""
    from telegram.ext import CallbackQueryHandler, MessageHandler, filters

    async def pressed(update: Any, context: Any) -> None:
        await on_press(bot, update, context)

    async def replied(update: Any, context: Any) -> None:
        await on_reply(bot, update, context)

    class PromptReply(filters.MessageFilter):
        """Only replies to our own "Yêu cầu sửa" prompt: every other text goes on to the
        families after this one (an editor's "Đã đăng", a report answer)."""

        def filter(self, message: Any) -> bool:
            original = message.reply_to_message
            return bool(original is not None and original.from_user is not None
                        and original.from_user.is_bot and PROMPT.search(original.text or ""))

    return [CallbackQueryHandler(pressed, pattern=f"^{APPROVE_PREFIX}"),
            MessageHandler(PromptReply() & filters.TEXT & ~filters.COMMAND
                           & filters.ChatType.PRIVATE, replied)]


# --------------------------------------------------------------------------- requests
@dataclass
class Outgoing:
    """What one approval request consists of (the same for every approver)."""

    text: str
    photos: list[tuple[bytes, str]] = field(default_factory=list)
    audios: list[tuple[str, str, float | None]] = field(default_factory=list)
    closing: str = ""
    keyboard: list[list[tuple[str, str]]] = field(default_factory=list)


def _words_html(part: ChannelPart) -> list[str]:
    lines = []
    for f in part.changed:
        runs = []
        for i, s in enumerate(f.segments):
            text = html.escape(s.text)
            runs.append((" " if s.space and i else "")
                        + ("\n" if s.kind == "br" else f"<u>{text}</u>" if s.kind == "add"
                           else f"<s>{text}</s>" if s.kind == "del" else text))
        lines.append(f"  {f.status_name} — {html.escape(f.label)}: {''.join(runs)}")
    return lines


def build_request(ws: Workspace, review: Review, definition: dict[str, Any], *,
                  reminder: bool, dashboard_url: str | None) -> Outgoing:
    """The request as the approval page shows it: summary and changed words, LED frames on
    the campaign's own boards, the reading on its own stations' voice."""
    from campaign.web import preview
    from campaign.web.review import preview_endpoints, summary_lines

    pending = [m for m in review.messages if review.first or m.status != "same"]
    head = "⏰ Nhắc: chiến dịch vẫn chờ phê duyệt" if reminder else "📋 Xin phê duyệt chiến dịch"
    lines = [f"<b>{head}: «{html.escape(review.title)}»</b>",
             *[html.escape(line) for line in summary_lines(review)]]
    for message in pending:
        lines.append("")
        lines.append(f"<b>{html.escape(message.title)}</b> ({message.status_name})")
        for part in message.parts:
            if part.status == "same" and not review.first:
                continue
            status = "" if review.first else f" ({part.status_name})"
            lines.append(f"• {html.escape(part.name)}{status}:")
            if review.first or part.status == "added":
                body = part.content.get("text") or part.content.get("script") or \
                    " / ".join(part.content.get("slogans") or [])
                lines.append("  " + html.escape(str(body)[:300]))
            else:
                lines.extend(_words_html(part))
    text = "\n".join(lines)
    if len(text) > 3800:
        text = text[:3800] + "\n…"
    out = Outgoing(text)
    directory = ws.directory
    boards = preview_endpoints(directory, definition, "led")
    stations = preview_endpoints(directory, definition, "loudspeaker")
    for message in pending:
        for part in message.parts:
            if part.status == "removed" or (part.status == "same" and not review.first):
                continue
            try:
                if part.channel == "led" and boards:
                    for slogan in part.content.get("slogans", []):
                        if len(out.photos) < MAX_PHOTOS:
                            png = preview.led_sheet(ws, preview.as_led(boards[0]), str(slogan))
                            out.photos.append((png, f"Bảng LED — {message.title}: {slogan}"))
                if part.channel == "loudspeaker":
                    if part.content.get("audio"):
                        path, seconds = preview.recorded(ws, str(part.content["audio"]))
                    else:
                        path, seconds = preview.speech(ws, stations[0] if stations else None,
                                                       str(part.content.get("script", "")))
                    out.audios.append((str(path), f"Loa — {message.title}", seconds))
            except preview.PreviewError as exc:
                out.text += f"\n({html.escape(exc.message)})"
    link = f"{dashboard_url.rstrip('/')}/campaigns/{review.campaign_id}/approval" \
        if dashboard_url else None
    out.closing = (f"Mã nội dung {review.short_hash}."
                   + (f" Xem đầy đủ: {link}" if link else " Xem đầy đủ trên trang theo dõi, mục "
                      "Phê duyệt."))
    out.keyboard = [[("✅ Phê duyệt", callback(review.definition_hash, "a")),
                     ("✍️ Yêu cầu sửa", callback(review.definition_hash, "r"))]]
    return out


def remind_approvals(ws: Workspace, ledger: Ledger, *, now: datetime | None = None,
                     every: timedelta = REMIND_APPROVAL_EVERY) -> int:
    """Send each approver the request for every campaign awaiting approval (first time) or a
    reminder (every ``every``), in working time only; log what went out. Returns how many
    campaigns were sent."""
    from campaign.bot.roster import quiet_http_logs, telegram_access
    from campaign.web.review import build_review

    now = now or utcnow()
    names = approvers(ws)
    if not names or not in_working_time(now, ws):
        return 0
    due = []
    for pending in queries.pending_approvals(ledger):
        last = queries.approval_reminders_sent(ledger, pending["id"], pending["definition_hash"])
        if last is None or now - last >= every:
            due.append((pending, last is not None))
    if not due:
        return 0
    access = telegram_access(ws)
    quiet_http_logs()
    settings = ws.directory.data.telegram
    sent = []
    for pending, reminder in due:
        record = queries.campaign_record(ledger, pending["id"])
        if record is None:
            continue
        review = build_review(record, ws.directory, now=now)
        outgoing = build_request(ws, review, record.get("definition") or {},
                                 reminder=reminder,
                                 dashboard_url=settings.dashboard_url if settings else None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            delivered = asyncio.run(_send(access, names, outgoing))
        if delivered:
            sent.append((pending["id"], pending["definition_hash"],
                         {"round": "reminder" if reminder else "request",
                          "approvers": sorted(delivered)}))
    record_approval_reminders(ledger, sent, now=now)
    return len(sent)


async def _send(access: Any, names: dict[int, str], outgoing: Outgoing) -> list[int]:
    """Send the request to every approver; the ids of those Telegram accepted it for."""
    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.constants import ParseMode
    from telegram.error import TelegramError

    markup = InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row]
                                   for row in outgoing.keyboard])
    done: list[int] = []
    async with Bot(access.token, base_url=access.base_url,
                   base_file_url=access.base_file_url) as bot:
        for user_id in names:
            try:
                await bot.send_message(chat_id=user_id, text=outgoing.text,
                                       parse_mode=ParseMode.HTML)
                for png, caption in outgoing.photos:
                    await bot.send_photo(chat_id=user_id, photo=png, caption=caption[:1000])
                for path, title, seconds in outgoing.audios:
                    with open(path, "rb") as handle:
                        await bot.send_audio(chat_id=user_id, audio=handle, title=title[:60],
                                             duration=round(seconds) if seconds else None,
                                             caption=title[:1000])
                await bot.send_message(chat_id=user_id, text=outgoing.closing,
                                       reply_markup=markup)
            except TelegramError as exc:  # e.g. the leader never opened a chat with the bot
                logger.warning("approval request to %s not delivered: %s", user_id, exc)
                continue
            done.append(user_id)
    return done
