"""Button presses: who pressed what, the evidence recorded, the answer and the redrawn buttons.

The loudspeaker adapter sends the officer three buttons whose ``callback_data`` is
``p:<post_id>:<action>`` (:func:`channels.loudspeaker.callback_data`); after a press we draw a
status button ``s:<post_id>`` on top. An accepted press becomes evidence through
:func:`schedules.operations.record_confirmation` — the only way a broadcast is ever marked
"played"; everything else is answered with a Vietnamese refusal and logged as ``refused``.

This family's callback handler takes every callback query no other family claimed (it refuses
unknown data), so it is registered last.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from campaign import queries
from campaign.bot.roster import chat_key
from channels.loudspeaker import ACTIONS, callback_data, parse_callback
from schedules.models import CLAIMED, SENT, UNCONFIRMED
from schedules.operations import record_confirmation, record_refusal

if TYPE_CHECKING:
    from campaign.bot.application import WardBot

__all__ = ["BUTTON_CONFIRMATION", "CONFIRMATION_LABEL", "REFUSALS", "Keyboard", "Press",
           "PressOutcome", "confirmation_keyboard", "handle_press", "handlers"]

logger = logging.getLogger("campaign.bot")

BUTTON_CONFIRMATION = {"received": "received", "played": "played", "failed": "not_played"}
"""Button action (``channels.loudspeaker.ACTIONS``) → confirmation recorded in the ledger."""
CONFIRMATION_LABEL = {"received": "Đã nhận", "played": "Đã phát", "not_played": "Không phát được"}
PRESSABLE_STATES = (SENT, UNCONFIRMED, CLAIMED)
"""A press proves the message reached the ward, so it counts even when the dispatcher has not
recorded "sent" yet (claimed: mid-delivery) or never learnt the outcome (unconfirmed)."""
STATUS_PREFIX = "s:"
"""``callback_data`` of the status button we draw after a press: ``s:<post_id>``."""

REFUSALS = {
    "unknown_chat": "Nhóm này chưa được đăng ký với hệ thống loa truyền thanh. "
                    "Liên hệ Trung tâm VH-TT-TT để được đăng ký.",
    "unknown_user": "Bạn chưa được đăng ký để xác nhận bài phát thanh của đài này. "
                    "Liên hệ Trung tâm VH-TT-TT để được thêm vào danh sách.",
    "malformed": "Nút này không hợp lệ, không ghi nhận.",
    "unknown_post": "Không tìm thấy bài phát thanh này (có thể đã được lập lịch lại).",
    "wrong_chat": "Bài phát thanh này không thuộc đài của nhóm này, không ghi nhận.",
    "not_sent": "Bài này chưa được gửi hoặc đã bị huỷ, chưa xác nhận được.",
}


@dataclass(frozen=True)
class Press:
    """A button press as Telegram reported it."""

    chat_id: int | str
    user_id: int
    user_name: str
    message_id: int | None
    data: str

    @property
    def actor(self) -> str:
        return f"telegram:{self.user_id} {self.user_name}".strip()


Keyboard = list[list[tuple[str, str]]]
"""Inline keyboard rows of (label, callback_data); turned into Telegram objects at the edge."""


@dataclass(frozen=True)
class PressOutcome:
    """What to tell the presser and how to redraw the buttons (None: leave them)."""

    accepted: bool
    answer: str
    keyboard: Keyboard | None = None
    reason: str | None = None


def confirmation_keyboard(post_id: int, confirmation: str, when: str) -> Keyboard:
    """Buttons after a press: the recorded state on top, then the presses that still matter.

    A "played" post keeps "Không phát được" (and vice versa) so a mistaken tap can be corrected;
    the correction is logged like any press.
    """
    icon = "⚠️" if confirmation == "not_played" else "✅"
    rows: Keyboard = [[(f"{icon} {CONFIRMATION_LABEL[confirmation]} lúc {when}",
                        f"{STATUS_PREFIX}{post_id}")]]
    remaining = {"received": ["played", "failed"], "played": ["failed"],
                 "not_played": ["played"]}[confirmation]
    rows.append([(ACTIONS[a], callback_data(post_id, a)) for a in remaining])
    return rows


def short_time(at: datetime, zone: ZoneInfo, slot_day: date) -> str:
    """``HH:MM`` on the session's own day, ``HH:MM dd/mm`` otherwise."""
    local = at.astimezone(zone)
    return f"{local:%H:%M}" if local.date() == slot_day else f"{local:%H:%M %d/%m}"


# --------------------------------------------------------------------------- logic
def refuse(bot: WardBot, reason: str, press: Press, *, post: queries.PressablePost | None = None,
           extra: dict[str, Any] | None = None) -> PressOutcome:
    """Log a refused press (``refused``) and say why to the presser."""
    detail: dict[str, Any] = {"reason": reason, "chat_id": chat_key(press.chat_id),
                              "user_id": press.user_id, "message_id": press.message_id,
                              "data": press.data[:64], **(extra or {})}
    record_refusal(bot.ledger, press.actor, detail, now=bot.clock(),
                   post_id=post.id if post else None,
                   campaign_id=post.campaign_id if post else None,
                   endpoint_id=post.endpoint_id if post else None)
    logger.warning("refused telegram press: %s", detail)
    return PressOutcome(False, REFUSALS[reason], reason=reason)


