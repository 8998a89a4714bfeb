"""Speech engines: turn a *reading text* (already normalised) into a WAV file.

The interface is small on purpose: engines only make raw speech; loudness, jingles and the
output format are done once for all of them in :mod:`assets.speech.audio`.

- :class:`EspeakEngine` (default): espeak-ng's Vietnamese voice, offline, always available on
  the Debian machines we support.
- :class:`HttpEngine`: a commercial Vietnamese TTS service reached over HTTP; off unless an
  operator configures it, because it sends the script to a third party and costs money.
"""

from __future__ import annotations

import abc
import base64
import binascii
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import requests

from assets.systools import MissingToolError, require

__all__ = ["EspeakEngine", "HttpEngine", "SpeechEngine", "SpeechError", "SpeechToolMissing",
           "engine_from_config", "require_tool"]


class SpeechError(Exception):
    """Speech could not be produced. The message is Vietnamese and safe to show."""


class SpeechToolMissing(SpeechError, MissingToolError):
    """espeak-ng or ffmpeg is not installed: a SpeechError for the speech callers, a
    MissingToolError (with the apt-get line) for the CLI."""


def require_tool(tool: str) -> str:
    """Path of ``tool`` for speech work; :class:`SpeechToolMissing` when absent."""
    try:
        return require(tool)
    except MissingToolError as exc:
        raise SpeechToolMissing(exc.tool, exc.package) from None


class SpeechEngine(abc.ABC):
    """Makes speech audio from a reading text."""

    name: ClassVar[str]

    @abc.abstractmethod
    def to_wav(self, reading: str, out_wav: Path, *, syllables_per_second: float) -> None:
        """Write speech for ``reading`` to ``out_wav`` (any sample rate, any channel count)."""

    @abc.abstractmethod
    def identity(self) -> str:
        """What changes the sound (engine, voice, version): part of the media-store key, so a
        voice change re-renders and an unchanged one reuses the stored file."""


class EspeakEngine(SpeechEngine):
    """espeak-ng with a Vietnamese voice (``vi``, ``vi-vn-x-central``, ``vi-vn-x-south``)."""

    name = "espeak-ng"

    WPM_PER_SYLLABLE_PER_SECOND = 40.0
    """espeak-ng counts each Vietnamese syllable as a word; measured on our seed scripts, -s 160
    gives about 4 syllables per second including its own pauses at commas and full stops."""

    def __init__(self, voice: str = "vi", binary: str = "espeak-ng", pitch: int = 45) -> None:
        self.voice = voice
        self.binary = binary
        self.pitch = pitch

    def _binary(self) -> str:
        return require_tool(self.binary)

    def version(self) -> str:
        out = subprocess.run([self._binary(), "--version"], capture_output=True, text=True,
                             check=False)
        return out.stdout.strip()

    def identity(self) -> str:
        return f"espeak-ng|{self.version()}|{self.voice}|p{self.pitch}"

    def to_wav(self, reading: str, out_wav: Path, *, syllables_per_second: float) -> None:
        wpm = max(80, min(450, round(syllables_per_second * self.WPM_PER_SYLLABLE_PER_SECOND)))
        # text on stdin: a script may start with "-" and must never be read as an option
        proc = subprocess.run(
            [self._binary(), "-v", self.voice, "-s", str(wpm), "-p", str(self.pitch),
             "-w", str(out_wav), "--stdin"],
            input=reading.encode("utf-8"), capture_output=True, check=False, timeout=300,
        )
        if proc.returncode != 0 or not out_wav.is_file() or out_wav.stat().st_size <= 44:
            detail = proc.stderr.decode("utf-8", "replace").strip()[:200]
            raise SpeechError(f"espeak-ng không tạo được âm thanh (giọng '{self.voice}'): {detail}")


