"""Loudspeaker adapter: folder drop, a real icecast2 on loopback, Telegram via a local Bot API."""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from channels.base import (
    AdapterContext,
    AuthError,
    ConfigError,
    Delivery,
    PermanentError,
    PermissionDeniedError,
    RateLimitError,
    TransientError,
    adapter_class,
)
from channels.loudspeaker import (
    ACTIONS,
    LoudspeakerAdapter,
    LoudspeakerConfig,
    callback_data,
    parse_callback,
)
from channels.secrets import SecretResolver
from tests.channels.fakes.telegram_api import TelegramAPI
from tests.icecastserver import ICE_PASSWORD, free_port, icecast_server, icecast_status

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
TOKEN = "123456:BotTokenSECRET-xyz"
CHAT = -100123
SCRIPT = "Kính thưa bà con, ngày 30/4 phường tổ chức tổng vệ sinh. Đề nghị bà con tham gia."


def make_delivery(post_id: int = 7, *, slot: datetime | None = None, message_id: str = "m1",
                  **content: Any) -> Delivery:
    slot = slot or datetime(2025, 4, 29, 22, 30, tzinfo=UTC)  # 05:30 on 30/4 in Vietnam
    body = {"title": "Tổng vệ sinh", "script": SCRIPT, **content}
    return Delivery(post_id=post_id, post_key=f"c1:{message_id}:loa:{post_id}", campaign_id="c1",
                    campaign_title="Ngày hội", message_id=message_id, channel="loudspeaker",
                    priority="normal", content=body, due_at=slot - timedelta(minutes=60),
                    local_due=slot.astimezone(ZONE), expires_at=slot + timedelta(minutes=15),
                    unit_id="tan-phong", unit_name="Phường Tân Phong")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "media").mkdir()
    return tmp_path


def context(ws: Path, telegram: dict[str, Any] | None = None) -> AdapterContext:
    env = {"TG_TOKEN": TOKEN, "ICE_PW": ICE_PASSWORD}
    return AdapterContext(secrets=SecretResolver(environ=env), workspace=ws, media_dir=ws / "media",
                          var_dir=ws / "var", telegram=telegram or {}, timeout=5.0)


def adapter(ws: Path, deliver: dict[str, Any], telegram: dict[str, Any] | None = None,
            **fields: Any) -> LoudspeakerAdapter:
    raw = {"id": "loa-tan-phong", "channel": "loudspeaker", "unit": "tan-phong",
           "slots": ["05:30", "17:00"], "slot_minutes": 15, "deliver": deliver, **fields}
    cls = adapter_class("loudspeaker")
    assert cls is LoudspeakerAdapter
    return cls(cls.Config.model_validate(raw), context(ws, telegram))  # type: ignore[return-value]


# --------------------------------------------------------------------------- configuration
def test_callback_data_round_trip_and_fits_telegram() -> None:
    for action in ACTIONS:
        data = callback_data(9_999_999_999, action)
        assert len(data.encode()) <= 64
        assert parse_callback(data) == (9_999_999_999, action)
    assert callback_data(12, "played") == "p:12:played"
    for junk in ("p:12:deleted", "x:12:played", "p:abc:played", "p:12", ""):
        assert parse_callback(junk) is None
    with pytest.raises(ValueError):
        callback_data(1, "deleted")


