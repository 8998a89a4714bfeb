"""Files and a note to a person's Telegram chat: print PDFs to a ward, an article bundle to
a portal editor.

Shared by the visual and website adapters (the loudspeaker adapter has its own audio variant of
the same pattern). python-telegram-bot does the protocol; its errors become our typed errors in
:func:`telegram_error`, the one place for these two channels. A message to a person is not
idempotent, so callers mark these routes at most once.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from channels.base import (
    AdapterContext,
    AuthError,
    ChannelError,
    ConfigError,
    PermanentError,
    PermissionDeniedError,
    RateLimitError,
    TransientError,
    UnknownOutcomeError,
)
from channels.secrets import redact

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


class TelegramChat(BaseModel):
    """``deliver: {via: telegram, chat_id: "-100…", users: [111]}``: the chat that receives the
    files and the Telegram user ids whose confirmations (photo, "Đã đăng") the bot accepts."""

    model_config = ConfigDict(extra="forbid")
    chat_id: int | str
    users: list[int] = Field(default_factory=list)


@dataclass(frozen=True)
class Document:
    name: str
    data: bytes
    caption: str | None = None


def settings(context: AdapterContext) -> tuple[str, str]:
    """(api_base, token reference) from the workspace's ``telegram:`` block."""
    conf: Mapping[str, Any] = context.telegram or {}
    token_ref = conf.get("token")
    if not token_ref:
        raise ConfigError("Chưa khai báo telegram.token (dạng env:TEN_BIEN) trong directory.yaml.")
    return str(conf.get("api_base") or "https://api.telegram.org").rstrip("/"), str(token_ref)


def send_documents(context: AdapterContext, chat_id: int | str, documents: Sequence[Document],
                   text: str) -> list[int]:
    """Send each document, then ``text`` (split at Telegram's limit); the message ids in order.

    The last id is the message people answer (reply with a photo or the article's URL).
    """
    api_base, token_ref = settings(context)
    token = context.secrets(token_ref)
    try:
        with warnings.catch_warnings():  # PTB 22.2+ RetryAfter deprecation chatter
            warnings.simplefilter("ignore", DeprecationWarning)
            return asyncio.run(_send(api_base, token, chat_id, documents, text,
                                     context.timeout))
    except ChannelError:
        raise
    except Exception as exc:  # noqa: BLE001 - mapped in one place below
        raise telegram_error(exc, [token], chat_id) from None


async def _send(api_base: str, token: str, chat_id: int | str, documents: Sequence[Document],
                text: str, timeout: float) -> list[int]:
    from telegram import Bot
    from telegram.request import HTTPXRequest

    request = HTTPXRequest(connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout,
                           media_write_timeout=timeout * 3)
    bot = Bot(token, base_url=f"{api_base}/bot", base_file_url=f"{api_base}/file/bot",
              request=request)
    ids: list[int] = []
    async with bot:
        for doc in documents:
            sent = await bot.send_document(chat_id=chat_id, document=doc.data, filename=doc.name,
                                           caption=(doc.caption or None) and
                                           doc.caption[:CAPTION_LIMIT])
            ids.append(sent.message_id)
        for part in _parts(text):
            msg = await bot.send_message(chat_id=chat_id, text=part)
            ids.append(msg.message_id)
    return ids


def _parts(text: str) -> list[str]:
    """Split at paragraph ends so no message exceeds Telegram's limit."""
    out: list[str] = []
    current = ""
    for para in text.split("\n\n"):
        candidate = f"{current}\n\n{para}" if current else para
        if len(candidate) <= TEXT_LIMIT:
            current = candidate
            continue
        if current:
            out.append(current)
        while len(para) > TEXT_LIMIT:
            out.append(para[:TEXT_LIMIT])
            para = para[TEXT_LIMIT:]
        current = para
    if current:
        out.append(current)
    return out


def check_membership(context: AdapterContext, chat_id: int | str) -> dict[str, Any]:
    """The bot is still a member of the chat (getChatMember), without sending anything."""
    api_base, token_ref = settings(context)
    token = context.secrets(token_ref)

    async def membership() -> tuple[str, str]:
        from telegram import Bot

        async with Bot(token, base_url=f"{api_base}/bot") as bot:
            member = await bot.get_chat_member(chat_id, bot.id)
            return str(member.status), bot.username or str(bot.id)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            status, name = asyncio.run(membership())
    except Exception as exc:  # noqa: BLE001 - mapped in one place
        raise telegram_error(exc, [token], chat_id) from None
    if status in ("left", "kicked"):
        raise PermissionDeniedError(f"Bot @{name} không còn trong nhóm {chat_id}. Thêm bot vào "
                                    "nhóm Telegram rồi kiểm tra lại.")
    return {"ok": True, "via": "telegram", "note": f"bot @{name} là thành viên nhóm {chat_id} "
            f"({status})"}


def telegram_error(exc: BaseException, secrets: list[str], chat_id: int | str) -> ChannelError:
    """The one place where python-telegram-bot's errors become typed errors (files, notes)."""
    from telegram import error as tg

    text = redact(str(exc), secrets)
    if isinstance(exc, tg.InvalidToken):
        return AuthError("Telegram từ chối mã bot (token). Hãy kiểm tra telegram.token.",
                         reconnect=True, platform_message=text)
    if isinstance(exc, tg.RetryAfter):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            retry = exc.retry_after
        seconds = retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)
        return RateLimitError("Telegram yêu cầu gửi chậm lại.", retry_after=seconds, code=429,
                              platform_message=text)
    if isinstance(exc, tg.Forbidden):
        return PermissionDeniedError("Bot Telegram không được gửi vào nhóm/người nhận này (bị "
                                     "chặn hoặc chưa được thêm vào nhóm).", code=403,
                                     platform_message=text)
    if isinstance(exc, tg.BadRequest):
        if "chat not found" in text.lower():
            return ConfigError(f"Không tìm thấy chat_id {chat_id} trên Telegram (bot chưa được "
                               "thêm vào nhóm?).", code=400, platform_message=text)
        return PermanentError(f"Telegram từ chối tin nhắn: {text}", code=400,
                              platform_message=text)
    if isinstance(exc, tg.TimedOut):
        return UnknownOutcomeError("Telegram không trả lời kịp; tin có thể đã được gửi.",
                                   platform_message=text)
    if isinstance(exc, tg.NetworkError):
        import httpx

        if isinstance(exc.__cause__, httpx.ConnectError):
            return TransientError(f"Không kết nối được Telegram: {text}")
        return UnknownOutcomeError(f"Lỗi mạng khi gửi Telegram: {text}")
    if isinstance(exc, tg.TelegramError):
        return PermanentError(f"Telegram báo lỗi: {text}", platform_message=text)
    return UnknownOutcomeError(f"Lỗi không lường trước khi gửi Telegram ({type(exc).__name__}).",
                               detail={"exception": text[:300]})