class HttpEngine(SpeechEngine):
    """A Vietnamese TTS service over HTTP (FPT.AI, Viettel AI, Zalo AI … or a local server).

    It POSTs JSON ``{text_field: reading, "voice": voice, "speed": speed}`` to ``url`` with the
    API key in ``key_header`` and accepts either audio bytes (any format ffmpeg reads) or JSON
    with base64 audio in ``audio_field`` or a download link in ``url_field``. Field names are
    configurable because every vendor names them differently.
    """

    name = "http"

    def __init__(
        self,
        url: str,
        *,
        api_key: str | None = None,
        key_header: str = "Authorization",
        key_prefix: str = "Bearer ",
        voice: str | None = None,
        text_field: str = "text",
        audio_field: str = "audio_base64",
        url_field: str = "audio_url",
        extra: Mapping[str, Any] | None = None,
        timeout: float = 60.0,
        session: requests.Session | None = None,
    ) -> None:
        self.url = url
        self.api_key = api_key
        self.key_header = key_header
        self.key_prefix = key_prefix
        self.voice = voice
        self.text_field = text_field
        self.audio_field = audio_field
        self.url_field = url_field
        self.extra = dict(extra or {})
        self.timeout = timeout
        self.session = session or requests.Session()

    def identity(self) -> str:
        return f"http|{self.url}|{self.voice}|{sorted(self.extra.items())}"

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "audio/*, application/json"}
        if self.api_key:
            headers[self.key_header] = f"{self.key_prefix}{self.api_key}"
        return headers

    def to_wav(self, reading: str, out_wav: Path, *, syllables_per_second: float) -> None:
        body: dict[str, Any] = {self.text_field: reading, "speed": syllables_per_second / 4.0}
        if self.voice:
            body["voice"] = self.voice
        body.update(self.extra)
        try:
            resp = self.session.post(self.url, json=body, headers=self._headers(),
                                     timeout=self.timeout)
            data = self._audio_bytes(resp)
        except requests.RequestException as exc:
            raise SpeechError(f"Không kết nối được dịch vụ đọc văn bản: {type(exc).__name__}.") from None
        out_wav.write_bytes(data)  # ffmpeg reads whatever format the vendor returns

    def _audio_bytes(self, resp: requests.Response) -> bytes:
        """The one place where the vendor's answers become audio or a SpeechError."""
        if resp.status_code in (401, 403):
            raise SpeechError("Dịch vụ đọc văn bản từ chối khóa truy cập (API key). Hãy kiểm tra lại.")
        if resp.status_code == 429:
            raise SpeechError("Dịch vụ đọc văn bản báo vượt hạn mức, hãy thử lại sau.")
        if resp.status_code >= 400:
            raise SpeechError(f"Dịch vụ đọc văn bản trả lỗi HTTP {resp.status_code}.")
        ctype = resp.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            try:
                payload = resp.json()
            except ValueError:
                raise SpeechError("Dịch vụ đọc văn bản trả về JSON không hợp lệ.") from None
            if isinstance(payload, dict) and payload.get(self.audio_field):
                try:
                    return base64.b64decode(payload[self.audio_field], validate=True)
                except (binascii.Error, TypeError):
                    raise SpeechError("Dữ liệu âm thanh base64 không hợp lệ.") from None
            if isinstance(payload, dict) and payload.get(self.url_field):
                audio = self.session.get(payload[self.url_field], timeout=self.timeout)
                if audio.status_code >= 400 or not audio.content:
                    raise SpeechError(f"Không tải được tệp âm thanh (HTTP {audio.status_code}).")
                return audio.content
            raise SpeechError("Dịch vụ đọc văn bản không trả về âm thanh.")
        if not resp.content:
            raise SpeechError("Dịch vụ đọc văn bản trả về tệp rỗng.")
        return resp.content


def engine_from_config(config: Mapping[str, Any] | None,
                       secrets: Any = None) -> SpeechEngine:
    """Build an engine from a workspace ``speech:`` block; espeak-ng when nothing is set.

    ``{engine: http, url: …, api_key: env:NAME, voice: …}`` selects the HTTP engine;
    ``secrets`` resolves ``env:NAME`` (kept outside so assets never read the environment).
    """
    config = dict(config or {})
    kind = config.pop("engine", "espeak-ng")
    if kind in ("espeak-ng", "espeak"):
        return EspeakEngine(voice=config.get("voice", "vi"))
    if kind == "http":
        if not config.get("url"):
            raise SpeechError("Cấu hình speech.engine: http cần có url của dịch vụ.")
        key_ref = config.pop("api_key", None)
        key = secrets(key_ref) if key_ref and secrets else key_ref
        url = config.pop("url")
        allowed = {"key_header", "key_prefix", "voice", "text_field", "audio_field", "url_field",
                   "extra", "timeout"}
        unknown = set(config) - allowed
        if unknown:
            raise SpeechError(f"Cấu hình speech có mục không hợp lệ: {', '.join(sorted(unknown))}.")
        return HttpEngine(url, api_key=key, **config)
    raise SpeechError(f"Bộ đọc '{kind}' không có. Dùng espeak-ng hoặc http.")
