"""Evidence people send back: a photo of a hung banner, an editor's "Đã đăng <URL>".

Printed materials routed ``via: telegram`` reach the ward's chat as PDFs and an order sheet
(:mod:`channels.visual`); the officer answers that message with a photo once the banner is up.
Website bundles routed ``via: package`` with a ``chat_id`` reach the portal editor
(:mod:`channels.website.package`); the editor answers "Đã đăng https://…". Either way:

* only chats and users named in directory.yaml count (the endpoint's ``chat_id`` and
  ``users``, like the loudspeaker roster); anything else is refused and logged;
* the answer names its post by replying to the bot's message (the adapter keeps that message
  id as the post's external id); without a reply, the chat's one post still waiting counts;
* a photo is downloaded and stored content-addressed under ``var/evidence`` with its sender
  and time; a URL becomes evidence through :func:`channels.website.published_receipt`; both
  are written by :func:`schedules.operations.record_evidence` (event ``hung`` / ``published``).
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from campaign import queries
from campaign.bot.roster import chat_key
from campaign.directory import Directory
from channels.base import PermanentError
from channels.visual import TelegramRoute as VisualTelegramRoute
from channels.visual import VisualConfig
from channels.website import EditorConfirmation, WebsiteConfig, published_receipt
from channels.website.package import PackageRoute
from schedules.operations import OperationError, record_evidence, record_refusal

if TYPE_CHECKING:
    from campaign.bot.application import WardBot

__all__ = ["EvidenceChat", "EvidenceOutcome", "EvidenceRoster", "handlers", "handle_photo",
           "handle_published"]

logger = logging.getLogger("campaign.bot")

MAX_PHOTO_BYTES = 20 * 1024 * 1024
"""The Bot API serves files up to 20 MB to bots."""
URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
PUBLISHED = re.compile(r"\bda\s*dang\b")
""""Đã đăng" with or without diacritics, any case (matched on a folded copy)."""

REFUSALS = {
    "unknown_chat": "Nhóm này chưa được đăng ký nhận ấn phẩm hay bài viết. Liên hệ Trung tâm "
                    "VH-TT-TT để được đăng ký.",
    "unknown_user": "Bạn chưa được đăng ký để xác nhận cho nhóm này. Liên hệ Trung tâm VH-TT-TT "
                    "để được thêm vào danh sách.",
    "which_post": "Chưa biết ảnh/xác nhận này cho bài nào. Xin bấm «Trả lời» (reply) vào đúng "
                  "tin nhắn hệ thống đã gửi rồi gửi lại.",
    "unknown_post": "Tin nhắn được trả lời không phải một bài đang chờ xác nhận của nhóm này.",
    "not_sent": "Bài này chưa được gửi hoặc đã bị huỷ, chưa xác nhận được.",
    "no_url": "Xin gửi kèm đường dẫn bài viết, ví dụ: Đã đăng https://cong-thong-tin.vn/bai-viet",
    "bad_url": "Đường dẫn bài viết không hợp lệ: cần địa chỉ đầy đủ bắt đầu bằng http:// hoặc "
               "https://.",
    "too_big": "Ảnh quá lớn (tối đa 20 MB). Xin gửi ảnh nhỏ hơn.",
    "download": "Chưa tải được ảnh từ Telegram. Xin gửi lại sau ít phút.",
}


@dataclass(frozen=True)
class EvidenceChat:
    """An endpoint whose people answer with evidence: a ward's prints or a portal's editor."""

    endpoint_id: str
    unit_name: str
    channel: str
    """``visual`` (photos) or ``website`` (article URLs)."""
    chat_id: str
    users: frozenset[int]


class EvidenceRoster:
    """Chats and users registered for evidence, read from the directory."""

    def __init__(self, chats: Sequence[EvidenceChat]) -> None:
        self.chats = list(chats)
        self._by_chat: dict[str, list[EvidenceChat]] = {}
        for chat in self.chats:
            self._by_chat.setdefault(chat.chat_id, []).append(chat)

    @classmethod
    def from_directory(cls, directory: Directory) -> EvidenceRoster:
        chats = []
        for endpoint in directory.endpoints.values():
            route: Any = None
            if isinstance(endpoint, VisualConfig):
                route = endpoint.route_options()
                if not isinstance(route, VisualTelegramRoute):
                    continue
            elif isinstance(endpoint, WebsiteConfig):
                route = endpoint.route_options()
                if not isinstance(route, PackageRoute) or route.chat_id is None:
                    continue
            else:
                continue
            unit = directory.units.get(endpoint.unit)
            chats.append(EvidenceChat(endpoint.id, unit.name if unit else endpoint.unit,
                                      endpoint.channel, chat_key(route.chat_id),
                                      frozenset(route.users)))
        return cls(chats)

    def __bool__(self) -> bool:
        return bool(self.chats)

    def chat(self, chat_id: int | str, channel: str) -> list[EvidenceChat]:
        return [c for c in self._by_chat.get(chat_key(chat_id), []) if c.channel == channel]


@dataclass(frozen=True)
class Sender:
    """Who sent a message, in which chat, answering which bot message."""

    chat_id: int | str
    user_id: int
    user_name: str
    message_id: int
    reply_to: int | None

    @property
    def actor(self) -> str:
        return f"telegram:{self.user_id} {self.user_name}".strip()


@dataclass(frozen=True)
class EvidenceOutcome:
    accepted: bool
    answer: str
    post_id: int | None = None
    reason: str | None = None


def roster_of(bot: WardBot) -> EvidenceRoster:
    """The bot's evidence roster, built once from its workspace's directory."""
    roster = getattr(bot, "_evidence_roster", None)
    if roster is None:
        roster = EvidenceRoster.from_directory(bot.ws.directory)
        bot._evidence_roster = roster  # type: ignore[attr-defined]  # noqa: SLF001
    return roster


def _refuse(bot: WardBot, reason: str, sender: Sender, kind: str,
            post: queries.EvidenceTarget | None = None,
            extra: dict[str, Any] | None = None) -> EvidenceOutcome:
    detail: dict[str, Any] = {"reason": reason, "evidence": kind,
                              "chat_id": chat_key(sender.chat_id), "user_id": sender.user_id,
                              "message_id": sender.message_id, **(extra or {})}
    record_refusal(bot.ledger, sender.actor, detail, now=bot.clock(),
                   post_id=post.id if post else None,
                   campaign_id=post.campaign_id if post else None,
                   endpoint_id=post.endpoint_id if post else None)
    logger.warning("refused telegram evidence: %s", detail)
    return EvidenceOutcome(False, REFUSALS[reason], reason=reason)


def target(bot: WardBot, sender: Sender, channel: str) -> \
        queries.EvidenceTarget | EvidenceOutcome:
    """The post a message answers, or the refusal (logged) saying why there is none."""
    kind = "hung" if channel == "visual" else "published"
    chats = roster_of(bot).chat(sender.chat_id, channel)
    if not chats:
        return _refuse(bot, "unknown_chat", sender, kind)
    allowed = [c for c in chats if sender.user_id in c.users]
    if not allowed:
        return _refuse(bot, "unknown_user", sender, kind)
    endpoint_ids = [c.endpoint_id for c in allowed]
    if sender.reply_to is not None:
        found = queries.evidence_target(bot.ledger, endpoint_ids,
                                        telegram_message_id=sender.reply_to)
        if not found:
            return _refuse(bot, "unknown_post", sender, kind,
                           extra={"reply_to": sender.reply_to})
    else:
        found = queries.evidence_target(bot.ledger, endpoint_ids, channel=channel)
        if len(found) != 1:
            return _refuse(bot, "which_post", sender, kind, extra={"waiting": len(found)})
    post = found[0]
    if post.state not in ("sent", "unconfirmed", "claimed"):
        return _refuse(bot, "not_sent", sender, kind, post=post, extra={"state": post.state})
    return post


def handle_photo(bot: WardBot, sender: Sender, post: queries.EvidenceTarget, data: bytes,
                 *, width: int | None, height: int | None,
                 telegram_file: str) -> EvidenceOutcome:
    """Store the photo content-addressed and record it as the post's evidence."""
    from assets.store import MediaStore, digest

    store = MediaStore(bot.ws.var_dir / "evidence")
    suffix = _image_suffix(data)
    path = store.put_bytes(data, suffix)
    detail = {"via": "telegram", "sha256": digest(data), "file": str(path.relative_to(store.root)),
              "bytes": len(data), "width": width, "height": height,
              "chat_id": chat_key(sender.chat_id), "message_id": sender.message_id,
              "sender": sender.user_name, "user_id": sender.user_id,
              "telegram_file": telegram_file}
    try:
        record_evidence(bot.ledger, post.id, "hung", sender.actor, detail=detail, now=bot.clock())
    except OperationError:
        return _refuse(bot, "not_sent", sender, "hung", post=post)
    at = bot.clock().astimezone(bot.zone)
    return EvidenceOutcome(True, f"Đã ghi nhận ảnh ấn phẩm đã treo cho «{post.title}» lúc "
                                 f"{at:%H:%M %d/%m/%Y}. Cảm ơn anh/chị!", post.id)


