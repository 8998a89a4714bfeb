"""Render what a board shows and what a loudspeaker plays, the way the delivery will.

Pure helpers shared by the dashboard (:mod:`campaign.web.media`) and the Telegram approval
messages (:mod:`campaign.bot.approvals`): LED sheets come from the board's own
``LedAdapter.frames`` (size, colours, font, background); speech from the workspace's
``reading:`` settings and the station's voice, speed, jingles and format into the speech store
under ``var/speech`` that deliveries use and retention prunes, so a preview and a broadcast
share one cached file. Failures are :class:`PreviewError` with a Vietnamese message.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from campaign.workspace import Workspace
from channels.base import ChannelError
from channels.led import LedAdapter, LedConfig
from channels.loudspeaker import LoudspeakerConfig

DEFAULT_LED_SIZE = (192, 96)
SHEET_GAP = 4


class PreviewError(Exception):
    """A preview could not be made; ``message`` is Vietnamese, ``status`` an HTTP status."""

    def __init__(self, message: str, status: int = 503) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def led_size(endpoint: Any) -> tuple[int, int]:
    """The board's pixel size (the default when the endpoint is gone from the directory)."""
    return endpoint.pixels if isinstance(endpoint, LedConfig) else DEFAULT_LED_SIZE


def as_led(endpoint: Any) -> LedConfig | None:
    """The endpoint as an LED board config (None when it cannot be one)."""
    if endpoint is None or isinstance(endpoint, LedConfig):
        return endpoint
    try:
        return LedConfig.model_validate(endpoint.model_dump())
    except ValidationError:
        return None


def led_sheet(ws: Workspace, endpoint: Any, slogan: str) -> bytes:
    """All pages of one slogan, stacked as one PNG, rendered by the board's own adapter."""
    from PIL import Image

    if not isinstance(endpoint, LedConfig):
        raise PreviewError("Không còn bảng LED này trong danh bạ.", 404)
    try:
        _key, frames = LedAdapter(endpoint, ws.adapter_context()).frames(slogan)
    except ChannelError as exc:
        raise PreviewError(f"Không dựng được khung hình LED: {exc.message}") from None
    width, height = endpoint.pixels
    sheet = Image.new("RGB", (width, len(frames) * (height + SHEET_GAP) - SHEET_GAP),
                      (40, 40, 40))
    for i, frame in enumerate(frames):
        sheet.paste(frame.convert("RGB"), (0, i * (height + SHEET_GAP)))
    out = io.BytesIO()
    sheet.save(out, "PNG")
    return out.getvalue()


def media_file(ws: Workspace, name: str | None) -> Path | None:
    """A file of the workspace's media folder (never outside it); None for no name."""
    if not name:
        return None
    root = ws.media_dir.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise PreviewError(f"Không tìm thấy tệp '{name}' trong thư mục media.", 404)
    return path


def speech(ws: Workspace, endpoint: Any, script: str) -> tuple[Path, float]:
    """The script read aloud exactly as the station's deliveries read it, from the speech
    store (a hit when it was already delivered or previewed), and its duration in seconds."""
    from assets.speech.audio import synthesize_cached
    from assets.speech.settings import speech_kit
    from assets.store import MediaStore

    context = ws.adapter_context()
    own = endpoint.model_fields_set if isinstance(endpoint, LoudspeakerConfig) else set()
    station = endpoint if isinstance(endpoint, LoudspeakerConfig) else None
    try:
        kit = speech_kit(context.speech, context.secrets,
                         voice=station.voice if station and "voice" in own else None,
                         syllables_per_second=station.syllables_per_second
                         if station and "syllables_per_second" in own else None)
        fmt = station.audio_format if station and station.via == "folder" else "mp3"
        info = synthesize_cached(script, MediaStore(context.var_dir / "speech"), fmt=fmt,
                                 engine=kit.engine, dictionary=kit.dictionary,
                                 syllables_per_second=kit.syllables_per_second,
                                 intro=media_file(ws, getattr(station, "intro", None)),
                                 outro=media_file(ws, getattr(station, "outro", None)))
    except PreviewError:
        raise
    except Exception as exc:  # noqa: BLE001 - no espeak/ffmpeg, a TTS service down, …
        raise PreviewError(f"Không tạo được âm thanh: {exc}") from None
    return info.path, info.duration_seconds


def recorded(ws: Workspace, name: str) -> tuple[Path, float | None]:
    """A recorded file to be played instead of speech, and its duration when measurable."""
    from assets.speech.audio import measure

    path = media_file(ws, name)
    assert path is not None
    try:
        return path, measure(path).duration_seconds
    except Exception:  # noqa: BLE001 - the file still plays; only the duration is unknown
        return path, None


AUDIO_TYPES = {".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".wav": "audio/wav",
               ".m4a": "audio/mp4"}
