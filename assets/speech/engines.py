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

__all__ = ["EspeakEngine", "FptEngine", "HttpEngine", "SpeechEngine", "SpeechError",
           "SpeechToolMissing", "ViettelEngine", "ZaloEngine", "engine_from_config",
           "require_tool"]


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


# --------------------------------------------------------------------------- named services
REGIONS = {"bac": "north", "north": "north", "mien-bac": "north", "trung": "central",
           "central": "central", "mien-trung": "central", "nam": "south", "south": "south",
           "mien-nam": "south"}
GENDERS = {"nu": "female", "female": "female", "nam": "male", "male": "male"}


class PresetEngine(SpeechEngine):
    """A named Vietnamese TTS service: its URL, auth, fields and voices are known.

    ``voice`` is the vendor's own voice id, or chosen from ``region`` (bac/trung/nam) and
    ``gender`` (nu/nam) through :attr:`VOICES`. ``url`` can be overridden (a proxy, a fake).
    """

    URL: ClassVar[str]
    VOICES: ClassVar[dict[tuple[str, str], str]]
    label: ClassVar[str]

    def __init__(self, api_key: str, *, voice: str | None = None, region: str = "bac",
                 gender: str = "nu", url: str | None = None, timeout: float = 60.0,
                 poll_seconds: float = 1.0, poll_limit: int = 60,
                 session: requests.Session | None = None) -> None:
        if not api_key:
            raise SpeechError(f"Dịch vụ {self.label} cần api_key dạng env:TEN_BIEN.")
        self.api_key = api_key
        self.url = url or self.URL
        self.voice = voice or self._voice(region, gender)
        self.timeout = timeout
        self.poll_seconds = poll_seconds
        self.poll_limit = poll_limit
        self.session = session or requests.Session()

    def _voice(self, region: str, gender: str) -> str:
        key = (REGIONS.get(region.lower(), ""), GENDERS.get(gender.lower(), ""))
        if key not in self.VOICES:
            have = ", ".join(f"{r}/{g}" for r, g in self.VOICES)
            raise SpeechError(f"{self.label} không có giọng vùng '{region}', giới tính "
                              f"'{gender}'. Có: {have}.")
        return self.VOICES[key]

    def identity(self) -> str:
        return f"{self.name}|{self.url}|{self.voice}"

    def _post(self, **kw: Any) -> requests.Response:
        try:
            return self.session.post(self.url, timeout=self.timeout, **kw)
        except requests.RequestException as exc:
            raise SpeechError(f"Không kết nối được {self.label}: {type(exc).__name__}.") from None

    def _status(self, resp: requests.Response, message: str | None = None) -> None:
        """HTTP-level refusals shared by the three services."""
        detail = f": {message}" if message else ""
        if resp.status_code in (401, 403):
            raise SpeechError(f"{self.label} từ chối khóa truy cập (HTTP {resp.status_code})"
                              f"{detail}. Hãy kiểm tra api_key.")
        if resp.status_code == 429:
            raise SpeechError(f"{self.label} báo vượt hạn mức (HTTP 429){detail}; thử lại sau.")
        if resp.status_code >= 400:
            raise SpeechError(f"{self.label} trả lỗi HTTP {resp.status_code}{detail}.")

    def _download(self, link: str) -> bytes:
        """Fetch a produced file; FPT.AI answers 404 until the asynchronous job is done."""
        import time

        for _ in range(max(self.poll_limit, 1)):
            try:
                audio = self.session.get(link, timeout=self.timeout)
            except requests.RequestException as exc:
                raise SpeechError(f"Không tải được âm thanh từ {self.label}: "
                                  f"{type(exc).__name__}.") from None
            if audio.status_code == 200 and audio.content:
                return audio.content
            if audio.status_code not in (404, 202):
                raise SpeechError(f"Không tải được âm thanh từ {self.label} "
                                  f"(HTTP {audio.status_code}).")
            time.sleep(self.poll_seconds)
        raise SpeechError(f"{self.label} chưa tạo xong tệp âm thanh sau "
                          f"{self.poll_limit * self.poll_seconds:.0f} giây; thử lại sau.")

    @staticmethod
    def _json(resp: requests.Response) -> dict[str, Any]:
        try:
            payload = resp.json()
        except ValueError:
            return {}
        return payload if isinstance(payload, dict) else {}


