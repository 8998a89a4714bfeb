"""Speech audio: real espeak-ng and ffmpeg, loudness measured independently with pyloudnorm."""

from __future__ import annotations

import base64
import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest

from assets.speech import estimate_seconds
from assets.speech.audio import measure, synthesize, synthesize_cached
from assets.speech.engines import HttpEngine, SpeechEngine, SpeechError, engine_from_config
from assets.store import MediaStore

SCRIPTS = [
    "Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển "
    "khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia, UBND phường đề nghị bà "
    "con nhân dân tích cực tham gia các hoạt động tuyên truyền.",
    "Kết quả thực hiện gửi về Sở Khoa học và Công nghệ trước ngày 30/04/2025. Thời gian dự kiến "
    "01 buổi, từ 7h30 đến 11h00. Kinh phí hỗ trợ 1.500.000 đồng mỗi người.",
    "Quy hoạch tỉnh Đồng Nai thời kỳ 2021-2030, tầm nhìn đến năm 2050, phấn đấu 100% hồ sơ "
    "được giải quyết trực tuyến. Bà con hãy cài đặt ứng dụng VNeID để sử dụng dịch vụ công.",
]


def pyloudnorm_lufs(path: Path) -> float:
    """Integrated loudness decoded by ffmpeg and measured by pyloudnorm (independent of the
    ebur128 filter our code uses)."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "1", "-ar", "48000", "-"],
        capture_output=True, check=True,
    ).stdout
    samples = np.frombuffer(raw, dtype="<f4").astype(np.float64)
    return float(pyloudnorm.Meter(48000).integrated_loudness(samples))


def channels(path: Path) -> int:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=channels",
         "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True,
    ).stdout
    return int(out.strip())


@pytest.mark.parametrize("fmt", ["wav", "mp3", "ogg"])
def test_output_is_mono_loudness_normalised_in_each_format(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"ban-tin.{fmt}"
    info = synthesize(SCRIPTS[0], out)
    assert info.path == out and out.stat().st_size > 1000
    assert channels(out) == 1
    assert -17.0 <= info.lufs <= -15.0, info
    assert info.true_peak <= -1.0, info
    assert abs(pyloudnorm_lufs(out) - (-16.0)) <= 1.0
    assert info.duration_seconds == pytest.approx(measure(out).duration_seconds, abs=0.05)


def test_duration_estimate_is_within_20_percent_of_the_audio(tmp_path: Path) -> None:
    errors = []
    for index, script in enumerate(SCRIPTS):
        info = synthesize(script, tmp_path / f"s{index}.wav")
        estimate = estimate_seconds(script)
        errors.append(abs(estimate - info.duration_seconds) / info.duration_seconds)
    assert max(errors) <= 0.20, errors


def test_speed_changes_duration(tmp_path: Path) -> None:
    slow = synthesize(SCRIPTS[1], tmp_path / "slow.wav", syllables_per_second=3.0)
    fast = synthesize(SCRIPTS[1], tmp_path / "fast.wav", syllables_per_second=5.0)
    assert slow.duration_seconds > fast.duration_seconds * 1.3
    assert abs(estimate_seconds(SCRIPTS[1], 3.0) - slow.duration_seconds) / slow.duration_seconds < 0.2


def make_jingle(path: Path, seconds: float, freq: int) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    f"sine=frequency={freq}:duration={seconds}:sample_rate=44100", "-ac", "2",
                    "-y", str(path)], check=True)
    return path


def test_opening_and_closing_jingles_are_added(tmp_path: Path) -> None:
    plain = synthesize("Xin chào bà con.", tmp_path / "plain.wav")
    intro = make_jingle(tmp_path / "intro.mp3", 2.0, 660)
    outro = make_jingle(tmp_path / "outro.wav", 1.5, 440)
    full = synthesize("Xin chào bà con.", tmp_path / "full.ogg", intro=intro, outro=outro)
    assert full.duration_seconds == pytest.approx(plain.duration_seconds + 3.5 + 0.8, abs=0.3)
    assert channels(full.path) == 1
    assert full.true_peak <= -1.0 and -17.0 <= full.lufs <= -15.0


class ToneEngine(SpeechEngine):
    """A real (if unmusical) engine: one short beep per syllable. Counts its calls."""

    name = "tone"

    def __init__(self) -> None:
        self.calls = 0

    def identity(self) -> str:
        return "tone-1"

    def to_wav(self, reading: str, out_wav: Path, *, syllables_per_second: float) -> None:
        self.calls += 1
        seconds = max(1, len(reading.split())) / syllables_per_second
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                        f"sine=frequency=500:duration={seconds:.2f}", "-y", str(out_wav)],
                       check=True)


def test_cached_audio_is_made_once_per_recipe(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media")
    engine = ToneEngine()
    first = synthesize_cached("Ngày 30/4 nghỉ lễ.", store, engine=engine)
    second = synthesize_cached("Ngày 30/4 nghỉ lễ.", store, engine=engine)
    assert engine.calls == 1
    assert first == second and first.path.is_file() and first.path.suffix == ".mp3"
    assert first.path.parent.parent == store.root
    other = synthesize_cached("Ngày 30/4 nghỉ lễ.", store, engine=engine, syllables_per_second=5)
    assert engine.calls == 2 and other.path != first.path
    assert -17.0 <= first.lufs <= -15.0 and first.true_peak <= -1.0
    assert not list(store.root.rglob(".tmp-*"))


def test_bad_format_and_empty_text_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SpeechError, match="Định dạng"):
        synthesize("xin chào", tmp_path / "x.flac")
    with pytest.raises(SpeechError, match="trống"):
        synthesize("   ", tmp_path / "x.wav")
    with pytest.raises(SpeechError, match="nhạc hiệu"):
        synthesize("xin chào", tmp_path / "x.wav", intro=tmp_path / "missing.mp3")


# --------------------------------------------------------------------------- HTTP engine
class FakeTTS(BaseHTTPRequestHandler):
    """A vendor TTS endpoint: checks the request and answers with audio or an error."""

    audio = b""
    seen: list[dict] = []
    mode = "bytes"

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeTTS.seen.append({"path": self.path, "auth": self.headers.get("api-key"), "body": body})
        if self.headers.get("api-key") != "k-123":
            self._send(401, "application/json", b'{"error": "unauthorised"}')
        elif FakeTTS.mode == "json":
            payload = {"audio_base64": base64.b64encode(FakeTTS.audio).decode()}
            self._send(200, "application/json", json.dumps(payload).encode())
        else:
            self._send(200, "audio/wav", FakeTTS.audio)

    def _send(self, status: int, ctype: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tts_server(tmp_path: Path) -> Iterator[str]:
    tone = make_jingle(tmp_path / "voice.wav", 1.0, 300)
    FakeTTS.audio = tone.read_bytes()
    FakeTTS.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTTS)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/tts"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("mode", ["bytes", "json"])
def test_http_engine_against_a_local_service(tmp_path: Path, tts_server: str, mode: str) -> None:
    FakeTTS.mode = mode
    engine = engine_from_config(
        {"engine": "http", "url": tts_server, "api_key": "env:TTS_KEY", "key_header": "api-key",
         "key_prefix": "", "voice": "banmai"},
        secrets=lambda ref: {"env:TTS_KEY": "k-123"}[ref],
    )
    assert isinstance(engine, HttpEngine)
    info = synthesize("Ngày 30/4", tmp_path / "http.mp3", engine=engine)
    assert FakeTTS.seen[0]["body"]["text"] == "Ngày ba mươi tháng tư"
    assert FakeTTS.seen[0]["body"]["voice"] == "banmai"
    assert FakeTTS.seen[0]["path"] == "/v1/tts"
    assert info.duration_seconds == pytest.approx(1.0, abs=0.15)
    assert -17.0 <= info.lufs <= -15.0 and info.true_peak <= -1.0


def test_http_engine_refused_key_is_a_vietnamese_error(tmp_path: Path, tts_server: str) -> None:
    engine = HttpEngine(tts_server, api_key="wrong", key_header="api-key", key_prefix="")
    with pytest.raises(SpeechError, match="từ chối khóa") as exc:
        synthesize("xin chào", tmp_path / "x.wav", engine=engine)
    assert "wrong" not in str(exc.value)


def test_default_engine_is_espeak_and_http_is_opt_in() -> None:
    assert engine_from_config(None).name == "espeak-ng"
    with pytest.raises(SpeechError, match="url"):
        engine_from_config({"engine": "http"})
    with pytest.raises(SpeechError, match="không có"):
        engine_from_config({"engine": "google"})
