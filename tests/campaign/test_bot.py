"""The ward-staff bot end to end: the real python-telegram-bot against a local Bot API server.

Each test builds a workspace with two Telegram-routed loudspeaker stations, plans and approves a
campaign, lets the dispatcher deliver it through the loudspeaker adapter to the fake Bot API,
then acts as the ward officers (presses, commands) and reads the ledger.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from campaign.approval import approve
from campaign.bot import BotRunner, WardBot, send_reminders
from campaign.cli import main
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.runtime import make_dispatcher
from campaign.workspace import Workspace
from channels.base import ConfigError
from schedules.ledger import Ledger
from schedules.models import LogEntry, Post
from schedules.operations import record_confirmation
from tests.channels.fakes.telegram_api import Call, TelegramAPI

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
TOKEN = "424242:WardBotSECRET-token-xyz"
CHAT, OTHER_CHAT, STRANGER_CHAT = -100123, -100456, -100999
OFFICER, OTHER_OFFICER, STRANGER = 111, 333, 222
DAY = (2025, 5, 5)  # a Monday, no holiday


def local(hour: int, minute: int = 0, day: tuple[int, int, int] = DAY) -> datetime:
    return datetime(*day, hour, minute, tzinfo=ZONE)


DIRECTORY = """\
timezone: Asia/Ho_Chi_Minh
units:
  - {{id: trung-tam, name: Trung tâm VH-TT-TT, kind: centre}}
  - {{id: tan-phong, name: Phường Tân Phong}}
  - {{id: trung-dung, name: Phường Trung Dũng}}
telegram: {{token: env:TELEGRAM_BOT_TOKEN, api_base: "{api_base}"}}
endpoints:
  - {{id: loa-tan-phong, channel: loudspeaker, unit: tan-phong, slots: ["05:30", "17:00"],
     slot_minutes: 15, deliver: {{via: telegram, chat_id: "-100123", users: [111]}}}}
  - {{id: loa-trung-dung, channel: loudspeaker, unit: trung-dung, slots: ["17:00"],
     slot_minutes: 15, deliver: {{via: telegram, chat_id: "-100456", users: [333]}}}}
"""

CAMPAIGN = """\
id: loa-thu
title: Tuyên truyền thử nghiệm
period: {start: 2025-05-05, end: 2025-05-05}
targets: [tan-phong, trung-dung]
messages:
  - id: tin-a
    title: Tin A
    loudspeaker: {script: Kính thưa bà con. Đây là bài đọc A., audio: ban-tin.mp3}
schedule:
  loudspeaker: {days: hang-ngay, lead_minutes: 60}
