"""Previews of what a board shows and a loudspeaker plays, media files and the static files.

A preview comes from the same code path, settings and store as the delivery it previews (see
:mod:`campaign.web.preview`): LED sheets from the board's own adapter, audio from the
workspace's ``reading:`` settings into the speech store that retention prunes. Posts are
previewed by id; a campaign awaiting approval by message (its current definition), so a leader
sees and hears what will go out before any post exists. Sync handlers: rendering and synthesis
run in the thread pool.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from campaign import queries
from campaign.web import preview
from campaign.web.dashboard import Dashboard, to_int
from campaign.web.preview import AUDIO_TYPES, PreviewError, as_led, led_size
from campaign.web.security import require
from campaign.workspace import Workspace

STATIC = Path(__file__).with_name("static")
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp"}
__all__ = ["Media", "led_sheet", "led_size", "speech_preview"]


def led_sheet(ws: Workspace, endpoint: Any, slogan: str) -> bytes:
    """See :func:`campaign.web.preview.led_sheet`; errors as HTTP errors."""
    try:
        return preview.led_sheet(ws, endpoint, slogan)
    except PreviewError as exc:
        raise HTTPException(exc.status, exc.message) from None


def speech_preview(ws: Workspace, endpoint: Any, script: str) -> Path:
    """See :func:`campaign.web.preview.speech`; errors as HTTP errors."""
    try:
        return preview.speech(ws, endpoint, script)[0]
    except PreviewError as exc:
        raise HTTPException(exc.status, exc.message) from None


def _png(data: bytes) -> Response:
    return Response(data, media_type="image/png",
                    headers={"Cache-Control": "private, max-age=3600"})


def _audio(path: Path) -> Response:
    return FileResponse(path, media_type=AUDIO_TYPES.get(path.suffix.lower(), "audio/mpeg"))


class Media:
    """LED sheets, audio previews, media files and static files."""

    def __init__(self, dash: Dashboard) -> None:
        self.dash = dash

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/posts/{pid}/led/{idx}.png", self.led_png),
            Route("/posts/{pid}/audio", self.audio),
            Route("/campaigns/{cid}/preview/{mid}/led/{idx}.png", self.campaign_led),
            Route("/campaigns/{cid}/preview/{mid}/audio", self.campaign_audio),
            Route("/media/{name:path}", self.media),
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
        endpoint = as_led(dash.ws.directory.endpoints.get(post["endpoint_id"]))
        return _png(led_sheet(dash.ws, endpoint, str(slogans[index])))

    def audio(self, request: Request) -> Response:
        require(request, "read")
        dash = self.dash
        pid = to_int(request.path_params["pid"], 0)
        post = queries.post_detail(dash.ledger, pid)
        if post is None or post["channel"] != "loudspeaker":
            raise HTTPException(404, "Không có âm thanh cho bài này.")
        content = post["content"]
        endpoint = dash.ws.directory.endpoints.get(post["endpoint_id"])
        return self._sound(endpoint, content)

    def _sound(self, endpoint: Any, content: dict[str, Any]) -> Response:
        try:
            if content.get("audio"):
                return _audio(preview.recorded(self.dash.ws, str(content["audio"]))[0])
            return _audio(preview.speech(self.dash.ws, endpoint,
                                         str(content.get("script", "")))[0])
        except PreviewError as exc:
            raise HTTPException(exc.status, exc.message) from None

    # ------------------------------------------------------------------ awaiting approval
    def _variant(self, request: Request, channel: str) -> tuple[dict[str, Any], Any]:
        """The message's current variant for ``channel`` and the board/station it is
        previewed on (``?endpoint=`` or the first one the campaign targets)."""
        from campaign.web.review import preview_endpoints, variant_of

        cid = request.path_params["cid"]
        mid = request.path_params["mid"]
        record = queries.campaign_record(self.dash.ledger, cid)
        definition = (record or {}).get("definition") or {}
        variant = variant_of(definition, mid, channel)
        if variant is None:
            raise HTTPException(404, "Không có nội dung này.")
        endpoints = preview_endpoints(self.dash.ws.directory, definition, channel)
        wanted = request.query_params.get("endpoint")
        endpoint = next((e for e in endpoints if e.id == wanted), endpoints[0] if endpoints
                        else None)
        return variant, endpoint

    def campaign_led(self, request: Request) -> Response:
        require(request, "read")
        variant, endpoint = self._variant(request, "led")
        index = to_int(request.path_params["idx"], -1)
        slogans = variant.get("slogans") or []
        if not 0 <= index < len(slogans):
            raise HTTPException(404, "Không có khung hình này.")
        return _png(led_sheet(self.dash.ws, as_led(endpoint), str(slogans[index])))

    def campaign_audio(self, request: Request) -> Response:
        require(request, "read")
        variant, endpoint = self._variant(request, "loudspeaker")
        return self._sound(endpoint, variant)

    def media(self, request: Request) -> Response:
        """Images a post will carry (Facebook images, Zalo cover), from the media folder."""
        require(request, "read")
        name = request.path_params["name"]
        try:
            path = preview.media_file(self.dash.ws, name)
        except PreviewError as exc:
            raise HTTPException(exc.status, exc.message) from None
        assert path is not None
        kind = IMAGE_TYPES.get(path.suffix.lower()) or AUDIO_TYPES.get(path.suffix.lower())
        if kind is None:
            raise HTTPException(404, "Chỉ xem được ảnh và âm thanh.")
        return FileResponse(path, media_type=kind,
                            headers={"Cache-Control": "private, max-age=3600"})

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
