"""Route ``folder``: frames, ``playlist.json`` and ``playlist.m3u`` in a folder that a
controller PC or a sync tool picks up.

Every file is written to a temporary name and renamed, so a reader never sees half a file; the
playlist is merged with what the board already has and expired items are dropped.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from assets.led import PlaylistItem, merge
from assets.store import atomic_write
from channels.base import AdapterContext, ConfigError, Receipt, TransientError
from channels.led.config import Frame, LedConfig

__all__ = ["M3U", "PLAYLIST", "FolderRoute"]

PLAYLIST = "playlist.json"
M3U = "playlist.m3u"


def _write_if_changed(path: Path, data: bytes) -> None:
    """Atomic write, skipped when the file already holds ``data``: a retry changes nothing,
    so sync tools watching modification times do not copy the board's files again."""
    if path.exists() and path.read_bytes() == data:
        return
    atomic_write(path, data)


class FolderRoute:
    """Writes a board's frames and playlist into its folder (idempotent, retry-safe)."""

    def __init__(self, config: LedConfig, context: AdapterContext, zone: ZoneInfo) -> None:
        self.config = config
        self.context = context
        self.zone = zone

    def folder(self) -> Path:
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

    def deliver(self, items: list[PlaylistItem], frames: list[Frame], prefix: str,
                now: datetime) -> Receipt:
        folder = self.folder()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with self._locked(folder):
                existing = self._read_playlist(folder)
                for frame in frames:  # frames first: the playlist never names a missing file
                    target = folder / frame.name
                    if not target.exists():
                        atomic_write(target, frame.png)
                today = now.astimezone(self.zone).date()
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

    def check(self) -> dict[str, Any]:
        """The folder exists (or can be made) and is writable."""
        folder = self.folder()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"Không tạo được thư mục bảng LED {folder}: {exc}") from None
        return {"ok": os.access(folder, os.W_OK), "path": str(folder)}

    def close(self) -> None:
        """Nothing held open between deliveries."""


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
