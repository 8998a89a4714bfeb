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


# --------------------------------------------------------------------------- choosing voices
def _engine_for(engine: dict[str, object], voice: object = None,
                campaign_voice: object = None) -> object:
    from assets.speech.settings import speech_kit

    return speech_kit({"engine": engine}, lambda ref: KEY, voice=voice,  # type: ignore[arg-type]
                      campaign_voice=campaign_voice).engine  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "voice", "campaign_voice", "want"), [
    ("fpt", {"region": "nam", "gender": "nu"}, None, "lannhi"),
    ("fpt", {"region": "nam", "gender": "nu"}, {"gender": "nam"}, "minhquang"),  # campaign wins
    ("fpt", {"region": "trung"}, None, "myan"),  # gender from the workspace (nu by default)
    ("viettel", "banmai", None, "hn-quynhanh"),  # an FPT.AI name keeps its region and gender
    ("viettel", "vi-vn-x-central", None, "hue-maingoc"),  # espeak-ng's accent, default gender
    ("zalo", {"region": "bac", "gender": "nam"}, None, "4"),
    ("zalo", None, {"region": "nam"}, "1"),
    ("viettel", "hcm-minhquan", None, "hcm-minhquan"),  # the service's own name, as written
])
def test_a_region_and_gender_pick_the_configured_services_voice(
        tmp_path: Path, kind: str, voice: object, campaign_voice: object, want: str) -> None:
    paths = {"fpt": "/hmi/tts/v5", "viettel": "/tts/speech_synthesis",
             "zalo": "/v1/tts/synthesize"}
    fields = {"fpt": "voice", "viettel": "voice", "zalo": "speaker_id"}
    with TtsAPI(key=KEY, pending_polls=0) as fake:
        engine = _engine_for({"engine": kind, "api_key": "env:TTS_KEY",
                              "url": f"{fake.origin}{paths[kind]}", "poll_seconds": 0.01},
                             voice, campaign_voice)
        engine.to_wav(TEXT, tmp_path / "a.mp3", syllables_per_second=4.0)  # type: ignore[attr-defined]
    (_, sent), = fake.texts
    assert sent[fields[kind]] == want


@pytest.mark.parametrize(("voice", "campaign_voice", "want"), [
    ({"region": "nam", "gender": "nu"}, None, "vi-vn-x-south+f3"),
    ({"region": "trung", "gender": "nam"}, None, "vi-vn-x-central"),
    ("vi-vn-x-south", {"gender": "nu"}, "vi-vn-x-south+f3"),
    ("lannhi", None, "vi-vn-x-south+f3"),  # an FPT.AI name on an offline machine
    ("vi+m3", None, "vi+m3"),  # an espeak-ng voice named outright stays as written
])
def test_espeak_follows_the_same_choice(tmp_path: Path, voice: object, campaign_voice: object,
                                        want: str) -> None:
    engine = _engine_for({"engine": "espeak-ng"}, voice, campaign_voice)
    assert isinstance(engine, EspeakEngine) and engine.voice == want
    engine.to_wav(TEXT, tmp_path / "a.wav", syllables_per_second=4.0)  # real espeak-ng
    assert (tmp_path / "a.wav").stat().st_size > 10_000


def test_a_voice_the_service_lacks_is_said_in_vietnamese() -> None:
    with pytest.raises(SpeechError, match="Zalo AI không có giọng vùng 'trung'"):
        _engine_for({"engine": "zalo", "api_key": "env:K"}, {"region": "trung"})
    with pytest.raises(SpeechError, match="Bộ đọc http không có bảng giọng"):
        _engine_for({"engine": "http", "url": "http://127.0.0.1:9/tts"}, {"region": "nam"})
    from pydantic import ValidationError

    from assets.speech.voices import VoiceChoice

    with pytest.raises(ValidationError, match="Không hiểu vùng giọng 'tay-nguyen'"):
        VoiceChoice.model_validate({"region": "tay-nguyen"})
