"""The ``led`` adapter: slogans rendered to frames at the board's pixel size, then handed to the
board's route (:class:`~channels.led.folder.FolderRoute` or
:class:`~channels.led.anthias.AnthiasRoute`).

The evidence is ``written`` or ``pushed`` — never ``played``: only a player report says that.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import io
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image

from assets.led import DEFAULT_FONT, DayPart, PlaylistItem, render_frames
from assets.store import digest
from channels.base import (
    Adapter,
    AdapterContext,
    ConfigError,
    Delivery,
    EndpointConfig,
    PermanentError,
    Receipt,
    register,
)
from channels.led.anthias import AnthiasRoute
from channels.led.config import Frame, LedConfig
from channels.led.folder import FolderRoute

__all__ = ["RENDER_VERSION", "LedAdapter"]

RENDER_VERSION = "led-frame-v2"
"""Bump when the renderer's output changes, so content-addressed frames are re-made."""


@functools.lru_cache(maxsize=32)
def _file_digest(path: str, mtime_ns: int) -> str:
    """Hash of a font file, so changing the font re-renders frames (cached per mtime)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@register("led")
class LedAdapter(Adapter[LedConfig]):
    """Renders a post's slogans and delivers them to one board through its route."""

    Config = LedConfig
    routes = ("folder", "anthias")

    def __init__(self, endpoint: EndpointConfig, context: AdapterContext) -> None:
        if not isinstance(endpoint, LedConfig):
            endpoint = LedConfig.model_validate(endpoint.model_dump())
        super().__init__(endpoint, context)
        self.zone = ZoneInfo(endpoint.timezone)
        route_class = AnthiasRoute if (endpoint.via or "folder") == "anthias" else FolderRoute
        self.route: FolderRoute | AnthiasRoute = route_class(endpoint, context, self.zone)

    # ------------------------------------------------------------------ rendering
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

    def frames(self, text: str) -> tuple[str, list[Image.Image]]:
        """The content key and the pages of one slogan exactly as this board shows it (size,
        colours, font, background). Deliveries and the dashboard's preview both call this."""
        width, height = self.config.pixels
        font = self._font()
        font_hash = _file_digest(str(font), font.stat().st_mtime_ns)
        key = digest(RENDER_VERSION, text, self.config.size, self.config.colors,
                     self.config.color, font_hash, self.config.background or "")[:16]
        try:
            images = render_frames(text, width, height, colors=self.config.colors,
                                   color=self.config.color, font_path=str(font),
                                   background=self._background())
        except ValueError as exc:
            raise PermanentError(f"Không dựng được khung hình LED: {exc}") from None
        return key, images

    def _render(self, items: list[PlaylistItem]) -> tuple[list[PlaylistItem], list[Frame]]:
        """Render every item's slogan; frames are named by a hash of everything that shapes
        their pixels, so the same slogan on the same board is written once."""
        out_items: list[PlaylistItem] = []
        frames: list[Frame] = []
        for item in items:
            key, images = self.frames(str(item.meta["text"]))
            names = []
            for page, image in enumerate(images, start=1):
                buffer = io.BytesIO()
                image.save(buffer, format="PNG", optimize=False)
                name = f"{key}-{page}.png"
                names.append(name)
                frames.append(Frame(item, page, name, buffer.getvalue()))
            out_items.append(dataclasses.replace(item, frames=tuple(names)))
        return out_items, frames

    # ------------------------------------------------------------------ contract
    def deliver(self, delivery: Delivery) -> Receipt:
        """Render the post's slogans and hand them to the board's route (retry-safe)."""
        items, prefix = self._items(delivery)
        items, frames = self._render(items)
        return self.route.deliver(items, frames, prefix, self._now())

    def check(self) -> dict[str, Any]:
        """Folder: writable; Anthias: the asset list answers with our credentials."""
        return self.route.check()

    def close(self) -> None:
        self.route.close()
