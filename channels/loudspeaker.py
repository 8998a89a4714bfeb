"""Loudspeaker stations (đài truyền thanh cơ sở): one adapter, three routes (``deliver.via``).

* ``folder`` — the audio and a schedule manifest (``schedule.json``) in a folder that a vendor
  player (or a person with a USB stick) picks up. Atomic writes, idempotent: delivering the same
  post again rewrites the same file and the same manifest entry. Evidence ``written``.
* ``icecast`` — at the session time the audio is streamed to the station's Icecast mount with
  an HTTP ``PUT`` (Icecast ≥ 2.4 source protocol, basic auth ``source:<password>``), paced at
  the audio's own bit rate so smart IP loudspeakers play it live. Evidence ``streamed`` only
  once the last byte went out and the server kept the connection.
* ``telegram`` — the ward officer who reads or plays the bulletin gets the audio and the script
  with three buttons; their presses (recorded by the bot listener, not here) are the evidence of
  a broadcast. Evidence of this adapter: ``sent``.

Button ``callback_data`` format (≤ 64 bytes, parsed by :func:`parse_callback`)::

    p:<post_id>:<action>     action ∈ received | played | failed

Audio: ``content["audio"]`` (a file under the workspace's media/) is used as is; otherwise the
script is synthesised once per recipe into a content-addressed store under var/speech.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import hashlib
import http.client
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assets.speech.audio import AudioInfo, measure, synthesize_cached
from assets.speech.engines import SpeechError
from assets.speech.settings import speech_kit
from assets.speech.voices import VoiceChoice
from assets.store import MediaStore, atomic_write
from assets.systools import MissingToolError, require
from channels.base import (
    Adapter,
    AdapterContext,
    AuthError,
    CancelledError,
    ChannelError,
    ConfigError,
    Delivery,
    EndpointConfig,
    PermanentError,
    Receipt,
    TransientError,
    UnknownOutcomeError,
    register,
)
from channels.secrets import redact

__all__ = ["ACTIONS", "LoudspeakerAdapter", "LoudspeakerConfig", "callback_data", "parse_callback"]

ACTIONS: dict[str, str] = {"received": "Đã nhận", "played": "Đã phát", "failed": "Không phát được"}
"""Button actions and their Vietnamese labels, in display order."""

TELEGRAM_TEXT_LIMIT = 4096
_STREAM_LOCKS: dict[str, threading.Lock] = {}
_STREAM_GUARD = threading.Lock()
_SPEECH_LOCKS: dict[str, threading.Lock] = {}
ICECAST_AHEAD_SECONDS = 15.0
"""The engine hands an Icecast session over this early; the stream still starts at due_at."""


def callback_data(post_id: int, action: str) -> str:
    """``p:<post_id>:<action>`` — what a button sends back to the bot."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return f"p:{int(post_id)}:{action}"


def parse_callback(data: str) -> tuple[int, str] | None:
    """(post_id, action) from a button's callback_data; None for anything we did not make."""
    parts = data.split(":")
    if len(parts) != 3 or parts[0] != "p" or not parts[1].isdigit() or parts[2] not in ACTIONS:
        return None
    return int(parts[1]), parts[2]


