"""Previews of what a board shows and a loudspeaker plays, and the static files.

A preview comes from the same code path, settings and store as the delivery it previews:
LED sheets from the board's own adapter (size, colours, font, background), audio from the
workspace's ``reading:`` settings (dictionary, speed, engine) with the station's voice and
jingles, into the speech store under ``var/speech`` that retention prunes
(:mod:`campaign.housekeeping`). The same script therefore costs one synthesis whether the
dashboard or the dispatcher asks first. Sync handlers: rendering and synthesis run in the
thread pool.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from campaign import queries
from campaign.web.dashboard import Dashboard, to_int
from campaign.web.security import require
from campaign.workspace import Workspace
from channels.base import ChannelError
from channels.led import LedAdapter, LedConfig
from channels.loudspeaker import LoudspeakerConfig

STATIC = Path(__file__).with_name("static")
DEFAULT_LED_SIZE = (192, 96)
SHEET_GAP = 4


def led_size(endpoint: Any) -> tuple[int, int]:
    """The board's pixel size (the default when the endpoint is gone from the directory)."""
    return endpoint.pixels if isinstance(endpoint, LedConfig) else DEFAULT_LED_SIZE


def led_sheet(ws: Workspace, endpoint: Any, slogan: str) -> bytes:
    """All pages of one slogan, stacked as one PNG, rendered by the board's own adapter."""
    from PIL import Image

    if not isinstance(endpoint, LedConfig):
        raise HTTPException(404, "Không còn bảng LED này trong danh bạ.")
    try:
        _key, frames = LedAdapter(endpoint, ws.adapter_context()).frames(slogan)
    except ChannelError as exc:
        raise HTTPException(503, f"Không dựng được khung hình LED: {exc.message}") from None
    width, height = endpoint.pixels
    sheet = Image.new("RGB", (width, len(frames) * (height + SHEET_GAP) - SHEET_GAP),
                      (40, 40, 40))
    for i, frame in enumerate(frames):
        sheet.paste(frame.convert("RGB"), (0, i * (height + SHEET_GAP)))
    out = io.BytesIO()
    sheet.save(out, "PNG")
    return out.getvalue()


def speech_preview(ws: Workspace, endpoint: Any, script: str) -> Path:
    """The script read aloud exactly as the station's deliveries read it, from the speech
    store (a hit when the post was already delivered)."""
    from assets.speech.audio import synthesize_cached
    from assets.speech.settings import speech_kit
    from assets.store import MediaStore

    context = ws.adapter_context()
    own = endpoint.model_fields_set if isinstance(endpoint, LoudspeakerConfig) else set()
    station = endpoint if isinstance(endpoint, LoudspeakerConfig) else None
    kit = speech_kit(context.speech, context.secrets,
                     voice=station.voice if station and "voice" in own else None,
                     syllables_per_second=station.syllables_per_second
                     if station and "syllables_per_second" in own else None)
    fmt = station.audio_format if station and station.via == "folder" else "mp3"
    jingles = {name: _media_file(ws, getattr(station, name, None)) for name in ("intro", "outro")}
    info = synthesize_cached(script, MediaStore(context.var_dir / "speech"), fmt=fmt,
                             engine=kit.engine, dictionary=kit.dictionary,
                             syllables_per_second=kit.syllables_per_second, **jingles)
    return info.path


def _media_file(ws: Workspace, name: str | None) -> Path | None:
    if not name:
        return None
    root = ws.media_dir.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise HTTPException(404, f"Không tìm thấy tệp âm thanh '{name}' trong thư mục media.")
    return path


class Media:
    """LED sheets, audio previews and static files."""

    def __init__(self, dash: Dashboard) -> None:
        self.dash = dash

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/posts/{pid}/led/{idx}.png", self.led_png),
            Route("/posts/{pid}/audio", self.audio),
            Route("/posts/{pid}/photos/{lid}", self.evidence_photo),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]

    def led_png(self, request: Request) -> Response:
        require(request, "read")
        dash = self.dash
        pid = to_int(request.path_params["pid"], 0)
        index = to_int(request.path_params["idx"], -1)
        post = queries.post_detail(dash.ledger, pid)
        slogans = (post or {}).get("content", {}).get("slogans", []) if post else []
        if post is None or post["channel"] != "led" or not 0 <= index < len(slogans):
            raise HTTPException(404, "Không có khung hình này.")
        endpoint = dash.ws.directory.endpoints.get(post["endpoint_id"])
        if endpoint is not None and not isinstance(endpoint, LedConfig):
            try:
                endpoint = LedConfig.model_validate(endpoint.model_dump())
            except ValidationError:
                endpoint = None
        png = led_sheet(dash.ws, endpoint, str(slogans[index]))
        return Response(png, media_type="image/png",
                        headers={"Cache-Control": "private, max-age=3600"})

    def audio(self, request: Request) -> Response:
        require(request, "read")
        dash = self.dash
        pid = to_int(request.path_params["pid"], 0)
        post = queries.post_detail(dash.ledger, pid)
        if post is None or post["channel"] != "loudspeaker":
            raise HTTPException(404, "Không có âm thanh cho bài này.")
        content = post["content"]
        recorded = content.get("audio")
        if recorded:
            return FileResponse(_media_file(dash.ws, str(recorded)))
        endpoint = dash.ws.directory.endpoints.get(post["endpoint_id"])
        try:
            path = speech_preview(dash.ws, endpoint, str(content.get("script", "")))
        except HTTPException:
            raise
        except Exception as exc:  # noqa: BLE001 - no espeak/ffmpeg on this machine
            raise HTTPException(503, f"Không tạo được âm thanh: {exc}") from None
        return FileResponse(path, media_type=_AUDIO_TYPES.get(path.suffix, "audio/mpeg"))


    def evidence_photo(self, request: Request) -> Response:
        """A ward's photo of a hung banner (log entry ``lid`` of post ``pid``), from the
        content-addressed evidence store; only files the ledger names are served."""
        require(request, "read")
        dash = self.dash
        pid = to_int(request.path_params["pid"], 0)
        lid = to_int(request.path_params["lid"], 0)
        photo = next((p for p in queries.evidence_photos(dash.ledger, post_id=pid)
                      if p.log_id == lid), None)
        root = (dash.ws.var_dir / "evidence").resolve()
        path = (root / photo.file).resolve() if photo else None
        if path is None or not path.is_relative_to(root) or not path.is_file():
            raise HTTPException(404, "Không có ảnh này.")
        return FileResponse(path, headers={"Cache-Control": "private, max-age=86400"})


_AUDIO_TYPES = {".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".wav": "audio/wav"}
