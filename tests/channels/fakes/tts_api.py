"""Local stand-ins for FPT.AI TTS v5, Viettel AI TTS and Zalo AI TTS.

Each checks its documented method, path, auth header or field and the request fields, and
answers with the service's success or error shape. FPT.AI's MP3 is asynchronous: its URL
answers 404 for ``pending_polls`` requests before the file is there.
"""

from __future__ import annotations

from typing import Any

from tests.channels.fakes.base import FakeHTTPServer, Recorded

AUDIO = b"ID3\x03\x00\x00\x00\x00\x00\x00fake-mp3-frames"


class TtsAPI(FakeHTTPServer):
    """All three services on one local port (paths differ)."""

    def __init__(self, *, key: str = "tts-key-SECRET", pending_polls: int = 1) -> None:
        super().__init__()
        self.key = key
        self.pending_polls = pending_polls
        self.files: dict[str, int] = {}
        self.texts: list[tuple[str, dict[str, Any]]] = []
        self.audio = AUDIO
        """The bytes every produced file holds (a test that decodes them sets real audio)."""

    def handle(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        if rec.path.startswith("/files/") and rec.method == "GET":
            left = self.files.get(rec.path, -1)
            if left < 0:
                return 404, {}, {"message": "not found"}
            if left > 0:
                self.files[rec.path] = left - 1
                return 404, {}, {"message": "not ready"}
            return 200, {"X-Audio": "1"}, self.audio
        if rec.path == "/hmi/tts/v5" and rec.method == "POST":
            return self._fpt(rec)
        if rec.path == "/tts/speech_synthesis" and rec.method == "POST":
            return self._viettel(rec)
        if rec.path == "/v1/tts/synthesize" and rec.method == "POST":
            return self._zalo(rec)
        return 404, {}, {"message": "no route"}

    def _file(self, name: str) -> str:
        path = f"/files/{name}-{len(self.files) + 1}.mp3"
        self.files[path] = self.pending_polls
        return f"{self.origin}{path}"

    def _fpt(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        if rec.headers.get("api-key") != self.key:
            return 401, {}, {"message": "Invalid authentication credentials"}
        text = rec.raw.decode("utf-8")
        speed = rec.headers.get("speed", "0")
        if not text or not speed.lstrip("-").isdigit() or not -3 <= int(speed) <= 3:
            return 400, {}, {"error": 1, "message": "Invalid request"}
        self.texts.append(("fpt", {"text": text, "voice": rec.headers.get("voice"),
                                   "speed": speed}))
        return 200, {}, {"async": self._file("fpt"), "error": 0, "message": "The content will "
                         "be returned after a few seconds under the async link.",
                         "request_id": "3b4f"}

    def _viettel(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        body = rec.json if isinstance(rec.json, dict) else {}
        if body.get("token") != self.key:
            return 401, {}, {"code": 401, "vi_message": "Token không hợp lệ",
                             "en_message": "Invalid token"}
        if not body.get("text") or not 0.7 <= float(body.get("speed", 1)) <= 1.3:
            return 400, {}, {"code": 400, "vi_message": "Tham số không hợp lệ",
                             "en_message": "Invalid parameters"}
        self.texts.append(("viettel", body))
        return 200, {}, self.audio

    def _zalo(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        if rec.headers.get("apikey") != self.key:
            return 200, {}, {"error_code": -401, "error_message": "Invalid apikey"}
        if not rec.form.get("input") or rec.form.get("speaker_id") not in ("1", "2", "3", "4"):
            return 200, {}, {"error_code": -2, "error_message": "Invalid parameter"}
        self.texts.append(("zalo", dict(rec.form)))
        return 200, {}, {"data": {"url": self._file("zalo")}, "error_code": 0,
                         "error_message": "Successful."}

