"""A local Telegram Bot API server, for tests that run the real python-telegram-bot against it.

A real HTTP server on 127.0.0.1 that checks what the Bot API checks: ``POST /bot<token>/<method>``
with a known token (401 otherwise), the required fields of each method (400 ``Bad Request:
… is empty`` otherwise), ``chat_id`` of a chat it knows (400 ``chat not found``), well-formed
``reply_markup`` with ``callback_data`` of 1-64 bytes, and an uploaded file for ``sendAudio``.
It answers in the Bot API's shapes (``{"ok": true, "result": …}`` or ``{"ok": false,
"error_code", "description", "parameters"}``).

Methods: getMe, sendMessage, sendAudio, sendPhoto, sendDocument, getFile, getUpdates (serves updates
queued with :meth:`TelegramAPI.press`, :meth:`TelegramAPI.say` and :meth:`TelegramAPI.photo`;
long polling with ``timeout`` waits for the next update like the real server, so a polling bot
does not spin), answerCallbackQuery, editMessageReplyMarkup, editMessageText, deleteWebhook; and file downloads
at ``GET /file/bot<token>/<file_path>`` (404 for an unknown path, 401 for another token), as the
Bot API serves what getFile describes. Failures can be scripted with :meth:`TelegramAPI.fail`.
Tokens never appear in what it records.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote

from tests.channels.fakes.base import LocalServer, send


@dataclass
class Call:
    """One Bot API request as the server saw it (the token is not kept)."""

    method: str
    fields: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)


@dataclass
class Failure:
    method: str
    status: int
    description: str
    retry_after: int | None = None
    times: int = 1


class TelegramAPI(LocalServer):
    """Start with ``with TelegramAPI(token, chats={...}) as api:``; ``api.base`` is the api_base."""

    protocol_version = "HTTP/1.0"
    poll_interval = 0.5

    def __init__(self, token: str, chats: dict[int | str, str] | None = None,
                 bot_id: int = 777000) -> None:
        super().__init__()
        self.token = token
        self.chats = {str(k): v for k, v in (chats or {}).items()}
        self.bot_id = bot_id
        self.calls: list[Call] = self.requests
        self.messages: dict[tuple[str, int], dict[str, Any]] = {}
        self.updates: list[dict[str, Any]] = []
        self.failures: list[Failure] = []
        self.files: dict[str, tuple[str, bytes]] = {}
        """file_id → (file_path, bytes) of files users sent (photos), served by getFile."""
        self.downloads: list[str] = []
        self._next_message = 100
        self._next_update = 1
        self._arrived = threading.Condition(self._lock)
        self._closing = False

    # ---------------------------------------------------------------- lifecycle
    @property
    def base(self) -> str:
        return self.origin

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        self._handle(handler)

    def stopping(self) -> None:
        with self._lock:
            self._closing = True
            self._arrived.notify_all()  # release long polls so shutdown does not wait on them

    # ---------------------------------------------------------------- scripting
    def fail(self, method: str, status: int, description: str, *, retry_after: int | None = None,
             times: int = 1) -> None:
        self.failures.append(Failure(method, status, description, retry_after, times))

    def press(self, chat_id: int | str, message_id: int, data: str, *, user_id: int,
              first_name: str = "Cán bộ") -> dict[str, Any]:
        """Queue a callback_query update as if ``user_id`` pressed a button."""
        with self._lock:
            message = self.messages.get((str(chat_id), message_id)) or {
                "message_id": message_id, "date": int(time.time()),
                "chat": self._chat(str(chat_id))}
            update = {"update_id": self._next_update, "callback_query": {
                "id": f"cq{self._next_update}", "chat_instance": f"ci{chat_id}",
                "from": {"id": user_id, "is_bot": False, "first_name": first_name},
                "message": message, "data": data}}
            self._next_update += 1
            self.updates.append(update)
            self._arrived.notify_all()
            return update

    def say(self, chat_id: int | str, text: str, *, user_id: int,
            first_name: str = "Cán bộ", reply_to: int | None = None) -> dict[str, Any]:
        """Queue a message update as if ``user_id`` wrote ``text`` in the chat.

        A leading ``/command`` (optionally ``@bot_username``) gets a ``bot_command`` entity,
        as Telegram adds one, so command handlers see it.
        """
        with self._lock:
            self._next_message += 1
            message: dict[str, Any] = {
                "message_id": self._next_message, "date": int(time.time()),
                "chat": self._chat(str(chat_id)), "text": text,
                "from": {"id": user_id, "is_bot": False, "first_name": first_name}}
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0,
                                        "length": len(command.encode("utf-16-le")) // 2}]
            self._reply_to(message, str(chat_id), reply_to)
            self.messages[(str(chat_id), self._next_message)] = message
            update = {"update_id": self._next_update, "message": message}
            self._next_update += 1
            self.updates.append(update)
            self._arrived.notify_all()
            return update

    def send_photo(self, chat_id: int | str, data: bytes, *, user_id: int,
                   first_name: str = "Cán bộ", caption: str | None = None) -> dict[str, Any]:
        """A photo sent on its own (not as a reply), as in a /baocao conversation."""
        return self.photo(chat_id, data, user_id=user_id, first_name=first_name, caption=caption)

    def photo(self, chat_id: int | str, data: bytes, *, user_id: int, first_name: str = "Cán bộ",
              reply_to: int | None = None, caption: str | None = None,
              size: tuple[int, int] = (1280, 960)) -> dict[str, Any]:
        """Queue a photo message as Telegram delivers one: ``photo`` is a list of sizes, the
        largest last; each size is a file the bot can getFile and download."""
        with self._lock:
            self._next_message += 1
            n = self._next_message
            sizes = []
            for label, (w, h) in (("s", (max(1, size[0] // 16), max(1, size[1] // 16))),
                                  ("x", size)):
                file_id = f"PHOTO{n}{label}"
                payload = data if label == "x" else data[: max(1, len(data) // 16)]
                self.files[file_id] = (f"photos/file_{n}{label}.jpg", payload)
                sizes.append({"file_id": file_id, "file_unique_id": f"UP{n}{label}",
                              "width": w, "height": h, "file_size": len(payload)})
            message: dict[str, Any] = {
                "message_id": n, "date": int(time.time()), "chat": self._chat(str(chat_id)),
                "from": {"id": user_id, "is_bot": False, "first_name": first_name},
                "photo": sizes}
            if caption:
                message["caption"] = caption
            self._reply_to(message, str(chat_id), reply_to)
            self.messages[(str(chat_id), n)] = message
            update = {"update_id": self._next_update, "message": message}
            self._next_update += 1
            self.updates.append(update)
            self._arrived.notify_all()
            return update

    def _reply_to(self, message: dict[str, Any], chat_id: str, reply_to: int | None) -> None:
        """Embed the replied-to message, as Telegram does (without its own reply, one level)."""
        if reply_to is None:
            return
        original = dict(self.messages.get((chat_id, reply_to)) or {
            "message_id": reply_to, "date": int(time.time()), "chat": self._chat(chat_id)})
        original.pop("reply_to_message", None)
        message["reply_to_message"] = original

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    # ---------------------------------------------------------------- protocol
    def _chat(self, chat_id: str) -> dict[str, Any]:
        kind = "group" if chat_id.startswith("-") else "private"
        chat: dict[str, Any] = {"id": int(chat_id), "type": kind}
        chat["title" if kind == "group" else "first_name"] = self.chats.get(chat_id, "?")
        return chat

    def _parse(self, handler: BaseHTTPRequestHandler) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        ctype = handler.headers.get("Content-Type", "")
        fields: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes]] = {}
        if ctype.startswith("application/json"):
            fields = json.loads(body or b"{}")
        elif ctype.startswith("multipart/form-data"):
            msg = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {ctype}\r\n\r\n".encode() + body)
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                filename = part.get_filename()
                payload = part.get_payload(decode=True) or b""
                if filename:
                    files[name] = (filename, payload)
                else:
                    fields[name] = payload.decode("utf-8")
        else:
            fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        for key in ("reply_markup", "allowed_updates"):
            if isinstance(fields.get(key), str):
                fields[key] = json.loads(fields[key])
        return fields, files

    def _download(self, handler: BaseHTTPRequestHandler, parts: list[str]) -> None:
        """``GET /file/bot<token>/<file_path>``: the bytes of a file getFile described."""
        if parts[1][3:] != self.token:
            return self._reply(handler, 401, {"ok": False, "error_code": 401,
                                              "description": "Unauthorized"})
        wanted = "/".join(parts[2:])
        with self._lock:
            found = next((data for path, data in self.files.values() if path == wanted), None)
            if found is not None:
                self.downloads.append(wanted)
        if found is None:
            return self._reply(handler, 404, {"ok": False, "error_code": 404,
                                              "description": "Not Found"})
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Length", str(len(found)))
        handler.end_headers()
        handler.wfile.write(found)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        parts = path.strip("/").split("/")
        if len(parts) >= 3 and parts[0] == "file" and parts[1].startswith("bot"):
            return self._download(handler, [unquote(p) for p in parts])  # httpx quotes ':'

        if len(parts) != 2 or not parts[0].startswith("bot"):
            return self._reply(handler, 404, {"ok": False, "error_code": 404,
                                              "description": "Not Found"})
        token, method = parts[0][3:], parts[1]
        if token != self.token:
            return self._reply(handler, 401, {"ok": False, "error_code": 401,
                                              "description": "Unauthorized"})
        fields, files = self._parse(handler)
        with self._lock:
            self.calls.append(Call(method, fields, files))
            for failure in self.failures:
                if failure.method == method and failure.times > 0:
                    failure.times -= 1
                    body: dict[str, Any] = {"ok": False, "error_code": failure.status,
                                            "description": failure.description}
                    if failure.retry_after is not None:
                        body["parameters"] = {"retry_after": failure.retry_after}
                    return self._reply(handler, failure.status, body)
        handler_fn = getattr(self, f"_m_{method}", None)
        if handler_fn is None:
            return self._reply(handler, 404, {"ok": False, "error_code": 404,
                                              "description": "Not Found: method not found"})
        try:
            result = handler_fn(fields, files)
        except _BadRequest as exc:
            return self._reply(handler, 400, {"ok": False, "error_code": 400,
                                              "description": f"Bad Request: {exc}"})
        self._reply(handler, 200, {"ok": True, "result": result})

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        send(handler, status, body, ctype="application/json")

    # ---------------------------------------------------------------- methods
    def _require(self, fields: dict[str, Any], *names: str) -> None:
        for name in names:
            if fields.get(name) in (None, ""):
                raise _BadRequest(f"{name} is empty")

    def _known_chat(self, fields: dict[str, Any]) -> str:
        self._require(fields, "chat_id")
        chat_id = str(fields["chat_id"])
        if chat_id not in self.chats:
            raise _BadRequest("chat not found")
        return chat_id

    def _check_markup(self, markup: Any) -> None:
        if markup is None:
            return
        if isinstance(markup, dict) and markup.get("force_reply") is True:
            return  # ForceReply: shows a reply field, carries no buttons
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _BadRequest("can't parse reply keyboard markup JSON object")
        for row in rows:
            for button in row:
                if not button.get("text"):
                    raise _BadRequest("text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise _BadRequest("BUTTON_DATA_INVALID")

    def _new_message(self, chat_id: str, extra: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._next_message += 1
            message = {"message_id": self._next_message, "date": int(time.time()),
                       "chat": self._chat(chat_id),
                       "from": {"id": self.bot_id, "is_bot": True, "first_name": "Loa phường",
                                "username": "loa_phuong_bot"}, **extra}
            self.messages[(chat_id, self._next_message)] = message
        return message

    def _m_getMe(self, fields: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"id": self.bot_id, "is_bot": True, "first_name": "Loa phường",
                "username": "loa_phuong_bot", "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _m_getChatMember(self, fields: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        """ChatMember of ``user_id`` in a known chat: the bot is a member of every chat the
        fake knows unless listed in ``self.left`` (then "left", as Telegram answers)."""
        chat_id = self._known_chat(fields)
        self._require(fields, "user_id")
        status = "left" if chat_id in getattr(self, "left", set()) else "member"
        return {"status": status, "user": {"id": int(fields["user_id"]), "is_bot": True,
                                           "first_name": "Loa phường"}}

    def _m_deleteWebhook(self, fields: dict[str, Any], files: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _m_sendMessage(self, fields: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        chat_id = self._known_chat(fields)
        self._require(fields, "text")
        if len(fields["text"]) > 4096:
            raise _BadRequest("message is too long")
        self._check_markup(fields.get("reply_markup"))
        if fields.get("parse_mode") not in (None, "", "HTML", "MarkdownV2", "Markdown"):
            raise _BadRequest("unsupported parse_mode")
        if fields.get("parse_mode") == "HTML":
            _check_html(fields["text"])
        extra: dict[str, Any] = {"text": fields["text"]}
        if (fields.get("reply_markup") or {}).get("inline_keyboard"):
            # a Message carries only inline keyboards (ForceReply is not echoed back)
            extra["reply_markup"] = fields["reply_markup"]
        return self._new_message(chat_id, extra)

    def _m_sendAudio(self, fields: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        chat_id = self._known_chat(fields)
        if "audio" not in files and not fields.get("audio"):
            raise _BadRequest("there is no audio in the request")
        name, payload = files.get("audio", ("file", b""))
        if "audio" in files and not payload:
            raise _BadRequest("file must be non-empty")
        audio = {"file_id": f"AUD{len(self.calls)}", "file_unique_id": f"U{len(self.calls)}",
                 "duration": int(fields.get("duration") or 0), "mime_type": "audio/mpeg",
                 "file_name": name, "file_size": len(payload)}
        if fields.get("title"):
            audio["title"] = fields["title"]
        extra: dict[str, Any] = {"audio": audio}
        if fields.get("caption"):
            extra["caption"] = fields["caption"]
        self._check_markup(fields.get("reply_markup"))
        return self._new_message(chat_id, extra)

    def _m_sendDocument(self, fields: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        chat_id = self._known_chat(fields)
        if "document" not in files and not fields.get("document"):
            raise _BadRequest("there is no document in the request")
        name, payload = files.get("document", ("file", b""))
        if "document" in files and not payload:
            raise _BadRequest("file must be non-empty")
        if len(fields.get("caption") or "") > 1024:
            raise _BadRequest("message caption is too long")
        document = {"file_id": f"DOC{len(self.calls)}", "file_unique_id": f"UD{len(self.calls)}",
                    "file_name": name, "file_size": len(payload)}
        extra: dict[str, Any] = {"document": document}
        if fields.get("caption"):
            extra["caption"] = fields["caption"]
        return self._new_message(chat_id, extra)

    def _m_getFile(self, fields: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        self._require(fields, "file_id")
        known = self.files.get(str(fields["file_id"]))
        if known is None:
            raise _BadRequest("invalid file_id")
        path, data = known
        return {"file_id": fields["file_id"], "file_unique_id": f"U{fields['file_id']}",
                "file_size": len(data), "file_path": path}

    def _m_sendPhoto(self, fields: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        chat_id = self._known_chat(fields)
        if "photo" not in files and not fields.get("photo"):
            raise _BadRequest("there is no photo in the request")
        name, payload = files.get("photo", ("file", b""))
        if "photo" in files and not payload:
            raise _BadRequest("file must be non-empty")
        if "photo" in files and not payload.startswith((b"\x89PNG", b"\xff\xd8")):
            raise _BadRequest("IMAGE_PROCESS_FAILED")
        if len(fields.get("caption") or "") > 1024:
            raise _BadRequest("message caption is too long")
        self._check_markup(fields.get("reply_markup"))
        size = {"file_id": f"PH{len(self.calls)}", "file_unique_id": f"P{len(self.calls)}",
                "width": 0, "height": 0, "file_size": len(payload)}
        extra: dict[str, Any] = {"photo": [size]}
        if fields.get("caption"):
            extra["caption"] = fields["caption"]
        return self._new_message(chat_id, extra)

    def _m_getUpdates(self, fields: dict[str, Any], files: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        offset = int(fields.get("offset") or 0)
        timeout = float(fields.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                if offset:
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                left = deadline - time.monotonic()
                if self.updates or left <= 0 or self._closing:
                    return list(self.updates)
                self._arrived.wait(left)

    def _m_answerCallbackQuery(self, fields: dict[str, Any], files: dict[str, Any]) -> bool:  # noqa: N802
        self._require(fields, "callback_query_id")
        return True

    def _m_editMessageReplyMarkup(self, fields: dict[str, Any], files: dict[str, Any]) -> Any:  # noqa: N802
        chat_id = self._known_chat(fields)
        self._require(fields, "message_id")
        key = (chat_id, int(fields["message_id"]))
        if key not in self.messages:
            raise _BadRequest("message to edit not found")
        self._check_markup(fields.get("reply_markup"))
        message = self.messages[key]
        if fields.get("reply_markup"):
            message["reply_markup"] = fields["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return message

    def _m_editMessageText(self, fields: dict[str, Any], files: dict[str, Any]) -> Any:  # noqa: N802
        chat_id = self._known_chat(fields)
        self._require(fields, "message_id", "text")
        key = (chat_id, int(fields["message_id"]))
        if key not in self.messages:
            raise _BadRequest("message to edit not found")
        self._check_markup(fields.get("reply_markup"))
        message = self.messages[key]
        message["text"] = fields["text"]
        if fields.get("reply_markup"):
            message["reply_markup"] = fields["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return message


class _BadRequest(Exception):
    pass


_HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
              "span", "tg-spoiler", "blockquote"}


def _check_html(text: str) -> None:
    """Telegram's HTML parse mode: only its tags, balanced, and bare ``<``/``&`` escaped."""
    import re

    stack: list[str] = []
    for match in re.finditer(r"<(/?)([a-zA-Z-]+)[^>]*>|<|&(?!(lt|gt|amp|quot|#\d+);)", text):
        if match.group(2) is None:
            raise _BadRequest("can't parse entities: unsupported start tag or unescaped character")
        tag = match.group(2).lower()
        if tag not in _HTML_TAGS:
            raise _BadRequest(f'can\'t parse entities: unsupported start tag "{tag}"')
        if match.group(1):
            if not stack or stack.pop() != tag:
                raise _BadRequest(f'can\'t parse entities: unexpected end tag "{tag}"')
        else:
            stack.append(tag)
    if stack:
        raise _BadRequest("can't parse entities: unclosed start tag")
