"""Leaders approve from Telegram: the real python-telegram-bot against the local Bot API server.

The approver gets the preview (changed words, LED frames as photos, the reading as audio, a
link) with "Phê duyệt" / "Yêu cầu sửa"; only that user's press counts, only for that exact
definition; "Yêu cầu sửa" takes the comment as a reply; pending approvals are reminded in
working time.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from campaign.approval import approve
from campaign.bot import BotRunner, WardBot
from campaign.bot.approvals import remind_approvals
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from schedules.models import Campaign as CampaignRow
from schedules.models import LogEntry
from tests.campaign.test_bot import CHAT, TOKEN, Clock, local, wait_for
from tests.channels.fakes.telegram_api import TelegramAPI

APPROVER, STRANGER = 555, 222

DIRECTORY = """\
timezone: Asia/Ho_Chi_Minh
units:
  - {{id: trung-tam, name: Trung tâm VH-TT-TT, kind: centre}}
  - {{id: tan-phong, name: Phường Tân Phong}}
telegram:
  token: env:TELEGRAM_BOT_TOKEN
  api_base: "{api_base}"
  dashboard_url: https://theodoi.example.vn
  approvers: [{{telegram_id: 555, name: Nguyễn Thị Lan}}]
endpoints:
  - {{id: led-tan-phong, channel: led, unit: tan-phong, size: 128x64, colors: mono, color: red,
     deliver: {{via: folder, path: var/led}}}}
  - {{id: loa-tan-phong, channel: loudspeaker, unit: tan-phong, slots: ["17:00"],
     slot_minutes: 15, deliver: {{via: telegram, chat_id: "-100123", users: [111]}}}}
"""

CAMPAIGN = """\
id: duyet-thu
title: Tuyên truyền an toàn giao thông
period: {{start: 2025-05-06, end: 2025-05-08}}
targets: [tan-phong]
messages:
  - id: tin-a
    title: Đội mũ bảo hiểm
    led: {{slogans: ["{slogan}"]}}
    loudspeaker: {{script: "{script}"}}
schedule:
  led: {{days: hang-ngay, day_parts: [{{from: "06:00", to: "22:00"}}]}}
  loudspeaker: {{days: hang-ngay, lead_minutes: 60}}
