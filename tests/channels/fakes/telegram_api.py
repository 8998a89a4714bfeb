"""A local Telegram Bot API server, for tests that run the real python-telegram-bot against it.

A real HTTP server on 127.0.0.1 that checks what the Bot API checks: ``POST /bot<token>/<method>``
with a known token (401 otherwise), the required fields of each method (400 ``Bad Request:
… is empty`` otherwise), ``chat_id`` of a chat it knows (400 ``chat not found``), well-formed
``reply_markup`` with ``callback_data`` of 1-64 bytes, and an uploaded file for ``sendAudio``.
It answers in the Bot API's shapes (``{"ok": true, "result": …}`` or ``{"ok": false,
"error_code", "description", "parameters"}``).

Methods: getMe, sendMessage, sendAudio, getUpdates (serves updates queued with
:meth:`TelegramAPI.press` and :meth:`TelegramAPI.say`; long polling with ``timeout`` waits for
the next update like the real server, so a polling bot does not spin), answerCallbackQuery,
editMessageReplyMarkup, editMessageText, deleteWebhook, getFile (and ``GET /file/bot<token>/<path>``
for photos queued with :meth:`TelegramAPI.send_photo`). Failures can be scripted with :meth:`TelegramAPI.fail`.
Tokens never appear in what it records.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote


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


class TelegramAPI:
    """Start with ``with TelegramAPI(token, chats={...}) as api:``; ``api.base`` is the api_base."""

    def __init__(self, token: str, chats: dict[int | str, str] | None = None,
                 bot_id: int = 777000) -> None:
        self.token = token
        self.chats = {str(k): v for k, v in (chats or {}).items()}
        self.bot_id = bot_id
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, int], dict[str, Any]] = {}
        self.updates: list[dict[str, Any]] = []
        self.failures: list[Failure] = []
        self._next_message = 100
        self.files: dict[str, tuple[str, bytes]] = {}
        """file_id → (file_path, bytes) of photos users sent."""
        self._next_update = 1
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._closing = False
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                api._handle(self)

            do_GET = do_POST  # noqa: N815 - the Bot API accepts GET too

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ---------------------------------------------------------------- lifecycle
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> TelegramAPI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._closing = True
            self._arrived.notify_all()  # release long polls so shutdown does not wait on them
        self.server.shutdown()
        self.server.server_close()

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
            first_name: str = "Cán bộ") -> dict[str, Any]:
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
            self.messages[(str(chat_id), self._next_message)] = message
            update = {"update_id": self._next_update, "message": message}
            self._next_update += 1
            self.updates.append(update)
            self._arrived.notify_all()
            return update

    def send_photo(self, chat_id: int | str, data: bytes, *, user_id: int,
                   first_name: str = "Cán bộ", caption: str | None = None) -> dict[str, Any]:
        """Queue a message update carrying a photo, as Telegram sends it: a list of PhotoSize
        (a small preview and the full picture, each with its own file_id) that the bot fetches
        with getFile and a download from ``/file/bot<token>/<file_path>``."""
        with self._lock:
            self._next_message += 1
            n = len(self.files) // 2  # two sizes per photo
            sizes = []
            for label, payload in (("s", data[:64]), ("x", data)):
                file_id = f"PHOTO{n}{label}"
                self.files[file_id] = (f"photos/file_{n}{label}.jpg", payload)
                sizes.append({"file_id": file_id, "file_unique_id": f"UQ{n}{label}",
                              "width": 90 if label == "s" else 1280,
                              "height": 60 if label == "s" else 960, "file_size": len(payload)})
            message: dict[str, Any] = {
                "message_id": self._next_message, "date": int(time.time()),
                "chat": self._chat(str(chat_id)), "photo": sizes,
                "from": {"id": user_id, "is_bot": False, "first_name": first_name}}
            if caption:
                message["caption"] = caption
            update = {"update_id": self._next_update, "message": message}
            self._next_update += 1
            self.updates.append(update)
            self._arrived.notify_all()
            return update

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

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        if path.startswith("/file/"):
            return self._download(handler, path)
        parts = path.strip("/").split("/")
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

    def _download(self, handler: BaseHTTPRequestHandler, path: str) -> None:
        """``GET /file/bot<token>/<file_path>``: the bytes of a file getFile described."""
        path = unquote(path)  # python-telegram-bot percent-encodes the ":" of the token
        prefix = f"/file/bot{self.token}/"
        with self._lock:
            self.calls.append(Call("download", {"path": path.split("/", 3)[-1]}))
            found = next((data for fp, data in self.files.values()
                          if path == prefix + fp), None)
        if not path.startswith(prefix) or found is None:
            return self._reply(handler, 404, {"ok": False, "error_code": 404,
                                              "description": "Not Found"})
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Length", str(len(found)))
        handler.end_headers()
        handler.wfile.write(found)

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

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
        extra: dict[str, Any] = {"text": fields["text"]}
        if fields.get("reply_markup"):
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


    def _m_getFile(self, fields: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        self._require(fields, "file_id")
        with self._lock:
            found = self.files.get(str(fields["file_id"]))
        if found is None:
            raise _BadRequest("invalid file_id")
        file_path, data = found
        return {"file_id": fields["file_id"], "file_unique_id": f"U{fields['file_id']}",
                "file_size": len(data), "file_path": file_path}

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