# --------------------------------------------------------------------------- configuration
class _Route(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FolderRoute(_Route):
    via: Literal["folder"]
    path: str


class IcecastRoute(_Route):
    via: Literal["icecast"]
    url: str | None = None
    """``http://host:port/mount`` — or give host, port and mount separately."""
    host: str | None = None
    port: int = Field(default=8000, gt=0, lt=65536)
    mount: str | None = None
    user: str = "source"
    password: str
    """``env:NAME`` — the Icecast source password, never written in the YAML itself."""
    bitrate: int = Field(default=64, ge=16, le=320)

    @model_validator(mode="after")
    def _where(self) -> IcecastRoute:
        if self.url:
            parts = urlsplit(self.url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"url Icecast '{self.url}' không hợp lệ, ví dụ http://10.0.0.9:8000/loa.mp3.")
            self.host = parts.hostname
            self.port = parts.port or (443 if parts.scheme == "https" else 8000)
            self.mount = parts.path or self.mount
        if not self.host or not self.mount:
            raise ValueError("Icecast cần url (http://máy:cổng/điểm-phát) hoặc host, port và mount.")
        if not self.mount.startswith("/"):
            self.mount = "/" + self.mount
        if not self.password.startswith("env:"):
            raise ValueError("Mật khẩu nguồn Icecast phải khai báo dạng env:TEN_BIEN.")
        return self


class TelegramRoute(_Route):
    via: Literal["telegram"]
    chat_id: int | str
    users: list[int] = Field(default_factory=list)
    """Telegram user ids allowed to press the buttons (checked by the bot listener)."""


class LoudspeakerConfig(EndpointConfig):
    """A loudspeaker station in ``directory.yaml``.

    ``voice``/``syllables_per_second`` choose how scripts are synthesised; ``intro``/``outro``
    are jingle files in media/; ``audio_format`` is what the folder route writes.
    Route options live in ``deliver`` (see the module docstring).
    """

    channel: Literal["loudspeaker"] = "loudspeaker"
    voice: str | VoiceChoice = "vi"
    """A voice name (espeak-ng's or the service's), or ``{region: bac|trung|nam, gender:
    nu|nam}`` for whichever engine the workspace configures (assets/speech/voices.py)."""
    syllables_per_second: float = Field(default=4.0, gt=0.5, le=10)
    intro: str | None = None
    outro: str | None = None
    audio_format: Literal["mp3", "ogg", "wav"] = "mp3"

    @model_validator(mode="after")
    def _route_ok(self) -> LoudspeakerConfig:
        self.route_options()
        return self

    def route_options(self) -> FolderRoute | IcecastRoute | TelegramRoute | None:
        """The typed ``deliver`` block; None for the outbox route (another adapter)."""
        if self.deliver is None:
            raise ValueError("Loa truyền thanh cần deliver.via: folder, icecast hoặc telegram.")
        raw = {"via": self.deliver.via, **(self.deliver.model_extra or {})}
        models: dict[str, type[_Route]] = {"folder": FolderRoute, "icecast": IcecastRoute,
                                           "telegram": TelegramRoute}
        if self.deliver.via == "outbox":
            return None
        model = models.get(self.deliver.via)
        if model is None:
            raise ValueError(f"Loa truyền thanh không gửi được qua '{self.deliver.via}'. "
                             "Dùng deliver.via: folder, icecast hoặc telegram.")
        try:
            return model.model_validate(raw)  # type: ignore[return-value]
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ValueError(f"deliver.{where}: {first['msg']}") from None


# --------------------------------------------------------------------------- helpers
@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Exclusive lock beside the manifest: two workers must not lose each other's entries."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _chunks(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split a long script at paragraph or sentence ends so no message exceeds Telegram's limit."""
    out: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind("\n", 0, limit), rest.rfind(". ", 0, limit) + 1, rest.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        out.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    out.append(rest)
    return [c for c in out if c]


# --------------------------------------------------------------------------- adapter
@register("loudspeaker")
class LoudspeakerAdapter(Adapter[LoudspeakerConfig]):
    """Delivers a loudspeaker post by folder, Icecast stream or Telegram to the ward officer."""

    Config = LoudspeakerConfig
    routes = ("folder", "icecast", "telegram")

    @classmethod
    def is_at_most_once(cls, endpoint: EndpointConfig) -> bool:
        """A Telegram message to the ward officer is not idempotent: sending it twice puts two
        scripts in the chat. An unknown outcome there waits for a person, like a public post."""
        return endpoint.via == "telegram"

    @classmethod
    def ahead_seconds(cls, endpoint: EndpointConfig) -> float:
        """A live Icecast session must start on the second: transcode first, then wait."""
        return ICECAST_AHEAD_SECONDS if endpoint.via == "icecast" else 0.0

    def __init__(self, endpoint: EndpointConfig, context: AdapterContext) -> None:
        if not isinstance(endpoint, LoudspeakerConfig):
            endpoint = LoudspeakerConfig.model_validate(endpoint.model_dump(by_alias=True))
        super().__init__(endpoint, context)
        route = endpoint.route_options()
        if route is None:
            raise ConfigError("Loa truyền thanh qua outbox do bộ gửi outbox xử lý.")
        self.route = route
        self._secrets_seen: list[str] = []

    # ---------------------------------------------------------------- audio
    def _media(self, name: str) -> Path:
        root = self.context.media_dir.resolve()
        path = (root / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise PermanentError(f"Không tìm thấy tệp âm thanh '{name}' trong thư mục media. "
                                 "Hãy chép tệp vào media/ rồi lập lịch lại.")
        return path

    def _audio(self, delivery: Delivery, fmt: str) -> AudioInfo:
        """The post's audio: the operator's recording, or speech made once and stored."""
        return self._audio_of(delivery.content, fmt)

    def _audio_of(self, content: Mapping[str, Any], fmt: str) -> AudioInfo:
        if content.get("audio"):
            path = self._media(str(content["audio"]))
            try:
                return measure(path)
            except SpeechError as exc:
                raise PermanentError(f"Tệp âm thanh '{content['audio']}' hỏng: {exc}") from None
        script = str(content.get("script") or "").strip()
        if not script:
            raise PermanentError("Bài phát thanh không có kịch bản (script) và không có tệp âm thanh.")
        store = MediaStore(self.context.var_dir / "speech")
        # Lanes delivering one script to many mounts wait for a single synthesis (the store
        # is content-addressed, but would otherwise run espeak-ng once per lane at once).
        own = self.config.model_fields_set
        recipe = hashlib.sha256(repr((
            str(store.root), script, fmt, self.config.voice if "voice" in own else None,
            self.config.syllables_per_second if "syllables_per_second" in own else None,
            self.config.intro, self.config.outro, content.get("voice"))).encode()).hexdigest()
        with _STREAM_GUARD:
            lock = _SPEECH_LOCKS.setdefault(recipe, threading.Lock())
        with lock:
            return self._synthesise(script, store, fmt, content.get("voice"))

    def _synthesise(self, script: str, store: MediaStore, fmt: str,
                    campaign_voice: Any = None) -> AudioInfo:
        try:
            own = self.config.model_fields_set
            kit = speech_kit(self.context.speech, self.context.secrets,
                             voice=self.config.voice if "voice" in own else None,
                             campaign_voice=campaign_voice,
                             syllables_per_second=self.config.syllables_per_second
                             if "syllables_per_second" in own else None)
            return synthesize_cached(
                script, store, fmt=fmt, engine=kit.engine, dictionary=kit.dictionary,
                syllables_per_second=kit.syllables_per_second,
                intro=self._media(self.config.intro) if self.config.intro else None,
                outro=self._media(self.config.outro) if self.config.outro else None,
            )
        except SpeechError as exc:
            raise ConfigError(f"Không tạo được âm thanh cho bài phát thanh: {exc}") from None

    # ---------------------------------------------------------------- deliver
    def prepare(self, content: dict[str, Any]) -> None:
        """Synthesise the speech (and, for Icecast, the constant-bit-rate stream) into the
        stores :meth:`deliver` reads, so delivery starts without rendering anything."""
        if isinstance(self.route, FolderRoute):
            self._audio_of(content, self.config.audio_format)
        elif isinstance(self.route, IcecastRoute):
            self._stream_file(self._audio_of(content, "mp3").path, self.route.bitrate)
        else:
            self._audio_of(content, "mp3")

    def deliver(self, delivery: Delivery) -> Receipt:
        if isinstance(self.route, FolderRoute):
            return self._deliver_folder(delivery, self.route)
        if isinstance(self.route, IcecastRoute):
            return self._deliver_icecast(delivery, self.route)
        return self._deliver_telegram(delivery, self.route)

    def check(self) -> dict[str, Any]:
        """Try each route for real without playing anything: the folder takes a file, Icecast
        accepts the source password (a read-only admin request for the mount), the bot is a
        member of the ward's chat (getChatMember)."""
        if isinstance(self.route, FolderRoute):
            return self._check_folder(self.route)
        if isinstance(self.route, IcecastRoute):
            return self._check_icecast(self.route)
        return self._check_telegram(self.route)

    def _check_folder(self, route: FolderRoute) -> dict[str, Any]:
        folder = self._folder(route)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".kiem-tra-"):
                pass
        except OSError as exc:
            raise ConfigError(f"Không ghi được vào thư mục {folder} ({exc.strerror}). Cấp quyền "
                              "ghi cho người dùng chạy dịch vụ hoặc sửa deliver.path.") from None
        return {"ok": True, "via": "folder", "note": f"thư mục {folder} ghi được"}

    def _check_icecast(self, route: IcecastRoute) -> dict[str, Any]:
        password = self.context.secrets(route.password)
        self._secrets_seen.append(password)
        assert route.host and route.mount  # IcecastRoute._where refuses a route without them
        conn_cls = http.client.HTTPSConnection if (route.url or "").startswith("https") \
            else http.client.HTTPConnection
        conn = conn_cls(route.host, route.port, timeout=self.context.timeout)
        auth = base64.b64encode(f"{route.user}:{password}".encode()).decode()
        try:  # answers 401 to a wrong password, 400 "Source does not exist" to an idle mount
            conn.request("GET", f"/admin/listclients?mount={route.mount}",
                         headers={"Authorization": f"Basic {auth}"})
            status = conn.getresponse().status
        except (OSError, http.client.HTTPException) as exc:
            raise TransientError(f"Không kết nối được máy chủ Icecast {route.host}:{route.port}"
                                 f" ({redact(str(exc), self._secrets_seen)}).") from None
        finally:
            conn.close()
        if status in (401, 403):
            raise AuthError(f"Icecast {route.host}:{route.port} từ chối mật khẩu nguồn của "
                            f"{route.mount}. Kiểm tra biến {route.password[4:]} trong .env.",
                            http_status=status)
        if status not in (200, 400):
            raise self._icecast_error(status, None)
        busy = "đang có nguồn phát" if status == 200 else "đang rảnh"
        return {"ok": True, "via": "icecast",
                "note": f"mật khẩu nguồn được chấp nhận; điểm phát {route.mount} {busy}"}

    def _check_telegram(self, route: TelegramRoute) -> dict[str, Any]:
        """The bot is still in the ward's group (getChatMember), as every Telegram route
        checks it (:func:`channels.telegram_docs.check_membership`)."""
        from channels.telegram_docs import check_membership

        return check_membership(self.context, route.chat_id)

    # ---------------------------------------------------------------- folder
    def _folder(self, route: FolderRoute) -> Path:
        base = Path(route.path)
        return base if base.is_absolute() else self.context.workspace / base

    def _deliver_folder(self, delivery: Delivery, route: FolderRoute) -> Receipt:
        folder = self._folder(route)
        info = self._audio(delivery, self.config.audio_format)
        day = f"{delivery.local_due:%Y-%m-%d}"
        stem = f"{delivery.local_due:%H%M}-{delivery.message_id}-{delivery.post_id}"
        audio_rel = f"{day}/{stem}{info.path.suffix}"
        script_rel = f"{day}/{stem}.txt"
        entry = {
            "post_id": delivery.post_id, "key": delivery.post_key,
            "title": str(delivery.content.get("title") or delivery.campaign_title),
            "campaign": delivery.campaign_id, "priority": delivery.priority,
            "play_at": delivery.local_due.isoformat(),
            "expires_at": delivery.expires_at.isoformat() if delivery.expires_at else None,
            "file": audio_rel, "script": script_rel,
            "duration_seconds": info.duration_seconds, "lufs": info.lufs,
        }
        manifest = folder / "schedule.json"
        try:
            atomic_write(folder / audio_rel, info.path.read_bytes())
            atomic_write(folder / script_rel, str(delivery.content.get("script") or "").encode())
            with _locked(folder / ".schedule.lock"):
                items = []
                if manifest.is_file():
                    items = json.loads(manifest.read_text(encoding="utf-8")).get("items", [])
                items = [i for i in items if i.get("key") != delivery.post_key] + [entry]
                items.sort(key=lambda i: (i["play_at"], i["key"]))
                doc = {"endpoint": self.config.id, "unit": delivery.unit_name, "items": items}
                atomic_write(manifest, json.dumps(doc, ensure_ascii=False, indent=2).encode())
        except (OSError, ValueError) as exc:
            raise TransientError(f"Không ghi được thư mục loa {folder}: {exc}.") from None
        return Receipt("written", external_id=audio_rel,
                       detail={"folder": str(folder), "file": audio_rel,
                               "duration_seconds": info.duration_seconds})

    # ---------------------------------------------------------------- icecast
    def _deliver_icecast(self, delivery: Delivery, route: IcecastRoute) -> Receipt:
        password = self.context.secrets(route.password)
        self._secrets_seen.append(password)
        info = self._audio(delivery, "mp3")
        stream = self._stream_file(info.path, route.bitrate)
        now = (self.context.now or (lambda: datetime.now(UTC)))()
        wait = (delivery.due_at - now).total_seconds()
        if wait > 0 and delivery.cancel.wait(wait):
            raise CancelledError("Dừng trước giờ phát theo lệnh của bộ điều phối.")
        try:
            sent, seconds = self._put_stream(route, password, stream, delivery)
        except ChannelError:
            raise
        except (OSError, http.client.HTTPException) as exc:
            raise self._icecast_error(None, exc) from None
        return Receipt("streamed", external_id=f"{route.host}:{route.port}{route.mount}",
                       detail={"mount": route.mount, "bytes": sent,
                               "stream_seconds": round(seconds, 2),
                               "duration_seconds": info.duration_seconds})

    def _stream_file(self, src: Path, kbps: int) -> Path:
        """The constant-bit-rate stream of ``src``, made once per audio and bit rate and shared
        by every mount: a district's emergency is one ffmpeg run, not one per ward, so all the
        wards' streams can start within 2 s on a small machine."""
        digest = hashlib.sha256(src.read_bytes()).hexdigest()[:32]
        out = self.context.var_dir / "icecast" / f"{digest}-{kbps}k.mp3"
        with _STREAM_GUARD:
            lock = _STREAM_LOCKS.setdefault(str(out), threading.Lock())
        with lock:
            if not out.is_file():
                out.parent.mkdir(parents=True, exist_ok=True)
                part = out.with_name(f".{out.stem}.{os.getpid()}.{threading.get_ident()}.mp3")
                self._constant_bitrate(src, part, kbps)
                os.replace(part, out)  # atomic: another process never reads half a file
        return out

    def _constant_bitrate(self, src: Path, out: Path, kbps: int) -> None:
        """Re-encode to constant-bit-rate mono MP3 so pacing by bytes equals pacing by time.

        MPEG-1 Layer III (32–48 kHz) has no bit rate under 32 kbps: asked for 16 kbps at
        44.1 kHz, the encoder silently writes 32 kbps and a bulletin paced at 16 kbps takes
        twice its length. Low bit rates use MPEG-2's 22.05 kHz, which goes down to 8 kbps."""
        try:
            ffmpeg = require("ffmpeg", purpose="phát lên Icecast")
        except MissingToolError as exc:
            raise ConfigError(exc.message) from None
        proc = subprocess.run(
            [ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-i", str(src), "-ac", "1",
             "-ar", "44100" if kbps >= 32 else "22050", "-c:a", "libmp3lame", "-b:a", f"{kbps}k",
             "-y", str(out)],
            capture_output=True, text=True, check=False, timeout=600)
        if proc.returncode != 0:
            raise PermanentError(f"Không chuyển được âm thanh sang MP3: {proc.stderr.strip()[-200:]}")

    def _put_stream(self, route: IcecastRoute, password: str, stream: Path,
                    delivery: Delivery) -> tuple[int, float]:
        """Send ``stream`` as an Icecast source, paced at its bit rate (with 2 s of pre-roll)."""
        assert route.host and route.mount
        conn_cls = http.client.HTTPSConnection if (route.url or "").startswith("https") \
            else http.client.HTTPConnection
        conn = conn_cls(route.host, route.port, timeout=self.context.timeout)
        auth = base64.b64encode(f"{route.user}:{password}".encode()).decode()
        title = str(delivery.content.get("title") or delivery.campaign_title)
        started = time.monotonic()
        sent = 0
        try:
            conn.putrequest("PUT", route.mount, skip_accept_encoding=True)
            conn.putheader("Authorization", f"Basic {auth}")
            conn.putheader("Content-Type", "audio/mpeg")
            conn.putheader("Ice-Public", "0")
            conn.putheader("Ice-Name", title.encode("utf-8").decode("latin-1", "replace"))
            conn.endheaders()
            assert conn.sock is not None
            status = self._read_status(conn.sock)
            if status not in (100, 200):
                raise self._icecast_error(status, None)
            rate = route.bitrate * 1000 / 8
            preroll = rate * 2
            cancel = delivery.cancel
            with open(stream, "rb") as handle:
                while chunk := handle.read(4096):
                    if cancel.is_set():
                        raise CancelledError("Dừng phát giữa chừng theo lệnh của bộ điều phối.",
                                             partial=sent > 0, detail={"bytes": sent})
                    conn.sock.sendall(chunk)
                    sent += len(chunk)
                    ahead = (sent - preroll) / rate - (time.monotonic() - started)
                    if ahead > 0 and cancel.wait(ahead):
                        continue  # cut at the top of the loop
            # let the server drain what it has queued before we hang up
            remaining = sent / rate - (time.monotonic() - started)
            if remaining > 0 and cancel.wait(remaining):
                raise CancelledError("Dừng phát giữa chừng theo lệnh của bộ điều phối.",
                                     partial=True, detail={"bytes": sent})
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise self._icecast_error(-1 if sent else None, exc) from None
        finally:
            conn.close()
        return sent, time.monotonic() - started

    @staticmethod
    def _read_status(sock: socket.socket) -> int:
        """Icecast answers the PUT's headers at once (100 Continue or 200 OK, or an error)."""
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            piece = sock.recv(4096)
            if not piece:
                break
            data += piece
        try:
            return int(data.split(b" ", 2)[1])
        except (IndexError, ValueError):
            return 0

    def _icecast_error(self, status: int | None, exc: BaseException | None) -> ChannelError:
        """The one place where Icecast's answers become typed errors."""
        detail = redact(str(exc), self._secrets_seen) if exc else None
        if status is None:
            return TransientError(f"Không kết nối được máy chủ Icecast: {detail}.")
        if status == -1:
            return UnknownOutcomeError(f"Kết nối Icecast bị ngắt giữa chừng khi đang phát: {detail}.")
        if status == 401:
            return AuthError("Icecast từ chối mật khẩu nguồn (source password).", http_status=401,
                             reconnect=True)
        if status == 403:
            return TransientError("Điểm phát Icecast đang bận (có nguồn khác đang phát) hoặc bị cấm.",
                                  http_status=403, retry_after=30)
        if status >= 500 or status == 0:
            return TransientError(f"Máy chủ Icecast lỗi (HTTP {status}).", http_status=status or None)
        return PermanentError(f"Icecast từ chối luồng phát (HTTP {status}).", http_status=status)

    # ---------------------------------------------------------------- telegram
    def _telegram_settings(self) -> tuple[str, str]:
        settings = self.context.telegram or {}
        token_ref = settings.get("token")
        if not token_ref:
            raise ConfigError("Chưa khai báo telegram.token (dạng env:TEN_BIEN) trong directory.yaml.")
        api_base = str(settings.get("api_base") or "https://api.telegram.org").rstrip("/")
        return api_base, str(token_ref)

    def _deliver_telegram(self, delivery: Delivery, route: TelegramRoute) -> Receipt:
        api_base, token_ref = self._telegram_settings()
        token = self.context.secrets(token_ref)
        self._secrets_seen.append(token)
        info = self._audio(delivery, "mp3")
        try:
            with warnings.catch_warnings():  # PTB 22.2+ warns that RetryAfter becomes a timedelta
                warnings.simplefilter("ignore", DeprecationWarning)
                ids = asyncio.run(self._send_telegram(api_base, token, route, delivery, info))
        except ChannelError:
            raise
        except Exception as exc:  # noqa: BLE001 - mapped in one place below
            raise self._telegram_error(exc) from None
        return Receipt("sent", external_id=str(ids[-1]),
                       detail={"chat_id": route.chat_id, "message_ids": ids,
                               "duration_seconds": info.duration_seconds})

    async def _send_telegram(self, api_base: str, token: str, route: TelegramRoute,
                             delivery: Delivery, info: AudioInfo) -> list[int]:
        from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
        from telegram.request import HTTPXRequest

        timeout = self.context.timeout
        request = HTTPXRequest(connect_timeout=timeout, read_timeout=timeout,
                               write_timeout=timeout, media_write_timeout=timeout * 3)
        bot = Bot(token, base_url=f"{api_base}/bot", base_file_url=f"{api_base}/file/bot",
                  request=request)
        title = str(delivery.content.get("title") or delivery.campaign_title)
        script = str(delivery.content.get("script") or "")
        when = f"{delivery.local_due:%H:%M ngày %d/%m/%Y}"
        header = (f"📢 {title}\nPhát lúc {when} — {delivery.unit_name}\n"
                  f"Thời lượng khoảng {max(1, round(info.duration_seconds))} giây.\n\n")
        keyboard = InlineKeyboardMarkup([[
            InlineKeyboardButton(label, callback_data=callback_data(delivery.post_id, action))
            for action, label in ACTIONS.items()
        ]])
        ids: list[int] = []
        async with bot:
            with open(info.path, "rb") as audio:
                sent = await bot.send_audio(
                    chat_id=route.chat_id, audio=audio, title=title[:64],
                    duration=max(1, round(info.duration_seconds)),
                    filename=f"{delivery.local_due:%Y%m%d-%H%M}-{delivery.message_id}.mp3",
                    caption=f"{title} — phát lúc {when}"[:1024])
            ids.append(sent.message_id)
            parts = _chunks(header + script)
            for index, part in enumerate(parts):
                last = index == len(parts) - 1
                msg = await bot.send_message(chat_id=route.chat_id, text=part,
                                             reply_markup=keyboard if last else None)
                ids.append(msg.message_id)
        return ids

    def _telegram_error(self, exc: BaseException) -> ChannelError:
        """python-telegram-bot's errors as typed errors, by the one table every Telegram
        route shares (:func:`channels.telegram_docs.telegram_error`)."""
        from channels.telegram_docs import telegram_error

        return telegram_error(exc, self._secrets_seen, getattr(self.route, "chat_id", ""))

