"""Named TTS services (FPT.AI v5, Viettel AI, Zalo AI) against their local fakes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assets.speech.engines import (
    EspeakEngine,
    FptEngine,
    SpeechError,
    ViettelEngine,
    ZaloEngine,
    engine_from_config,
)
from tests.channels.fakes.tts_api import AUDIO, TtsAPI

KEY = "tts-key-SECRET"
TEXT = "Kính thưa bà con, sáng mai phường tổ chức tổng vệ sinh."


def test_fpt_v5_posts_text_with_headers_and_fetches_the_async_mp3(tmp_path: Path) -> None:
    with TtsAPI(key=KEY, pending_polls=2) as fake:
        engine = FptEngine(KEY, region="nam", gender="nam", url=f"{fake.origin}/hmi/tts/v5",
                           poll_seconds=0.01)
        engine.to_wav(TEXT, tmp_path / "a.mp3", syllables_per_second=4.0)
        polls = fake.calls("/files/fpt-1.mp3", "GET")
    assert (tmp_path / "a.mp3").read_bytes() == AUDIO
    assert fake.texts == [("fpt", {"text": TEXT, "voice": "minhquang", "speed": "0"})]
    assert len(polls) == 3  # two 404s while the job runs, then the file


@pytest.mark.parametrize(("cls", "path", "region", "gender", "field", "voice"), [
    (ViettelEngine, "/tts/speech_synthesis", "trung", "nu", "voice", "hue-maingoc"),
    (ZaloEngine, "/v1/tts/synthesize", "bac", "nam", "speaker_id", "4"),
])
def test_viettel_and_zalo_send_their_fields(tmp_path: Path, cls, path: str, region: str,
                                            gender: str, field: str, voice: str) -> None:
    with TtsAPI(key=KEY, pending_polls=0) as fake:
        engine = cls(KEY, region=region, gender=gender, url=f"{fake.origin}{path}",
                     poll_seconds=0.01)
        engine.to_wav(TEXT, tmp_path / "a.mp3", syllables_per_second=4.4)
    assert (tmp_path / "a.mp3").read_bytes() == AUDIO
    (name, fields), = fake.texts
    assert fields[field] == voice and float(fields["speed"]) == pytest.approx(1.1)
    assert TEXT in (fields.get("text"), fields.get("input"))


@pytest.mark.parametrize(("cls", "path", "words"), [
    (FptEngine, "/hmi/tts/v5", "từ chối khóa truy cập (HTTP 401): Invalid authentication"),
    (ViettelEngine, "/tts/speech_synthesis", "từ chối khóa truy cập (HTTP 401): Token không"),
    (ZaloEngine, "/v1/tts/synthesize", "không nhận yêu cầu (mã -401): Invalid apikey"),
])
def test_wrong_key_is_a_vietnamese_speech_error(tmp_path: Path, cls, path: str,
                                                words: str) -> None:
    with TtsAPI(key=KEY) as fake:
        engine = cls("wrong-key", url=f"{fake.origin}{path}", poll_seconds=0.01)
        with pytest.raises(SpeechError, match=re.escape(words)) as info:
            engine.to_wav(TEXT, tmp_path / "a.mp3", syllables_per_second=4.0)
    assert "wrong-key" not in str(info.value) and not (tmp_path / "a.mp3").exists()


def test_rate_limit_and_missing_file_are_reported(tmp_path: Path) -> None:
    with TtsAPI(key=KEY) as fake:
        fake.script("/hmi/tts/v5", status=429, body={"message": "API rate limit exceeded"})
        engine = FptEngine(KEY, url=f"{fake.origin}/hmi/tts/v5", poll_seconds=0.01,
                           poll_limit=2)
        with pytest.raises(SpeechError, match="vượt hạn mức"):
            engine.to_wav(TEXT, tmp_path / "a.mp3", syllables_per_second=4.0)
        fake.pending_polls = 5
        with pytest.raises(SpeechError, match="chưa tạo xong"):
            engine.to_wav(TEXT, tmp_path / "a.mp3", syllables_per_second=4.0)


def test_presets_from_workspace_config() -> None:
    engine = engine_from_config({"engine": "fpt", "api_key": "env:FPT_KEY", "region": "trung",
                                 "gender": "nam"}, lambda ref: "resolved")
    assert isinstance(engine, FptEngine) and engine.voice == "giahuy"
    assert engine.api_key == "resolved" and "resolved" not in engine.identity()
    with pytest.raises(SpeechError, match="Zalo AI không có giọng vùng 'trung'"):
        engine_from_config({"engine": "zalo", "api_key": "env:Z", "region": "trung"})
    with pytest.raises(SpeechError, match="cần api_key"):
        engine_from_config({"engine": "viettel"})
    assert isinstance(engine_from_config(None), EspeakEngine)  # offline default