def handle_published(bot: WardBot, sender: Sender, text: str) -> EvidenceOutcome:
    """An editor's "Đã đăng <URL>": the URL becomes the post's evidence."""
    post = target(bot, sender, "website")
    if isinstance(post, EvidenceOutcome):
        return post
    match = URL.search(text)
    if match is None:
        return _refuse(bot, "no_url", sender, "published", post=post)
    url = match.group(0).rstrip(".,;)")
    try:
        receipt = published_receipt(EditorConfirmation(post.id, url, sender.actor,
                                                        bot.clock()))
    except PermanentError:
        return _refuse(bot, "bad_url", sender, "published", post=post, extra={"url": url[:200]})
    detail = {"via": "telegram", **receipt.detail, "evidence": receipt.evidence,
              "external_id": receipt.external_id, "chat_id": chat_key(sender.chat_id),
              "message_id": sender.message_id}
    try:
        record_evidence(bot.ledger, post.id, "published", sender.actor, detail=detail,
                        now=bot.clock())
    except OperationError:
        return _refuse(bot, "not_sent", sender, "published", post=post)
    return EvidenceOutcome(True, f"Đã ghi nhận: «{post.title}» đã đăng tại {url}", post.id)


def _image_suffix(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return ".png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return ".jpg"  # Telegram re-encodes photos as JPEG


def _fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFD", text).encode("ascii", "ignore").decode().lower()


def looks_published(text: str) -> bool:
    """A message that claims publication ("Đã đăng …", "da dang …") or is only a URL."""
    return bool(PUBLISHED.search(_fold(text))) or bool(URL.fullmatch(text.strip()))


# --------------------------------------------------------------------------- telegram
def _sender(message: Any) -> Sender:
    user = message.from_user
    reply = message.reply_to_message
    return Sender(chat_id=message.chat.id, user_id=user.id if user else 0,
                  user_name=user.full_name if user else "",
                  message_id=message.message_id,
                  reply_to=reply.message_id if reply is not None else None)


async def on_photo(bot: WardBot, update: Any, _context: Any) -> None:
    """Check who sent the photo for which post, download it, store it, answer."""
    from telegram.error import TelegramError

    message = update.effective_message
    sender = _sender(message)
    try:
        post = await asyncio.to_thread(target, bot, sender, "visual")
        if isinstance(post, EvidenceOutcome):
            outcome = post
        else:
            largest = message.photo[-1]
            if (largest.file_size or 0) > MAX_PHOTO_BYTES:
                outcome = await asyncio.to_thread(_refuse, bot, "too_big", sender, "hung", post)
            else:
                try:
                    file = await largest.get_file()
                    buffer = io.BytesIO()
                    await file.download_to_memory(buffer)
                except TelegramError as exc:
                    logger.warning("could not download evidence photo: %s", exc)
                    outcome = EvidenceOutcome(False, REFUSALS["download"], reason="download")
                else:
                    outcome = await asyncio.to_thread(
                        handle_photo, bot, sender, post, buffer.getvalue(),
                        width=largest.width, height=largest.height,
                        telegram_file=largest.file_unique_id)
    except Exception:  # noqa: BLE001 - answer the officer rather than stay silent
        logger.exception("could not record evidence photo")
        outcome = EvidenceOutcome(False, "Chưa ghi nhận được do lỗi hệ thống. Xin gửi lại sau "
                                         "ít phút.", reason="error")
    await _answer(message, outcome)


async def on_text(bot: WardBot, update: Any, _context: Any) -> None:
    """A text that claims publication; others are left alone (people chat in these groups)."""
    message = update.effective_message
    if not looks_published(message.text or ""):
        return
    sender = _sender(message)
    try:
        outcome = await asyncio.to_thread(handle_published, bot, sender, message.text or "")
    except Exception:  # noqa: BLE001
        logger.exception("could not record publication")
        outcome = EvidenceOutcome(False, "Chưa ghi nhận được do lỗi hệ thống. Xin gửi lại sau "
                                         "ít phút.", reason="error")
    await _answer(message, outcome)


async def _answer(message: Any, outcome: EvidenceOutcome) -> None:
    from telegram.error import TelegramError

    try:
        await message.reply_text(outcome.answer)
    except TelegramError as exc:
        logger.warning("could not answer evidence message: %s", exc)


def handlers(bot: WardBot) -> list[Any]:
    """Photos in any chat, and texts that are not commands (the others are ignored)."""
    from telegram.ext import MessageHandler, filters

    async def photo(update: Any, context: Any) -> None:
        await on_photo(bot, update, context)

    async def text(update: Any, context: Any) -> None:
        await on_text(bot, update, context)

    return [MessageHandler(filters.PHOTO, photo),
            MessageHandler(filters.TEXT & ~filters.COMMAND, text)]