"""


def write_plan(ws: Workspace, ledger: Ledger, slogan: str, script: str) -> str:
    path = ws.campaigns_dir / "duyet.yaml"
    path.write_text(CAMPAIGN.format(slogan=slogan, script=script), encoding="utf-8")
    campaign = load_campaign(path, ws.directory, ws.media_dir)
    apply_plan(ledger, build_plan(campaign, ws.directory), now=local(8))
    return campaign.content_hash()


@pytest.fixture
def api() -> Iterator[TelegramAPI]:
    chats = {CHAT: "Loa Tân Phong", APPROVER: "Nguyễn Thị Lan", STRANGER: "Người lạ"}
    with TelegramAPI(TOKEN, chats=chats) as server:
        yield server


@pytest.fixture
def world(tmp_path: Path, api: TelegramAPI) -> Iterator[tuple[Workspace, Ledger, str]]:
    root = tmp_path / "ws"
    (root / "campaigns").mkdir(parents=True)
    (root / "media").mkdir()
    (root / "directory.yaml").write_text(DIRECTORY.format(api_base=api.base), encoding="utf-8")
    (root / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\n", encoding="utf-8")
    ws = Workspace.open(root)
    ledger = Ledger(ws.db_url)
    write_plan(ws, ledger, "ĐỘI MŨ BẢO HIỂM", "Kính thưa bà con. Hãy đội mũ bảo hiểm.")
    approve(ledger, "duyet-thu", "Lãnh đạo cũ", now=local(8, 30))
    digest = write_plan(ws, ledger, "ĐỘI MŨ BẢO HIỂM ĐÚNG CÁCH",
                        "Kính thưa bà con. Hãy đội mũ bảo hiểm khi đi xe máy.")
    yield ws, ledger, digest
    ledger.dispose()


def to(api: TelegramAPI, chat: int, method: str) -> list:
    return [c for c in api.called(method) if str(c.fields.get("chat_id")) == str(chat)]


def log_rows(ledger: Ledger, *events: str) -> list[LogEntry]:
    with ledger.session() as session:
        return list(session.scalars(select(LogEntry).where(LogEntry.event.in_(events))
                                    .order_by(LogEntry.id)))


def approved(ledger: Ledger) -> bool:
    with ledger.session() as session:
        return session.get(CampaignRow, "duyet-thu").approved


def test_request_and_reminders_carry_the_real_preview(api: TelegramAPI, world) -> None:
    ws, ledger, digest = world
    assert remind_approvals(ws, ledger, now=local(9)) == 1
    text = to(api, APPROVER, "sendMessage")[0].fields
    assert text["parse_mode"] == "HTML"
    assert "Xin phê duyệt chiến dịch: «Tuyên truyền an toàn giao thông»" in text["text"]
    assert "Kịch bản đọc" in text["text"] and "bảo hiểm <u>khi đi xe máy</u>." in text["text"]
    assert "<u>ĐÚNG CÁCH</u>" in text["text"]
    photo = to(api, APPROVER, "sendPhoto")[0]
    assert photo.files["photo"][1].startswith(b"\x89PNG")
    assert "ĐỘI MŨ BẢO HIỂM ĐÚNG CÁCH" in photo.fields["caption"]
    audio = to(api, APPROVER, "sendAudio")[0]
    assert len(audio.files["audio"][1]) > 1000 and int(audio.fields["duration"]) >= 2
    closing = to(api, APPROVER, "sendMessage")[-1].fields
    assert "https://theodoi.example.vn/campaigns/duyet-thu/approval" in closing["text"]
    buttons = closing["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["✅ Phê duyệt", "✍️ Yêu cầu sửa"]
    assert [b["callback_data"] for b in buttons] == [f"ap:{digest[:12]}:a", f"ap:{digest[:12]}:r"]
    assert to(api, STRANGER, "sendMessage") == [] and to(api, CHAT, "sendMessage") == []

    assert remind_approvals(ws, ledger, now=local(10)) == 0  # not again within four hours
    assert remind_approvals(ws, ledger, now=local(19)) == 0  # nor after working time
    assert remind_approvals(ws, ledger, now=local(13, 30)) == 1
    assert to(api, APPROVER, "sendMessage")[-2].fields["text"].startswith(
        "<b>⏰ Nhắc: chiến dịch vẫn chờ phê duyệt")
    rows = log_rows(ledger, "reminded")
    assert [r.detail["round"] for r in rows] == ["request", "reminder"]
    assert all(r.detail["kind"] == "approval" and r.detail["definition_hash"] == digest
               and r.detail["approvers"] == [APPROVER] for r in rows)


def test_round_trip_change_request_then_approval(api: TelegramAPI, world) -> None:
    ws, ledger, digest = world
    remind_approvals(ws, ledger, now=local(9))
    closing = api.called("sendMessage")[-1]
    buttons_at = int(next(m for (chat, m), msg in api.messages.items()
                          if chat == str(APPROVER) and msg.get("reply_markup")))
    assert closing.fields["chat_id"] == str(APPROVER)
    clock = Clock(local(9, 15))
    runner = BotRunner(WardBot(ws, ledger, clock=clock, poll_timeout=1))
    assert runner.start(wait=10)
    try:
        short = digest[:12]
        # a stranger (even in their own chat with the bot) cannot approve
        api.press(STRANGER, buttons_at, f"ap:{short}:a", user_id=STRANGER)
        wait_for(lambda: len(api.called("answerCallbackQuery")) == 1)
        refusal = api.called("answerCallbackQuery")[0].fields
        assert refusal["show_alert"] in (True, "true") and "chưa được đăng ký" in refusal["text"]
        assert not approved(ledger)
        assert log_rows(ledger, "refused")[-1].detail["reason"] == "unknown_approver"

        # "Yêu cầu sửa": the bot asks for the comment as a reply
        api.press(APPROVER, buttons_at, f"ap:{short}:r", user_id=APPROVER, first_name="Lan")
        prompt = wait_for(lambda: next((c for c in to(api, APPROVER, "sendMessage")
                                        if "TRẢ LỜI" in c.fields["text"]), None))
        assert prompt.fields["reply_markup"]["force_reply"] is True
        prompt_id = max(m for (chat, m) in api.messages if chat == str(APPROVER))
        api.say(APPROVER, "Thêm câu nhắc cài quai mũ.", user_id=APPROVER, first_name="Lan",
                reply_to=prompt_id)
        wait_for(lambda: log_rows(ledger, "change_request"))
        request = log_rows(ledger, "change_request")[0]
        assert request.actor == "Nguyễn Thị Lan" and request.campaign_id == "duyet-thu"
        assert request.detail == {"comment": "Thêm câu nhắc cài quai mũ.",
                                  "definition_hash": digest, "via": "telegram"}
        wait_for(lambda: any("Đã gửi yêu cầu sửa" in c.fields["text"]
                             for c in to(api, APPROVER, "sendMessage")))

        # "Phê duyệt": approved, logged like any approval, buttons redrawn
        clock.at = local(9, 40)
        api.press(APPROVER, buttons_at, f"ap:{short}:a", user_id=APPROVER, first_name="Lan")
        wait_for(lambda: approved(ledger))
        entry = log_rows(ledger, "approved")[-1]
        assert entry.actor == "Nguyễn Thị Lan" and entry.detail["definition_hash"] == digest
        assert entry.detail["via"] == "telegram" and entry.detail["telegram_user"] == APPROVER
        edit = wait_for(lambda: api.called("editMessageReplyMarkup"))[0]
        status = edit.fields["reply_markup"]["inline_keyboard"][0][0]
        assert status["text"] == "✅ Đã phê duyệt lúc 09:40 05/05"

        # an old button after a re-plan does nothing
        write_plan(ws, ledger, "ĐỘI MŨ BẢO HIỂM LẦN BA", "Kính thưa bà con. Lần ba.")
        presses = len(api.called("answerCallbackQuery"))
        api.press(APPROVER, buttons_at, f"ap:{short}:a", user_id=APPROVER, first_name="Lan")
        wait_for(lambda: len(api.called("answerCallbackQuery")) == presses + 1)
        assert "không còn hiệu lực" in api.called("answerCallbackQuery")[-1].fields["text"]
        assert not approved(ledger)
        assert log_rows(ledger, "refused")[-1].detail["reason"] == "stale"
    finally:
        runner.stop()


def test_a_workspace_whose_only_telegram_users_are_approvers_starts_the_bot(
        tmp_path: Path) -> None:
    from campaign.bot.roster import telegram_access

    root = tmp_path / "chi-duyet"
    root.mkdir()
    only_approvers = DIRECTORY.format(api_base="http://127.0.0.1:9").split("endpoints:")[0]
    (root / "directory.yaml").write_text(
        only_approvers + "endpoints:\n  - {id: led-tan-phong, channel: led, unit: tan-phong, "
        "size: 128x64, colors: mono, color: red, deliver: {via: folder, path: var/led}}\n",
        encoding="utf-8")
    (root / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\n", encoding="utf-8")
    access = telegram_access(Workspace.open(root))
    assert access.token == TOKEN