@pytest.mark.parametrize(
    ("deliver", "message"),
    [
        ({"via": "folder"}, "path"),
        ({"via": "icecast", "url": "http://10.0.0.9:8000/loa.mp3", "password": "hackme"}, "env:"),
        ({"via": "icecast", "password": "env:X"}, "mount"),
        ({"via": "telegram"}, "chat_id"),
        ({"via": "sms"}, "không gửi được qua 'sms'"),
    ],
)
def test_bad_configuration_is_refused_in_vietnamese(deliver: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        LoudspeakerConfig.model_validate({"id": "loa", "channel": "loudspeaker", "unit": "u",
                                          "deliver": deliver})


def test_icecast_route_accepts_url_or_host_port_mount() -> None:
    by_url = LoudspeakerConfig.model_validate({
        "id": "loa", "channel": "loudspeaker", "unit": "u",
        "deliver": {"via": "icecast", "url": "http://10.0.0.9:8100/phuong.mp3",
                    "password": "env:ICE"}}).route_options()
    by_parts = LoudspeakerConfig.model_validate({
        "id": "loa", "channel": "loudspeaker", "unit": "u",
        "deliver": {"via": "icecast", "host": "10.0.0.9", "port": 8100, "mount": "phuong.mp3",
                    "password": "env:ICE"}}).route_options()
    for route in (by_url, by_parts):
        assert (route.host, route.port, route.mount) == ("10.0.0.9", 8100, "/phuong.mp3")  # type: ignore[union-attr]


# --------------------------------------------------------------------------- folder
def test_folder_drop_writes_audio_script_and_manifest_idempotently(workspace: Path) -> None:
    ad = adapter(workspace, {"via": "folder", "path": "var/loa/tan-phong"})
    receipt = ad.deliver(make_delivery())
    folder = workspace / "var/loa/tan-phong"
    assert receipt.evidence == "written"
    audio = folder / receipt.external_id  # type: ignore[operator]
    assert audio.name == "0530-m1-7.mp3" and audio.parent.name == "2025-04-30"
    assert audio.stat().st_size > 1000
    assert (audio.with_suffix(".txt")).read_text(encoding="utf-8") == SCRIPT
    manifest = json.loads((folder / "schedule.json").read_text(encoding="utf-8"))
    assert manifest["endpoint"] == "loa-tan-phong"
    [item] = manifest["items"]
    assert item["play_at"] == "2025-04-30T05:30:00+07:00"
    assert item["file"] == "2025-04-30/0530-m1-7.mp3" and item["title"] == "Tổng vệ sinh"
    assert item["duration_seconds"] > 2 and -17 <= item["lufs"] <= -15
    before = (folder / "schedule.json").read_bytes(), audio.read_bytes()

    again = ad.deliver(make_delivery())  # a retry changes nothing
    assert again.external_id == receipt.external_id
    assert ((folder / "schedule.json").read_bytes(), audio.read_bytes()) == before

    earlier = datetime(2025, 4, 29, 10, 0, tzinfo=UTC)  # 17:00 on 29/4
    ad.deliver(make_delivery(8, slot=earlier, message_id="m2"))
    items = json.loads((folder / "schedule.json").read_text(encoding="utf-8"))["items"]
    assert [i["post_id"] for i in items] == [8, 7]  # sorted by play time
    assert not list(folder.rglob(".tmp-*"))


def test_folder_uses_the_operators_recording(workspace: Path) -> None:
    recording = workspace / "media" / "ban-tin.ogg"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
                    "-c:a", "libvorbis", str(recording)], check=True)
    ad = adapter(workspace, {"via": "folder", "path": str(workspace / "drop")})
    receipt = ad.deliver(make_delivery(audio="ban-tin.ogg"))
    written = workspace / "drop" / receipt.external_id  # type: ignore[operator]
    assert written.suffix == ".ogg" and written.read_bytes() == recording.read_bytes()
    with pytest.raises(PermanentError, match="media"):
        ad.deliver(make_delivery(audio="../../etc/passwd"))
    with pytest.raises(PermanentError, match="kịch bản"):
        ad.deliver(make_delivery(script=""))


# --------------------------------------------------------------------------- icecast


@pytest.fixture(scope="module")
def icecast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    with icecast_server(tmp_path_factory.mktemp("icecast"), sources=4) as port:
        yield port


def test_icecast_stream_is_played_and_read_back(workspace: Path, icecast: int) -> None:
    ad = adapter(workspace, {"via": "icecast", "url": f"http://127.0.0.1:{icecast}/tan-phong.mp3",
                             "password": "env:ICE_PW"})
    ad._audio(make_delivery(script="Xin chào bà con."), "mp3")  # warm the speech cache
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["receipt"] = ad.deliver(make_delivery(script="Xin chào bà con, phường thông báo."))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    for _ in range(100):
        sources = icecast_status(icecast).get("source")
        if sources:
            break
        time.sleep(0.05)
    assert sources, "the adapter never connected as a source"
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,channels", "-of", "json",
         f"http://127.0.0.1:{icecast}/tan-phong.mp3"],
        capture_output=True, text=True, timeout=20, check=True)
    streams = json.loads(probe.stdout)["streams"]
    assert streams == [{"codec_name": "mp3", "channels": 1}]
    thread.join(timeout=30)
    assert "error" not in result, result
    receipt = result["receipt"]
    assert receipt.evidence == "streamed"
    assert receipt.detail["mount"] == "/tan-phong.mp3" and receipt.detail["bytes"] > 10_000
    # paced in real time: the stream lasted about as long as the audio
    assert receipt.detail["stream_seconds"] >= receipt.detail["duration_seconds"] * 0.8