"""

T = TypeVar("T")


def wait_for(condition: Callable[[], T], timeout: float = 10.0) -> T:
    """Poll ``condition`` until it is truthy (the bot works in another thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting for the bot")


class Clock:
    """The bot's clock, moved by the test (so "lúc 17:05" is deterministic)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A one-second MP3, so delivery skips speech synthesis."""
    path = tmp_path_factory.mktemp("audio") / "ban-tin.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                    "-c:a", "libmp3lame", str(path)], check=True)
    return path.read_bytes()


@pytest.fixture
def api() -> Iterator[TelegramAPI]:
    chats = {CHAT: "Loa Tân Phong", OTHER_CHAT: "Loa Trung Dũng", STRANGER_CHAT: "Nhóm lạ"}
    with TelegramAPI(TOKEN, chats=chats) as server:
        yield server


@pytest.fixture
def tg_ws(tmp_path: Path, api: TelegramAPI, recording: bytes) -> Workspace:
    root = tmp_path / "ws"
    (root / "campaigns").mkdir(parents=True)
    (root / "media").mkdir()
    (root / "media" / "ban-tin.mp3").write_bytes(recording)
    (root / "directory.yaml").write_text(DIRECTORY.format(api_base=api.base), encoding="utf-8")
    (root / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\n", encoding="utf-8")
    (root / "campaigns" / "loa.yaml").write_text(CAMPAIGN, encoding="utf-8")
    return Workspace.open(root)


@pytest.fixture
def book(tg_ws: Workspace) -> Iterator[Ledger]:
    ledger = Ledger(tg_ws.db_url)
    yield ledger
    ledger.dispose()


@pytest.fixture
def delivered(tg_ws: Workspace, book: Ledger, api: TelegramAPI) -> dict[str, Post]:
    """Plan → approve → the dispatcher sends the 17:00 posts to the officers at 16:00."""
    campaign = load_campaign(tg_ws.campaigns_dir / "loa.yaml", tg_ws.directory, tg_ws.media_dir)
    apply_plan(book, build_plan(campaign, tg_ws.directory), now=local(8))
    approve(book, campaign.id, "Lãnh đạo Trung tâm", now=local(9))
    dispatcher = make_dispatcher(tg_ws, book)
    try:
        summary = dispatcher.run_once(now=local(16))
    finally:
        dispatcher.close()
    assert summary.counts == {"sent": 2}, summary.as_dict()
    with book.session() as session:
        posts = session.scalars(select(Post).where(Post.slot_at == local(17))).all()
    assert len(api.called("sendAudio")) == 2
    return {p.endpoint_id: p for p in posts}


@pytest.fixture
def clock() -> Clock:
    return Clock(local(16, 10))


@pytest.fixture
def listening(tg_ws: Workspace, book: Ledger, clock: Clock) -> Iterator[WardBot]:
    """The listener polling the fake in a background thread, stopped cleanly afterwards."""
    bot = WardBot(tg_ws, book, clock=clock, poll_timeout=1)
    runner = BotRunner(bot)
    assert runner.start(wait=10)
    yield bot
    runner.stop()
    assert not runner._thread.is_alive()  # noqa: SLF001 - the thread must really end


def log_rows(ledger: Ledger, *events: str) -> list[LogEntry]:
    with ledger.session() as session:
        return list(session.scalars(select(LogEntry).where(LogEntry.event.in_(events))
                                    .order_by(LogEntry.id)))


def confirmation(ledger: Ledger, post_id: int) -> str | None:
    with ledger.session() as session:
        post = session.get(Post, post_id)
        assert post is not None
        return post.confirmation


def keyboard(call: Call) -> list[list[dict[str, Any]]]:
    return call.fields["reply_markup"]["inline_keyboard"]


def texts_to(api: TelegramAPI, chat: int) -> list[str]:
    return [c.fields["text"] for c in api.called("sendMessage") if c.fields["chat_id"] == str(chat)]


# --------------------------------------------------------------------------- presses
def test_round_trip_press_received_then_played(
        api: TelegramAPI, book: Ledger, delivered: dict[str, Post], listening: WardBot,
        clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    post = delivered["loa-tan-phong"]
    message_id = int(post.external_id)  # type: ignore[arg-type]
    sent = api.messages[(str(CHAT), message_id)]
    assert [b["callback_data"] for b in sent["reply_markup"]["inline_keyboard"][0]] == [
        f"p:{post.id}:received", f"p:{post.id}:played", f"p:{post.id}:failed"]

    first = api.press(CHAT, message_id, f"p:{post.id}:received", user_id=OFFICER,
                      first_name="Nguyễn Văn An")
    wait_for(lambda: len(api.called("editMessageReplyMarkup")) == 1)
    assert confirmation(book, post.id) == "received"
    clock.at = local(17, 5)
    second = api.press(CHAT, message_id, f"p:{post.id}:played", user_id=OFFICER,
                       first_name="Nguyễn Văn An")
    wait_for(lambda: len(api.called("editMessageReplyMarkup")) == 2)

    assert confirmation(book, post.id) == "played"
    rows = log_rows(book, "received", "played")
    assert [r.event for r in rows] == ["received", "played"]
    for row in rows:
        assert row.post_id == post.id and row.endpoint_id == "loa-tan-phong"
        assert row.actor == "telegram:111 Nguyễn Văn An"
        assert row.detail["chat_id"] == str(CHAT) and row.detail["message_id"] == message_id
    assert rows[1].at == local(17, 5)

    answers = api.called("answerCallbackQuery")
    assert [a.fields["callback_query_id"] for a in answers] == [
        first["callback_query"]["id"], second["callback_query"]["id"]]
    assert [a.fields["text"] for a in answers] == ["Đã ghi nhận: Đã nhận", "Đã ghi nhận: Đã phát"]

    edits = api.called("editMessageReplyMarkup")
    assert all(int(e.fields["message_id"]) == message_id for e in edits)
    assert keyboard(edits[0])[0][0]["text"] == "✅ Đã nhận lúc 16:10"
    assert [b["text"] for b in keyboard(edits[0])[1]] == ["Đã phát", "Không phát được"]
    assert keyboard(edits[1])[0][0]["text"] == "✅ Đã phát lúc 17:05"
    assert [b["callback_data"] for b in keyboard(edits[1])[1]] == [f"p:{post.id}:failed"]
    assert api.messages[(str(CHAT), message_id)]["reply_markup"] == edits[1].fields["reply_markup"]
    assert TOKEN not in caplog.text
    assert not log_rows(book, "refused")


def test_failed_button_records_not_played_and_a_late_received_does_not_downgrade(
        api: TelegramAPI, book: Ledger, delivered: dict[str, Post], listening: WardBot,
        clock: Clock) -> None:
    post = delivered["loa-trung-dung"]
    message_id = int(post.external_id)  # type: ignore[arg-type]
    clock.at = local(17, 20)
    api.press(OTHER_CHAT, message_id, f"p:{post.id}:failed", user_id=OTHER_OFFICER)
    api.press(OTHER_CHAT, message_id, f"p:{post.id}:received", user_id=OTHER_OFFICER)
    api.press(OTHER_CHAT, message_id, f"s:{post.id}", user_id=OTHER_OFFICER)
    wait_for(lambda: len(api.called("answerCallbackQuery")) == 3)

    assert confirmation(book, post.id) == "not_played"
    assert [r.event for r in log_rows(book, "received", "played", "not_played")] == [
        "not_played", "received"]
    answers = [a.fields["text"] for a in api.called("answerCallbackQuery")]
    assert answers[0] == "Đã ghi nhận: Không phát được"
    assert "đã được xác nhận «Không phát được» trước đó" in answers[1]
    assert answers[2] == "Trạng thái: Không phát được lúc 17:20."
    wait_for(lambda: len(api.called("editMessageReplyMarkup")) == 2)
    edit = api.called("editMessageReplyMarkup")[-1]
    assert keyboard(edit)[0][0]["text"] == "⚠️ Không phát được lúc 17:20"
    assert keyboard(edit)[1][0]["callback_data"] == f"p:{post.id}:played"


def test_strangers_are_refused_and_logged_and_nothing_is_recorded(
        api: TelegramAPI, book: Ledger, delivered: dict[str, Post], listening: WardBot) -> None:
    post = delivered["loa-tan-phong"]
    message_id = int(post.external_id)  # type: ignore[arg-type]
    played = f"p:{post.id}:played"
    api.press(STRANGER_CHAT, 5, played, user_id=STRANGER, first_name="Người lạ")
    api.press(CHAT, message_id, played, user_id=STRANGER, first_name="Người lạ")
    api.press(OTHER_CHAT, 7, played, user_id=OTHER_OFFICER)  # a registered officer, wrong ward
    api.press(CHAT, message_id, "p:999999:played", user_id=OFFICER)
    api.press(CHAT, message_id, f"p:{post.id}:deleted", user_id=OFFICER)
    with book.session() as session:  # the 05:30 session expired before anything was sent
        early = session.scalars(select(Post).where(Post.slot_at == local(5, 30))).one()
    assert early.state == "expired"
    api.press(CHAT, message_id, f"p:{early.id}:played", user_id=OFFICER)
    answers = wait_for(lambda: len(api.called("answerCallbackQuery")) == 6
                       and api.called("answerCallbackQuery"))

    refused = log_rows(book, "refused")
    assert [r.detail["reason"] for r in refused] == [
        "unknown_chat", "unknown_user", "wrong_chat", "unknown_post", "malformed", "not_sent"]
    assert refused[0].actor == "telegram:222 Người lạ"
    assert refused[0].detail["chat_id"] == str(STRANGER_CHAT) and refused[0].post_id is None
    assert refused[1].detail["user_id"] == STRANGER
    assert refused[2].post_id == post.id and refused[2].endpoint_id == "loa-tan-phong"
    assert refused[3].detail["post_id"] == 999999
    assert all(str(a.fields["show_alert"]).lower() == "true" for a in answers)
    texts = [a.fields["text"] for a in answers]
    assert "chưa được đăng ký" in texts[0] and "Bạn chưa được đăng ký" in texts[1]
    assert "không thuộc đài" in texts[2] and "Không tìm thấy" in texts[3]
    assert "không hợp lệ" in texts[4] and "chưa được gửi" in texts[5]
    assert refused[5].post_id == early.id and refused[5].detail["state"] == "expired"

    for p in [*delivered.values(), early]:
        assert confirmation(book, p.id) is None
    assert not log_rows(book, "received", "played", "not_played")
    assert not api.called("editMessageReplyMarkup")


def test_listener_retries_when_telegram_is_down_and_stops_on_a_refused_token(
        tg_ws: Workspace, api: TelegramAPI, book: Ledger, caplog: pytest.LogCaptureFixture) -> None:
    api.fail("getMe", 502, "Bad Gateway", times=2)
    api.fail("getUpdates", 409, "Conflict: terminated by other getUpdates request", times=1)
    runner = BotRunner(WardBot(tg_ws, book, poll_timeout=1, retry_delay=0.05))
    try:
        assert runner.start(wait=10)
        assert len(api.called("getMe")) == 3
        wait_for(lambda: len(api.called("getUpdates")) >= 2)  # polling went on after the 409
    finally:
        runner.stop()
    assert "another process is polling with this bot token" in caplog.text

    (tg_ws.root / ".env").write_text("TELEGRAM_BOT_TOKEN=999:WrongSECRET\n", encoding="utf-8")
    refused = BotRunner(WardBot(Workspace.open(tg_ws.root), book, retry_delay=0.05))
    with pytest.raises(ConfigError, match="token") as exc:
        refused.start(wait=10)
    refused.stop()
    assert "WrongSECRET" not in exc.value.message
    assert not refused._thread.is_alive()  # noqa: SLF001


# --------------------------------------------------------------------------- commands
def test_lich_and_trogiup_in_registered_chats_only(
        api: TelegramAPI, book: Ledger, delivered: dict[str, Post], listening: WardBot,
        clock: Clock) -> None:
    clock.at = local(16, 20)
    record_confirmation(book, delivered["loa-trung-dung"].id, "received", "test")
    api.say(CHAT, "/lich", user_id=OFFICER)
    schedule = wait_for(lambda: [t for t in texts_to(api, CHAT) if "Lịch phát thanh" in t])[0]
    lines = schedule.splitlines()
    assert lines[0] == "📅 Lịch phát thanh hôm nay, Thứ Hai 05/05/2025"
    assert "📻 Phường Tân Phong" in lines
    assert "• 05:30 — Tin A — Quá hạn" in lines
    assert "• 17:00 — Tin A — Đã gửi · chưa xác nhận" in lines
    assert "Trung Dũng" not in schedule

    api.say(OTHER_CHAT, "/lich@loa_phuong_bot", user_id=OTHER_OFFICER)
    other = wait_for(lambda: [t for t in texts_to(api, OTHER_CHAT) if "Lịch phát thanh" in t])[0]
    assert "• 17:00 — Tin A — Đã gửi · ✅ Đã nhận" in other.splitlines()
    assert "Tân Phong" not in other

    api.say(CHAT, "/trogiup", user_id=OFFICER)
    help_text = wait_for(lambda: [t for t in texts_to(api, CHAT) if "các lệnh" in t])[0]
    assert "/lich" in help_text and "/trogiup" in help_text and "Đã phát" in help_text

    api.say(STRANGER_CHAT, "/lich", user_id=STRANGER)
    api.say(STRANGER_CHAT, "/trogiup", user_id=STRANGER)
    refusals = wait_for(lambda: len(texts_to(api, STRANGER_CHAT)) == 2
                        and texts_to(api, STRANGER_CHAT))
    assert all("chưa được đăng ký" in t and str(STRANGER_CHAT) in t for t in refusals)
    assert not any("Lịch phát thanh" in t or "/lich —" in t for t in refusals)
    refused = log_rows(book, "refused")
    assert [(r.detail["reason"], r.detail["command"]) for r in refused] == [
        ("unknown_chat", "/lich"), ("unknown_chat", "/trogiup")]


# --------------------------------------------------------------------------- reminders
def test_reminders_before_and_after_the_session_are_sent_exactly_once(
        tg_ws: Workspace, api: TelegramAPI, book: Ledger, delivered: dict[str, Post]) -> None:
    tan_phong, trung_dung = delivered["loa-tan-phong"], delivered["loa-trung-dung"]
    record_confirmation(book, trung_dung.id, "received", "telegram:333", now=local(16, 30))

    assert send_reminders(tg_ws, book, now=local(16, 44)) == []  # before 17:00 − 15 min
    api.fail("sendMessage", 500, "Internal Server Error")
    assert send_reminders(tg_ws, book, now=local(16, 46)) == []  # Telegram failed: not logged
    assert not log_rows(book, "reminded")

    [before] = send_reminders(tg_ws, book, now=local(16, 47))
    assert (before.post_id, before.kind, before.chat_id) == (tan_phong.id, "before", str(CHAT))
    assert send_reminders(tg_ws, book, now=local(16, 50)) == []
    assert send_reminders(tg_ws, book, now=local(17, 5)) == []
    call = [c for c in api.called("sendMessage") if "Nhắc nhở" in c.fields["text"]][-1]
    assert call.fields["chat_id"] == str(CHAT)
    assert "«Tin A» phát lúc 17:00 ngày 05/05" in call.fields["text"]
    assert "Đã nhận" in call.fields["text"]
    reply = json.loads(call.fields["reply_parameters"])
    assert reply["message_id"] == int(tan_phong.external_id)  # type: ignore[arg-type]
    assert [b["callback_data"] for b in keyboard(call)[0]] == [
        f"p:{tan_phong.id}:received", f"p:{tan_phong.id}:played", f"p:{tan_phong.id}:failed"]

    record_confirmation(book, trung_dung.id, "not_played", "telegram:333", now=local(17, 20))
    assert send_reminders(tg_ws, book, now=local(17, 44)) == []  # 17:15 end + 30 min not yet
    [after] = send_reminders(tg_ws, book, now=local(17, 46))
    assert (after.post_id, after.kind) == (tan_phong.id, "after")
    assert "đã kết thúc" in after.text and "Đã phát" in after.text
    assert send_reminders(tg_ws, book, now=local(18, 30)) == []

    reminded = log_rows(book, "reminded")
    assert [(r.post_id, r.detail["kind"], r.actor) for r in reminded] == [
        (tan_phong.id, "before", "bot"), (tan_phong.id, "after", "bot")]
    assert reminded[0].detail["message_id"] == before.message_id
    assert not texts_to(api, OTHER_CHAT) or not any("Nhắc nhở" in t
                                                    for t in texts_to(api, OTHER_CHAT))


def test_no_after_reminder_once_played_and_none_for_stale_sessions(
        tg_ws: Workspace, book: Ledger, delivered: dict[str, Post]) -> None:
    record_confirmation(book, delivered["loa-tan-phong"].id, "played", "t", now=local(17, 10))
    sent = send_reminders(tg_ws, book, now=local(17, 46))
    assert [(r.post_id, r.kind) for r in sent] == [(delivered["loa-trung-dung"].id, "after")]
    next_day = local(10, day=(2025, 5, 6))
    record_confirmation(book, delivered["loa-trung-dung"].id, "received", "t", now=next_day)
    assert send_reminders(tg_ws, book, now=next_day) == []


# --------------------------------------------------------------------------- the commands
def test_campaign_bot_needs_telegram_settings(ws: Workspace) -> None:
    result = CliRunner().invoke(main, ["bot", "-w", str(ws.root)])
    assert result.exit_code == 2
    assert "Lỗi:" in result.output and "via: telegram" in result.output


def test_campaign_bot_runs_until_sigterm(
        tg_ws: Workspace, api: TelegramAPI, book: Ledger, delivered: dict[str, Post]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from campaign.cli import main; main()", "bot", "-w",
         str(tg_ws.root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        cwd=Path(__file__).resolve().parents[2])
    try:
        wait_for(lambda: api.called("getUpdates"), timeout=20)
        post = delivered["loa-tan-phong"]
        api.press(CHAT, int(post.external_id), f"p:{post.id}:played",  # type: ignore[arg-type]
                  user_id=OFFICER)
        wait_for(lambda: api.called("answerCallbackQuery"))
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Bot Telegram đang chạy cho 2 đài" in out and "Đã dừng bot Telegram." in out
    assert TOKEN not in out + err
    assert confirmation(book, delivered["loa-tan-phong"].id) == "played"


def test_campaign_run_service_starts_and_stops_the_bot(
        tg_ws: Workspace, api: TelegramAPI, book: Ledger) -> None:
    from campaign.service import serve_forever

    stop = threading.Event()
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)

    def officer() -> None:
        try:
            wait_for(lambda: api.called("getUpdates"), timeout=20)
            api.say(CHAT, "/trogiup", user_id=OFFICER)
            wait_for(lambda: [t for t in texts_to(api, CHAT) if "các lệnh" in t])
        finally:
            stop.set()

    helper = threading.Thread(target=officer)
    helper.start()
    try:
        serve_forever(tg_ws, book, interval=0.5, stop=stop)
    finally:
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])
        helper.join(30)
    assert any("các lệnh" in t for t in texts_to(api, CHAT))
    assert not [t for t in threading.enumerate() if t.name == "telegram-bot"]