def handle_press(bot: WardBot, press: Press) -> PressOutcome:
    """Check who pressed what, record accepted presses, refuse and log the rest."""
    stations = bot.roster.chat(press.chat_id)
    if not stations:
        return refuse(bot, "unknown_chat", press)
    if press.user_id not in set().union(*(s.users for s in stations)):
        return refuse(bot, "unknown_user", press)
    if press.data.startswith(STATUS_PREFIX):
        return status(bot, press)
    parsed = parse_callback(press.data)
    if parsed is None:
        return refuse(bot, "malformed", press)
    post_id, action = parsed
    post = queries.pressable_post(bot.ledger, post_id)
    if post is None:
        return refuse(bot, "unknown_post", press, extra={"post_id": post_id})
    station = bot.roster.station(post.endpoint_id)
    if station is None or station.chat_id != chat_key(press.chat_id):
        return refuse(bot, "wrong_chat", press, post=post)
    if press.user_id not in station.users:
        return refuse(bot, "unknown_user", press, post=post)
    if post.state not in PRESSABLE_STATES:
        return refuse(bot, "not_sent", press, post=post, extra={"state": post.state})
    confirmation = BUTTON_CONFIRMATION[action]
    record_confirmation(bot.ledger, post_id, confirmation, press.actor, now=bot.clock(), detail={
        "via": "telegram", "chat_id": chat_key(press.chat_id),
        "message_id": press.message_id, "button": action})
    standing = queries.standing_confirmation(bot.ledger, post_id)
    assert standing is not None  # just recorded
    current, at = standing
    answer = f"Đã ghi nhận: {CONFIRMATION_LABEL[confirmation]}"
    if current != confirmation:
        answer += f". Bài này đã được xác nhận «{CONFIRMATION_LABEL[current]}» trước đó."
    slot_day = post.slot_at.astimezone(bot.zone).date()
    keyboard = confirmation_keyboard(post_id, current, short_time(at, bot.zone, slot_day))
    return PressOutcome(True, answer, keyboard)


def status(bot: WardBot, press: Press) -> PressOutcome:
    """The status button only reports; pressing it records nothing."""
    text = press.data[len(STATUS_PREFIX):]
    if not text.isdigit():
        return refuse(bot, "malformed", press)
    post = queries.pressable_post(bot.ledger, int(text))
    if post is None:
        return refuse(bot, "unknown_post", press, extra={"post_id": int(text)})
    station = bot.roster.station(post.endpoint_id)
    if station is None or station.chat_id != chat_key(press.chat_id):
        return refuse(bot, "wrong_chat", press, post=post)
    standing = queries.standing_confirmation(bot.ledger, post.id)
    if standing is None:
        return PressOutcome(True, "Bài này chưa được xác nhận.")
    current, at = standing
    slot_day = post.slot_at.astimezone(bot.zone).date()
    return PressOutcome(True, f"Trạng thái: {CONFIRMATION_LABEL[current]} lúc "
                              f"{short_time(at, bot.zone, slot_day)}.")


# --------------------------------------------------------------------------- telegram
async def on_press(bot: WardBot, update: Any, _context: Any) -> None:
    """Record the press off the event loop, answer it, redraw the buttons."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.error import TelegramError

    query = update.callback_query
    message = query.message
    chat_id = message.chat.id if message is not None else 0
    user = query.from_user
    press = Press(chat_id=chat_id, user_id=user.id, user_name=user.full_name,
                  message_id=message.message_id if message is not None else None,
                  data=query.data or "")
    try:
        outcome = await asyncio.to_thread(handle_press, bot, press)
    except Exception:  # noqa: BLE001 - answer the officer rather than leave a spinner
        logger.exception("could not record press %s", press.data[:64])
        outcome = PressOutcome(False, "Chưa ghi nhận được do lỗi hệ thống. "
                                      "Xin bấm lại sau ít phút.", reason="error")
    try:
        await query.answer(outcome.answer, show_alert=not outcome.accepted)
    except TelegramError as exc:  # e.g. "query is too old": the record stands anyway
        logger.warning("could not answer callback query: %s", exc)
    if outcome.keyboard is not None and message is not None:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)
                                        for label, data in row] for row in outcome.keyboard])
        try:
            await query.edit_message_reply_markup(reply_markup=markup)
        except TelegramError as exc:  # "message is not modified" after a repeated press
            logger.info("buttons not redrawn: %s", exc)


def handlers(bot: WardBot) -> list[Any]:
    """The family's python-telegram-bot handlers: every callback query (the fallback)."""
    from telegram.ext import CallbackQueryHandler

    async def pressed(update: Any, context: Any) -> None:
        await on_press(bot, update, context)

    return [CallbackQueryHandler(pressed)]