def test_icecast_wrong_password_is_auth_error_without_the_secret(workspace: Path,
                                                                 icecast: int) -> None:
    ad = adapter(workspace, {"via": "icecast", "url": f"http://127.0.0.1:{icecast}/x.mp3",
                             "password": "env:WRONG"})
    ad.context.secrets = SecretResolver(environ={"WRONG": "not-the-password"})
    with pytest.raises(AuthError) as exc:
        ad.deliver(make_delivery())
    assert exc.value.http_status == 401
    assert "not-the-password" not in json.dumps(exc.value.as_detail(), ensure_ascii=False)


def test_icecast_down_is_transient(workspace: Path) -> None:
    ad = adapter(workspace, {"via": "icecast", "host": "127.0.0.1", "port": free_port(),
                             "mount": "/x.mp3", "password": "env:ICE_PW"})
    with pytest.raises(TransientError, match="Icecast"):
        ad.deliver(make_delivery())


# --------------------------------------------------------------------------- telegram
@pytest.fixture
def bot_api() -> Iterator[TelegramAPI]:
    with TelegramAPI(TOKEN, chats={CHAT: "Loa phường Tân Phong"}) as api:
        yield api


@pytest.fixture
def recording(workspace: Path) -> str:
    """A short recorded bulletin in media/, so tests that are not about speech skip synthesis."""
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                    "-c:a", "libmp3lame", str(workspace / "media" / "ban-tin.mp3")], check=True)
    return "ban-tin.mp3"


def telegram_adapter(ws: Path, api: TelegramAPI, chat: int = CHAT) -> LoudspeakerAdapter:
    return adapter(ws, {"via": "telegram", "chat_id": chat, "users": [5001, 5002]},
                   telegram={"api_base": api.base, "token": "env:TG_TOKEN"})


