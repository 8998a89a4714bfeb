"""LED boards: slogans rendered to frames at the board's pixel size, then dropped or pushed.

Two routes (``deliver.via``):

* ``folder`` — frames, ``playlist.json`` and a simple ``playlist.m3u`` in a folder that a
  controller PC or a sync tool picks up. Every file is written to a temporary name and renamed,
  so a reader never sees half a file; the playlist is merged with what the board already has
  and expired items are dropped.
* ``anthias`` — the Anthias (Screenly OSE) player's REST API v2: frames are uploaded
  (``POST /api/v2/file_asset``), registered as image assets (``POST /api/v2/assets``) and our
  expired or superseded assets are deleted.

Both are idempotent: frame names are content hashes, playlist items and Anthias asset names
carry the post's stable id, so a retry converges on the same state instead of duplicating.
The evidence is ``written`` or ``pushed`` — never ``played``: only a player report says that.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import functools
import hashlib
import io
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from pydantic import field_validator, model_validator

from assets.led import DEFAULT_FONT, DayPart, PlaylistItem, merge, render_frames
from assets.store import atomic_write, digest
from channels.base import (
    Adapter,
    AuthError,
    ConfigError,
    Delivery,
    EndpointConfig,
    PermanentError,
    RateLimitError,
    Receipt,
    TransientError,
    UnknownOutcomeError,
    register,
)
from channels.secrets import env_reference, redact

SIZE_PATTERN = re.compile(r"^\s*(\d{2,5})\s*[xX×]\s*(\d{2,5})\s*$")
PLAYLIST = "playlist.json"
M3U = "playlist.m3u"
MARK = re.compile(r"\[cs:(?P<item>[^#\]]+)#(?P<page>\d+):(?P<hash>[0-9a-f]{12})\]")
"""Tag in an Anthias asset name that makes it ours: item id, frame number, content hash."""
FAR_FUTURE = dt.datetime(2099, 12, 31, tzinfo=dt.UTC)
RENDER_VERSION = "led-frame-v1"
"""Bump when the renderer's output changes, so content-addressed frames are re-made."""


def parse_size(value: str) -> tuple[int, int]:
    """``"384x192"`` → (384, 192). Raises ValueError with a Vietnamese message."""
    match = SIZE_PATTERN.match(str(value))
    if not match:
        raise ValueError(
            f"Kích thước bảng '{value}' không đúng dạng RỘNGxCAO (điểm ảnh), ví dụ 384x192.")
    width, height = int(match.group(1)), int(match.group(2))
    if not (16 <= width <= 8192 and 8 <= height <= 8192):
        raise ValueError(f"Kích thước bảng '{value}' nằm ngoài khoảng cho phép (16x8 đến 8192x8192).")
    return width, height


class LedConfig(EndpointConfig):
    """An LED board in ``directory.yaml``.

    ``size`` is the board's pixel size; ``colors``/``color`` its LEDs; ``font`` an optional
    TrueType file (relative to the workspace). For ``anthias``: ``api_base`` (the player's
    address), ``username`` and ``password`` (``env:NAME``) if the player has basic auth on;
    they may also be written inside ``deliver``.
    """

    channel: Literal["led"] = "led"
    size: str
    colors: Literal["mono", "full"] = "mono"
    color: Literal["red", "yellow", "white", "green"] = "red"
    font: str | None = None
    background: str | None = None
    timezone: str = "Asia/Ho_Chi_Minh"
    api_base: str | None = None
    username: str | None = None
    password: str | None = None

    @field_validator("password")
    @classmethod
    def _password_ref(cls, value: str | None) -> str | None:
        return None if value is None else env_reference(value)

    @model_validator(mode="after")
    def _deliver_password_ref(self) -> LedConfig:
        if self.option("password") is not None:
            env_reference(str(self.option("password")))
        return self

    @field_validator("size")
    @classmethod
    def _size(cls, value: str) -> str:
        width, height = parse_size(value)
        return f"{width}x{height}"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"Múi giờ '{value}' không tồn tại, ví dụ Asia/Ho_Chi_Minh.") from None
        return value

    @model_validator(mode="after")
    def _route(self) -> LedConfig:
        via = self.via or "folder"
        if via not in ("folder", "anthias", "outbox"):
            raise ValueError(
                f"Bảng LED không gửi được qua '{via}'. Dùng deliver.via: folder hoặc anthias.")
        if via == "folder" and not self.option("path"):
            raise ValueError("Bảng LED gửi qua thư mục cần deliver.path (ví dụ var/led/tan-phong).")
        if via == "anthias" and not (self.api_base or self.option("api_base")):
            raise ValueError(
                "Bảng LED gửi qua Anthias cần api_base (địa chỉ đầu phát, ví dụ http://10.0.0.5).")
        return self

    @property
    def pixels(self) -> tuple[int, int]:
        return parse_size(self.size)


