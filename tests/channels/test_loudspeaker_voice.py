"""An endpoint's and a campaign's voice reach the named speech services through the
loudspeaker adapter (folder route, real ffmpeg, the local TTS fake)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from campaign.definition import Campaign, variant_content
from channels.base import AdapterContext, adapter_class
from channels.loudspeaker import LoudspeakerAdapter
from channels.secrets import SecretResolver
from tests.channels.fakes.tts_api import TtsAPI
from tests.channels.test_loudspeaker import make_delivery

KEY = "tts-key-SECRET"


@pytest.fixture
def fake(tmp_path: Path) -> Any:
    mp3 = tmp_path / "tone.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=1", str(mp3)], check=True)
    with TtsAPI(key=KEY, pending_polls=0) as server:
        server.audio = mp3.read_bytes()  # real audio: the adapter measures and re-encodes it
        yield server


def _adapter(ws: Path, origin: str, engine: str = "fpt", path: str = "/hmi/tts/v5",
             **fields: Any) -> LoudspeakerAdapter:
    (ws / "media").mkdir(exist_ok=True)
    speech = {"engine": {"engine": engine, "api_key": "env:FPT_KEY",
                         "url": f"{origin}{path}", "poll_seconds": 0.01}}
    context = AdapterContext(secrets=SecretResolver(environ={"FPT_KEY": KEY}), workspace=ws,
                             media_dir=ws / "media", var_dir=ws / "var", timeout=5.0,
                             speech=speech)
    raw = {"id": "loa-an-binh", "channel": "loudspeaker", "unit": "an-binh",
           "slots": ["05:30", "17:00"], "slot_minutes": 15,
           "deliver": {"via": "folder", "path": "var/loa"}, **fields}
    cls = adapter_class("loudspeaker")
    return cls(cls.Config.model_validate(raw), context)  # type: ignore[return-value]


def test_the_stations_voice_and_the_campaigns_override(tmp_path: Path, fake: Any) -> None:
    southern_woman = _adapter(tmp_path, fake.origin, voice={"region": "nam", "gender": "nu"})
    receipt = southern_woman.deliver(make_delivery(1))
    assert (tmp_path / "var/loa" / str(receipt.external_id)).stat().st_size > 1000
    southern_woman.deliver(make_delivery(2, message_id="m2", voice={"gender": "nam"}))
    plain = _adapter(tmp_path, fake.origin)  # no voice: the workspace's (bac, nu)
    plain.deliver(make_delivery(3, message_id="m3"))
    assert [fields["voice"] for _, fields in fake.texts] == ["lannhi", "minhquang", "banmai"]


def test_a_voice_the_service_lacks_is_a_config_error(tmp_path: Path, fake: Any) -> None:
    from channels.base import ConfigError

    zalo = _adapter(tmp_path, fake.origin, "zalo", "/v1/tts/synthesize",
                    voice={"region": "bac", "gender": "nam"})
    with pytest.raises(ConfigError, match="Zalo AI không có giọng vùng 'trung'"):
        zalo.deliver(make_delivery(4, voice={"region": "trung"}))  # Zalo AI has no central voice
    assert fake.texts == [] and not (tmp_path / "var/loa").exists()
    zalo.deliver(make_delivery(5, message_id="m5"))
    assert [fields["speaker_id"] for _, fields in fake.texts] == ["4"]


CAMPAIGN: dict[str, Any] = {
    "id": "ve-sinh", "title": "Tổng vệ sinh", "period": {"start": "2025-04-01", "end": "2025-04-30"},
    "targets": ["tat-ca"],
    "messages": [{"id": "m1", "title": "Tổng vệ sinh",
                  "loudspeaker": {"script": "Kính thưa bà con."},
                  "facebook": {"text": "Tổng vệ sinh."}}],
    "schedule": {"loudspeaker": {"days": "hang-ngay", "voice": {"region": "nam"}},
                 "facebook": {"days": [dt.date(2025, 4, 1).strftime("t%w")], "times": ["08:00"]}},
}


def test_the_campaigns_voice_goes_with_each_loudspeaker_post() -> None:
    campaign = Campaign.model_validate(CAMPAIGN)
    [message] = campaign.messages
    body = variant_content(message, "loudspeaker", campaign.schedule["loudspeaker"])
    assert body["voice"] == {"region": "nam"}
    assert "voice" not in variant_content(message, "facebook", campaign.schedule["facebook"])
    wrong = {**CAMPAIGN, "schedule": {**CAMPAIGN["schedule"], "facebook": {
        "days": "hang-ngay", "times": ["08:00"], "voice": {"gender": "nu"}}}}
    with pytest.raises(ValidationError, match="chỉ dùng cho lịch loudspeaker"):
        Campaign.model_validate(wrong)
    with pytest.raises(ValidationError, match="Không hiểu giới tính giọng"):
        Campaign.model_validate({**CAMPAIGN, "schedule": {
            "loudspeaker": {"days": "hang-ngay", "voice": {"gender": "tre"}}}})