class FptEngine(PresetEngine):
    """FPT.AI TTS v5: ``POST /hmi/tts/v5``, body = the text, headers ``api-key``, ``voice``,
    ``speed`` (-3…3); answers ``{"async": <mp3 url>, "error": 0, "message", "request_id"}``
    and the MP3 appears at that URL a few seconds later."""

    name = "fpt"
    label = "FPT.AI"
    URL = "https://api.fpt.ai/hmi/tts/v5"
    VOICES = {("north", "female"): "banmai", ("north", "male"): "leminh",
              ("central", "female"): "myan", ("central", "male"): "giahuy",
              ("south", "female"): "lannhi", ("south", "male"): "minhquang"}

    def to_wav(self, reading: str, out_wav: Path, *, syllables_per_second: float) -> None:
        speed = max(-3, min(3, round((syllables_per_second / 4.0 - 1.0) * 6)))
        resp = self._post(data=reading.encode("utf-8"),
                          headers={"api-key": self.api_key, "voice": self.voice,
                                   "speed": str(speed), "format": "mp3"})
        payload = self._json(resp)
        self._status(resp, payload.get("message"))
        if payload.get("error") not in (0, None) or not payload.get("async"):
            raise SpeechError(f"FPT.AI không nhận yêu cầu (mã {payload.get('error')}): "
                              f"{payload.get('message') or 'không có lời giải thích'}.")
        out_wav.write_bytes(self._download(str(payload["async"])))


class ViettelEngine(PresetEngine):
    """Viettel AI TTS: ``POST /tts/speech_synthesis`` with JSON ``{text, voice, speed,
    tts_return_option, token, without_filter}``; answers the audio bytes."""

    name = "viettel"
    label = "Viettel AI"
    URL = "https://viettelai.vn/tts/speech_synthesis"
    VOICES = {("north", "female"): "hn-quynhanh", ("north", "male"): "hn-thanhtung",
              ("central", "female"): "hue-maingoc", ("central", "male"): "hue-baoquoc",
              ("south", "female"): "hcm-diemmy", ("south", "male"): "hcm-minhquan"}

    def to_wav(self, reading: str, out_wav: Path, *, syllables_per_second: float) -> None:
        speed = round(max(0.7, min(1.3, syllables_per_second / 4.0)), 2)
        resp = self._post(json={"text": reading, "voice": self.voice, "speed": speed,
                                "tts_return_option": 3, "token": self.api_key,
                                "without_filter": False},
                          headers={"Accept": "*/*"})
        if resp.headers.get("Content-Type", "").startswith("application/json") or \
                resp.status_code >= 400:
            payload = self._json(resp)
            message = payload.get("vi_message") or payload.get("message") or \
                payload.get("en_message")
            self._status(resp, message)
            raise SpeechError(f"Viettel AI không trả âm thanh (mã {payload.get('code')}): "
                              f"{message or 'không có lời giải thích'}.")
        if not resp.content:
            raise SpeechError("Viettel AI trả về tệp rỗng.")
        out_wav.write_bytes(resp.content)


class ZaloEngine(PresetEngine):
    """Zalo AI TTS: ``POST /v1/tts/synthesize``, header ``apikey``, form ``input``,
    ``speaker_id``, ``speed`` (0.8–1.2), ``encode_type`` (1 = mp3); answers
    ``{"data": {"url"}, "error_code": 0, "error_message"}``. No central voices."""

    name = "zalo"
    label = "Zalo AI"
    URL = "https://api.zalo.ai/v1/tts/synthesize"
    VOICES = {("south", "female"): "1", ("north", "female"): "2", ("south", "male"): "3",
              ("north", "male"): "4"}

    def to_wav(self, reading: str, out_wav: Path, *, syllables_per_second: float) -> None:
        speed = round(max(0.8, min(1.2, syllables_per_second / 4.0)), 2)
        resp = self._post(data={"input": reading, "speaker_id": self.voice,
                                "speed": str(speed), "encode_type": "1"},
                          headers={"apikey": self.api_key})
        payload = self._json(resp)
        self._status(resp, payload.get("error_message"))
        raw_data = payload.get("data")
        data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
        if payload.get("error_code") not in (0, None) or not data.get("url"):
            raise SpeechError(f"Zalo AI không nhận yêu cầu (mã {payload.get('error_code')}): "
                              f"{payload.get('error_message') or 'không có lời giải thích'}.")
        out_wav.write_bytes(self._download(str(data["url"])))


PRESETS: dict[str, type[PresetEngine]] = {"fpt": FptEngine, "viettel": ViettelEngine,
                                          "zalo": ZaloEngine}


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
    if kind in PRESETS:
        key_ref = config.pop("api_key", None)
        key = secrets(key_ref) if key_ref and secrets else key_ref
        allowed = {"voice", "region", "gender", "url", "timeout", "poll_seconds", "poll_limit"}
        unknown = set(config) - allowed
        if unknown:
            raise SpeechError(f"Cấu hình speech có mục không hợp lệ: {', '.join(sorted(unknown))}.")
        return PRESETS[kind](key or "", **config)
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
    raise SpeechError(f"Bộ đọc '{kind}' không có. Dùng espeak-ng, fpt, viettel, zalo hoặc http.")