def test_telegram_sends_audio_and_script_with_buttons(workspace: Path, bot_api: TelegramAPI) -> None:
    ad = telegram_adapter(workspace, bot_api)
    receipt = ad.deliver(make_delivery())
    assert receipt.evidence == "sent"
    [audio] = bot_api.called("sendAudio")
    assert audio.fields["chat_id"] == str(CHAT)
    name, payload = audio.files["audio"]
    assert name == "20250430-0530-m1.mp3" and payload[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")
    assert int(audio.fields["duration"]) >= 2
    [message] = bot_api.called("sendMessage")
    assert SCRIPT in message.fields["text"]
    assert "05:30 ngày 30/04/2025" in message.fields["text"]
    buttons = message.fields["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["Đã nhận", "Đã phát", "Không phát được"]
    assert [b["callback_data"] for b in buttons] == ["p:7:received", "p:7:played", "p:7:failed"]
    assert receipt.detail["message_ids"] == [101, 102] and receipt.external_id == "102"
    assert receipt.detail["chat_id"] == CHAT
    assert TOKEN not in json.dumps(receipt.detail)


def test_long_script_is_split_and_buttons_go_on_the_last_part(
        workspace: Path, bot_api: TelegramAPI, recording: str) -> None:
    long_script = " ".join([SCRIPT] * 80)  # about 7 000 characters
    receipt = telegram_adapter(workspace, bot_api).deliver(
        make_delivery(script=long_script, audio=recording))
    messages = bot_api.called("sendMessage")
    assert len(messages) == 2 and all(len(m.fields["text"]) <= 4096 for m in messages)
    assert "reply_markup" not in messages[0].fields and "reply_markup" in messages[1].fields
    assert len(receipt.detail["message_ids"]) == 3


def test_a_button_press_comes_back_with_our_callback_data(
        workspace: Path, bot_api: TelegramAPI, recording: str) -> None:
    """The round trip the bot listener relies on, through the real python-telegram-bot."""
    from telegram import Bot

    receipt = telegram_adapter(workspace, bot_api).deliver(make_delivery(audio=recording))
    bot_api.press(CHAT, int(receipt.external_id), "p:7:played", user_id=5001)  # type: ignore[arg-type]

    async def fetch() -> list[Any]:
        async with Bot(TOKEN, base_url=f"{bot_api.base}/bot") as bot:
            return list(await bot.get_updates(timeout=0))

    [update] = asyncio.run(fetch())
    assert update.callback_query.from_user.id == 5001
    assert parse_callback(update.callback_query.data) == (7, "played")
    assert update.callback_query.message.message_id == int(receipt.external_id)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "description", "retry_after", "error", "fragment"),
    [
        (403, "Forbidden: bot was blocked by the user", None, PermissionDeniedError, "bị chặn"),
        (429, "Too Many Requests: retry after 17", 17, RateLimitError, "chậm lại"),
        (400, "Bad Request: chat not found", None, ConfigError, "chat_id"),
        (400, "Bad Request: wrong file identifier", None, PermanentError, "từ chối"),
    ],
)
def test_telegram_errors_are_typed(workspace: Path, bot_api: TelegramAPI, recording: str,
                                   status: int, description: str, retry_after: int | None,
                                   error: type[Exception], fragment: str) -> None:
    bot_api.fail("sendAudio", status, description, retry_after=retry_after)
    with pytest.raises(error, match=fragment) as exc:
        telegram_adapter(workspace, bot_api).deliver(make_delivery(audio=recording))
    if retry_after:
        assert exc.value.retry_after == 17  # type: ignore[attr-defined]
    assert TOKEN not in str(exc.value.as_detail())  # type: ignore[attr-defined]


def test_unknown_chat_and_bad_token(workspace: Path, bot_api: TelegramAPI,
                                    recording: str) -> None:
    with pytest.raises(ConfigError, match="-100999"):
        telegram_adapter(workspace, bot_api, chat=-100999).deliver(
            make_delivery(audio=recording))
    ad = telegram_adapter(workspace, bot_api)
    ad.context.secrets = SecretResolver(environ={"TG_TOKEN": "999:WrongTokenSECRET"})
    with pytest.raises(AuthError) as exc:
        ad.deliver(make_delivery(audio=recording))
    assert "WrongTokenSECRET" not in str(exc.value.as_detail())


def test_telegram_without_workspace_token_is_config_error(workspace: Path) -> None:
    ad = adapter(workspace, {"via": "telegram", "chat_id": CHAT})
    with pytest.raises(ConfigError, match="telegram.token"):
        ad.deliver(make_delivery())


@pytest.mark.parametrize("kbps", [16, 24, 64])
def test_icecast_stream_file_really_has_the_bit_rate_it_is_paced_at(workspace: Path,
                                                                     kbps: int) -> None:
    """The streamer paces by the route's bit rate. MPEG-1 at 44.1 kHz has no rate under
    32 kbps, so a 16-kbps route used to get a 32-kbps file and a bulletin took twice its
    length on the air."""
    src = workspace / "media" / "ban-tin.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=8",
                    "-c:a", "libmp3lame", str(src)], check=True)
    ad = adapter(workspace, {"via": "icecast", "host": "127.0.0.1", "port": free_port(),
                             "mount": "/x.mp3", "password": "env:ICE_PW", "bitrate": kbps})
    out = ad._stream_file(src, kbps)
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration,bit_rate",
                            "-of", "json", str(out)], capture_output=True, text=True, check=True)
    fmt = json.loads(probe.stdout)["format"]
    assert abs(int(fmt["bit_rate"]) - kbps * 1000) <= kbps * 1000 * 0.05, fmt
    seconds_at_route_rate = out.stat().st_size / (kbps * 1000 / 8)
    assert seconds_at_route_rate == pytest.approx(float(fmt["duration"]), rel=0.1)