@dataclass(frozen=True)
class _Frame:
    item: PlaylistItem
    page: int
    name: str
    """Content-addressed file name: ``<hash16>-<page>.png``."""
    png: bytes


@functools.lru_cache(maxsize=32)
def _file_digest(path: str, mtime_ns: int) -> str:
    """Hash of a font file, so changing the font re-renders frames (cached per mtime)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _write_if_changed(path: Path, data: bytes) -> None:
    """Atomic write, skipped when the file already holds ``data``: a retry changes nothing,
    so sync tools watching modification times do not copy the board's files again."""
    if path.exists() and path.read_bytes() == data:
        return
    atomic_write(path, data)


@register("led")
class LedAdapter(Adapter):
    """Renders a post's slogans and delivers them to one board (folder or Anthias)."""

    Config = LedConfig

    def __init__(self, endpoint: EndpointConfig, context: Any) -> None:
        if not isinstance(endpoint, LedConfig):
            endpoint = LedConfig.model_validate(endpoint.model_dump())
        super().__init__(endpoint, context)
        self.config: LedConfig = endpoint
        self.zone = ZoneInfo(endpoint.timezone)
        self._session: requests.Session | None = None

    # ------------------------------------------------------------------ shared
    def _now(self) -> dt.datetime:
        now = self.context.now() if self.context.now else dt.datetime.now(dt.UTC)
        return now if now.tzinfo else now.replace(tzinfo=dt.UTC)

    def _font(self) -> Path:
        if not self.config.font:
            return DEFAULT_FONT
        path = Path(self.config.font)
        if not path.is_absolute():
            path = Path(self.context.workspace) / path
        if not path.is_file():
            raise ConfigError(
                f"Không tìm thấy phông chữ '{self.config.font}' của bảng {self.config.id}. "
                "Cách sửa: đặt tệp .ttf vào thư mục làm việc hoặc bỏ dòng font để dùng phông "
                "có sẵn.")
        return path

    def _items(self, delivery: Delivery) -> tuple[list[PlaylistItem], str]:
        """Playlist items for a post (one per slogan) and the id prefix they replace."""
        content = delivery.content
        slogans = [s for s in content.get("slogans", []) if str(s).strip()]
        if not slogans:
            raise PermanentError("Bài đăng cho bảng LED không có khẩu hiệu nào.")
        dwell = int(content.get("dwell") or 10)
        try:
            parts = tuple(DayPart.parse(p["from"], p["to"]) for p in content.get("day_parts", ()))
        except (KeyError, TypeError, ValueError) as exc:
            raise PermanentError(f"Khung giờ phát của bảng LED không hợp lệ: {exc}") from None
        valid_from = (dt.date.fromisoformat(str(content["valid_from"]))
                      if content.get("valid_from")
                      else delivery.local_due.astimezone(self.zone).date())
        if content.get("valid_to"):
            valid_to: dt.date | None = dt.date.fromisoformat(str(content["valid_to"]))
        elif delivery.expires_at is not None:
            # expires_at is exclusive: an instant at local midnight ends the previous day.
            last = delivery.expires_at - dt.timedelta(microseconds=1)
            valid_to = last.astimezone(self.zone).date()
        else:
            valid_to = None
        prefix = f"{delivery.campaign_id}/{delivery.message_id}/"
        title = str(content.get("title") or delivery.campaign_title)
        base_order = int(content.get("order", 0))
        items = [
            PlaylistItem(
                id=f"{prefix}{index}",
                frames=(),
                dwell=dwell,
                order=base_order * 100 + index,
                title=str(slogan) if len(slogans) > 1 else title,
                day_parts=parts,
                valid_from=valid_from,
                valid_to=valid_to,
                emergency=delivery.priority == "emergency",
                meta={"campaign": delivery.campaign_id, "message": delivery.message_id,
                      "post": delivery.post_key, "text": str(slogan)},
            )
            for index, slogan in enumerate(slogans, start=1)
        ]
        return items, prefix

    def _render(self, items: list[PlaylistItem]) -> tuple[list[PlaylistItem], list[_Frame]]:
        """Render every item's slogan; frames are named by a hash of everything that shapes
        their pixels, so the same slogan on the same board is written once."""
        width, height = self.config.pixels
        font = self._font()
        font_hash = _file_digest(str(font), font.stat().st_mtime_ns)
        out_items: list[PlaylistItem] = []
        frames: list[_Frame] = []
        for item in items:
            text = str(item.meta["text"])
            key = digest(RENDER_VERSION, text, self.config.size, self.config.colors,
                         self.config.color, font_hash, self.config.background or "")[:16]
            try:
                images = render_frames(text, width, height, colors=self.config.colors,
                                       color=self.config.color, font_path=str(font),
                                       background=self._background())
            except ValueError as exc:
                raise PermanentError(f"Không dựng được khung hình LED: {exc}") from None
            names = []
            for page, image in enumerate(images, start=1):
                buffer = io.BytesIO()
                image.save(buffer, format="PNG", optimize=False)
                name = f"{key}-{page}.png"
                names.append(name)
                frames.append(_Frame(item, page, name, buffer.getvalue()))
            out_items.append(dataclasses.replace(item, frames=tuple(names)))
        return out_items, frames

    def _background(self) -> str | None:
        """The background colour as written, or an image path resolved against the workspace."""
        value = self.config.background
        if not value or not value.lower().endswith((".png", ".jpg", ".jpeg", ".webp")):
            return value
        path = Path(value)
        path = path if path.is_absolute() else Path(self.context.workspace) / path
        if not path.is_file():
            raise ConfigError(f"Không tìm thấy ảnh nền '{value}' của bảng {self.config.id}.")
        return str(path)

    def deliver(self, delivery: Delivery) -> Receipt:
        """Render the post's slogans and hand them to the board's route (retry-safe)."""
        items, prefix = self._items(delivery)
        items, frames = self._render(items)
        via = self.config.via or "folder"
        if via == "anthias":
            return self._push_anthias(items, frames, prefix)
        return self._write_folder(items, frames, prefix)

    # ------------------------------------------------------------------ folder
    def _folder(self) -> Path:
        path = Path(str(self.config.option("path")))
        return path if path.is_absolute() else Path(self.context.workspace) / path

    @contextlib.contextmanager
    def _locked(self, folder: Path) -> Iterator[None]:
        """Serialise writers of one board folder: the merge reads then rewrites the playlist."""
        with open(folder / ".playlist.lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _write_folder(self, items: list[PlaylistItem], frames: list[_Frame],
                      prefix: str) -> Receipt:
        folder = self._folder()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with self._locked(folder):
                existing = self._read_playlist(folder)
                for frame in frames:  # frames first: the playlist never names a missing file
                    target = folder / frame.name
                    if not target.exists():
                        atomic_write(target, frame.png)
                today = self._now().astimezone(self.zone).date()
                merged = merge(existing, items, replace_prefixes=[prefix], today=today)
                document = {
                    "board": self.config.id,
                    "size": self.config.size,
                    "colors": self.config.colors,
                    "color": self.config.color,
                    "timezone": self.config.timezone,
                    "items": [item.as_json() for item in merged],
                }
                data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
                _write_if_changed(folder / PLAYLIST, data)
                _write_if_changed(folder / M3U, _m3u(merged).encode("utf-8"))
                keep = {name for item in merged for name in item.frames}
                for item in existing:  # frames nobody plays any more
                    for name in item.frames:
                        if name not in keep and "/" not in name and not name.startswith("."):
                            (folder / name).unlink(missing_ok=True)
        except PermissionError as exc:
            raise ConfigError(
                f"Không có quyền ghi vào thư mục bảng LED {folder}: {exc.strerror}.") from None
        except OSError as exc:
            raise TransientError(
                f"Không ghi được thư mục bảng LED {folder}: {exc.strerror or exc}.") from None
        return Receipt(
            evidence="written",
            external_id=str(folder / PLAYLIST),
            detail={"path": str(folder), "frames": [f.name for f in frames],
                    "items": [i.id for i in items], "playlist_items": len(merged)},
        )

    def _read_playlist(self, folder: Path) -> list[PlaylistItem]:
        path = folder / PLAYLIST
        if not path.exists():
            return []
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            return [PlaylistItem.from_json(item) for item in document.get("items", [])]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(
                f"Tệp {path} bị hỏng ({exc}); không ghi đè để khỏi mất nội dung của bảng. "
                "Cách sửa: sửa hoặc xoá tệp này rồi gửi lại.") from None

    # ------------------------------------------------------------------ anthias
    def _api_base(self) -> str:
        return str(self.config.api_base or self.config.option("api_base")).rstrip("/")

    def _http(self) -> requests.Session:
        if self._session is None:
            session = requests.Session()
            user = self.config.username or self.config.option("username")
            password = self.config.password or self.config.option("password")
            if user:
                if not password:
                    raise ConfigError(
                        f"Bảng {self.config.id}: có username nhưng thiếu password (env:TEN_BIEN).")
                session.auth = (str(user), self.context.secrets(str(password)))
            self._session = session
        return self._session

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        """The one place where HTTP answers and network faults become typed errors."""
        url = f"{self._api_base()}{path}"
        session = self._http()
        secrets = [str(session.auth[1])] if isinstance(session.auth, tuple) else []
        try:
            response = session.request(method, url, timeout=self.context.timeout, **kwargs)
        except requests.ConnectTimeout:
            raise TransientError(f"Không kết nối được đầu phát Anthias {url} (hết giờ).") from None
        except requests.Timeout:
            raise UnknownOutcomeError(
                f"Đầu phát Anthias không trả lời kịp ({method} {path}); sẽ gửi lại.") from None
        except requests.ConnectionError as exc:
            raise TransientError(
                f"Không kết nối được đầu phát Anthias {self._api_base()}: "
                f"{redact(str(exc), secrets)[:200]}") from None
        status = response.status_code
        if status < 400:
            if status == 204 or not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise PermanentError(
                    f"Đầu phát Anthias trả lời không phải JSON ({method} {path}).",
                    http_status=status) from None
        body = redact(response.text[:300], secrets)
        common: dict[str, Any] = {"http_status": status, "platform_message": body}
        if status == 401:
            raise AuthError("Đầu phát Anthias từ chối tên đăng nhập hoặc mật khẩu.",
                            reconnect=True, **common)
        if status == 403:
            raise ConfigError("Đầu phát Anthias không cho phép thao tác này (403).", **common)
        if status == 429:
            raise RateLimitError("Đầu phát Anthias yêu cầu gửi chậm lại.",
                                 retry_after=_retry_after(response, 60.0), **common)
        if status >= 500:
            raise TransientError(f"Đầu phát Anthias gặp lỗi {status}.",
                                 retry_after=_retry_after(response, None), **common)
        if status == 404 and method == "DELETE":
            return None  # already gone: deleting is idempotent
        raise PermanentError(f"Đầu phát Anthias từ chối yêu cầu ({status}) {method} {path}.",
                             **common)

    def _push_anthias(self, items: list[PlaylistItem], frames: list[_Frame],
                      prefix: str) -> Receipt:
        now = self._now()
        assets = self._request("GET", "/api/v2/assets") or []
        if not isinstance(assets, list):
            raise PermanentError("Đầu phát Anthias trả danh sách nội dung sai dạng.")
        wanted: dict[str, _Frame] = {}
        for frame in frames:
            wanted[_marker(frame)] = frame
        ours = [(a, MARK.search(str(a.get("name", "")))) for a in assets]
        ours = [(a, m) for a, m in ours if m]
        deleted: list[str] = []
        present: dict[str, dict[str, Any]] = {}
        for asset, match in ours:
            marker = match.group(0)
            end = _parse_instant(asset.get("end_date"))
            stale = match.group("item").startswith(prefix) and marker not in wanted
            expired = end is not None and end <= now
            if stale or expired or marker in present:
                self._request("DELETE", f"/api/v2/assets/{asset['asset_id']}")
                deleted.append(str(asset["asset_id"]))
            else:
                present[marker] = asset
        pushed: list[str] = []
        for order, (marker, frame) in enumerate(wanted.items()):
            fields = self._asset_fields(frame, order)
            if marker in present:
                asset = present[marker]
                changed = {k: v for k, v in fields.items()
                           if k in ("duration", "start_date", "end_date", "play_order",
                                    "is_enabled") and not _same(asset.get(k), v)}
                if changed:
                    self._request("PATCH", f"/api/v2/assets/{asset['asset_id']}", json=changed)
                pushed.append(str(asset["asset_id"]))
                continue
            upload = self._request(
                "POST", "/api/v2/file_asset",
                files={"file_upload": (frame.name, frame.png, "image/png")})
            if not isinstance(upload, dict) or "uri" not in upload:
                raise PermanentError("Đầu phát Anthias không trả đường dẫn tệp đã tải lên.")
            created = self._request("POST", "/api/v2/assets", json={
                **fields, "uri": upload["uri"], "ext": upload.get("ext") or ".png"})
            if not isinstance(created, dict) or "asset_id" not in created:
                raise PermanentError("Đầu phát Anthias không trả mã nội dung vừa tạo.")
            pushed.append(str(created["asset_id"]))
        return Receipt(
            evidence="pushed",
            external_id=",".join(pushed),
            detail={"api_base": self._api_base(), "assets": pushed, "deleted": deleted,
                    "items": [i.id for i in items]},
        )

    def _asset_fields(self, frame: _Frame, order: int) -> dict[str, Any]:
        item = frame.item
        start = (dt.datetime.combine(item.valid_from, dt.time(), tzinfo=self.zone)
                 if item.valid_from else dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        end = (dt.datetime.combine(item.valid_to + dt.timedelta(days=1), dt.time(),
                                   tzinfo=self.zone) if item.valid_to else FAR_FUTURE)
        label = item.title or str(item.meta.get("text", ""))
        return {
            "name": f"{label[:60]} {_marker(frame)}",
            "mimetype": "image",
            "duration": item.dwell,
            "start_date": start.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            "end_date": end.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            "is_enabled": True,
            "play_order": (0 if item.emergency else 1000) + order,
            "nocache": False,
            "skip_asset_check": True,
        }

    def check(self) -> dict[str, Any]:
        """Folder: writable; Anthias: the asset list answers with our credentials."""
        if (self.config.via or "folder") == "anthias":
            assets = self._request("GET", "/api/v2/assets")
            return {"ok": True, "assets": len(assets or [])}
        folder = self._folder()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"Không tạo được thư mục bảng LED {folder}: {exc}") from None
        return {"ok": os.access(folder, os.W_OK), "path": str(folder)}

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


def _marker(frame: _Frame) -> str:
    return f"[cs:{frame.item.id}#{frame.page}:{frame.name[:12]}]"


def _same(current: Any, wanted: Any) -> bool:
    if isinstance(wanted, str) and isinstance(current, str):
        a, b = _parse_instant(current), _parse_instant(wanted)
        if a is not None and b is not None:
            return a == b
    return current == wanted


def _parse_instant(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        instant = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)


def _retry_after(response: requests.Response, default: float | None) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            from email.utils import parsedate_to_datetime

            when = parsedate_to_datetime(value)
            return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
        except (TypeError, ValueError):
            return default


def _m3u(items: list[PlaylistItem]) -> str:
    """Extended M3U: every frame with its dwell. It cannot express day parts or validity;
    players that need those read playlist.json."""
    lines = ["#EXTM3U"]
    for item in items:
        for name in item.frames:
            title = (item.title or item.id).replace("\n", " ")
            lines.append(f"#EXTINF:{item.dwell},{title}")
            lines.append(name)
    return "\n".join(lines) + "\n"


__all__ = ["LedAdapter", "LedConfig", "parse_size"]
