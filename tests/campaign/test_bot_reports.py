"""``/baocao`` end to end: the real python-telegram-bot against the local Bot API fake.

Officers of the two Telegram-routed wards of tests/campaign/test_bot.py report what they did,
with photos fetched through getFile; corrections are new entries; strangers are refused.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from PIL import Image
from sqlalchemy import select

from campaign import queries
from campaign.bot import WardBot
from campaign.ward_results import overview, photo_path
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from schedules.models import LogEntry, Post, WardReport
from tests.campaign import test_bot as harness
from tests.campaign.test_bot import (
    CHAT,
    OFFICER,
    OTHER_CHAT,
    OTHER_OFFICER,
    STRANGER,
    STRANGER_CHAT,
    Clock,
    local,
    wait_for,
)
from tests.channels.fakes.telegram_api import TelegramAPI

# the ward-staff bot's fixtures: a Bot API fake, a workspace with two Telegram wards, a
# delivered campaign and the listener polling it
api, tg_ws, book, delivered, clock, listening, recording = (
    harness.api, harness.tg_ws, harness.book, harness.delivered, harness.clock,
    harness.listening, harness.recording)


def jpeg(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(out, "JPEG")
    return out.getvalue()


def bot_messages(api: TelegramAPI, chat: int) -> list[dict[str, Any]]:
    """The bot's messages in a chat, as the fake holds them now (edits applied), in order."""
    return [m for (c, _), m in sorted(api.messages.items(), key=lambda kv: kv[0][1])
            if c == str(chat) and m.get("from", {}).get("is_bot")]


def question(api: TelegramAPI, chat: int, text: str, after: int = 0) -> dict[str, Any]:
    """Wait for the bot's newest message containing ``text`` (with id above ``after``)."""
    def found() -> dict[str, Any] | None:
        hits = [m for m in bot_messages(api, chat)
                if text in (m.get("text") or "") and m["message_id"] > after]
        return hits[-1] if hits else None
    return wait_for(found)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {b["text"]: b["callback_data"]
            for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row}


def press(api: TelegramAPI, chat: int, message: dict[str, Any], label: str,
          user: int = OFFICER) -> None:
    api.press(chat, message["message_id"], buttons(message)[label], user_id=user,
              first_name="Nguyễn Văn An")


def test_baocao_with_photos_is_saved_after_confirmation_and_corrected_as_a_new_entry(
        api: TelegramAPI, tg_ws: Workspace, book: Ledger, delivered: dict[str, Post],
        listening: WardBot, clock: Clock) -> None:
    api.say(CHAT, "/baocao", user_id=OFFICER, first_name="Nguyễn Văn An")
    q = question(api, CHAT, "Chọn chiến dịch")
    assert "Phường Tân Phong" in q["text"]
    assert list(buttons(q)) == ["Tuyên truyền thử nghiệm", "Huỷ"]
    press(api, CHAT, q, "Tuyên truyền thử nghiệm")
    q = question(api, CHAT, "Hoạt động nào?")
    assert {"Hội nghị", "Tờ rơi phát", "Băng rôn, pano treo", "Thông tin lưu động"} <= set(
        buttons(q))
    press(api, CHAT, q, "Hội nghị")
    q = question(api, CHAT, "Ngày nào?")
    press(api, CHAT, q, "Ngày khác")
    q = question(api, CHAT, "Gõ ngày")
    api.say(CHAT, "31/12", user_id=OFFICER)  # after today this year: read as 31/12/2024
    q = question(api, CHAT, "Bao nhiêu hội nghị?")
    api.say(CHAT, "2", user_id=OFFICER)
    q = question(api, CHAT, "Bao nhiêu người dự?")
    api.say(CHAT, "1.500", user_id=OFFICER)
    q = question(api, CHAT, "Ghi chú ngắn")
    api.say(CHAT, "Hội trường khu phố 3", user_id=OFFICER)
    q = question(api, CHAT, "Gửi ảnh minh chứng")
    red, blue = jpeg("red"), jpeg("blue")
    first = api.send_photo(CHAT, red, user_id=OFFICER)
    question(api, CHAT, "Đã nhận 1 ảnh")
    second = api.send_photo(CHAT, blue, user_id=OFFICER)
    q = question(api, CHAT, "Đã nhận 2 ảnh")
    assert len(api.called("getFile")) == 2
    largest = [u["message"]["photo"][-1]["file_id"] for u in (first, second)]
    assert [c.fields["file_id"] for c in api.called("getFile")] == largest
    assert not [c for c in api.calls if api.token in str(c.fields)]
    with book.session() as session:
        assert session.scalars(select(WardReport)).all() == []  # nothing before "Lưu"
    press(api, CHAT, q, "Xong")
    q = question(api, CHAT, "xin kiểm tra trước khi lưu")
    lines = q["text"].splitlines()
    assert "Hoạt động: Hội nghị" in lines and "Ngày: 31/12/2024" in lines
    assert "Số lượng: 2 hội nghị" in lines and "Số người: 1500 người dự" in lines
    assert "Ghi chú: Hội trường khu phố 3" in lines and "Ảnh minh chứng: 2" in lines
    press(api, CHAT, q, "✅ Lưu")
    saved = question(api, CHAT, "Đã lưu báo cáo #")
    assert list(buttons(saved)) == ["✏️ Sửa (trong 24 giờ)"]

    [row] = queries.ward_reports(book, "loa-thu")
    assert (row.unit_id, row.kind, row.day.isoformat(), row.times, row.participants) == (
        "tan-phong", "hoi_nghi", "2024-12-31", 2, 1500)
    assert (row.via, row.telegram_user, row.reporter) == ("telegram", OFFICER, "Nguyễn Văn An")
    assert row.note == "Hội trường khu phố 3" and row.created_at == local(16, 10)
    assert [photo_path(tg_ws, k).read_bytes() for k in row.photos] == [red, blue]  # type: ignore[union-attr]
    assert f"#{row.id}" in saved["text"]

    # "Sửa": the same questions, saved as a new entry; the photos are kept
    clock.at = local(20, 0)
    press(api, CHAT, saved, "✏️ Sửa (trong 24 giờ)")
    q = question(api, CHAT, "Hoạt động nào?", after=saved["message_id"])
    press(api, CHAT, q, "Hội nghị")
    q = question(api, CHAT, "Ngày nào?", after=q["message_id"])
    press(api, CHAT, q, "Hôm qua")
    q = question(api, CHAT, "Bao nhiêu hội nghị?", after=q["message_id"])
    press(api, CHAT, q, "3")
    q = question(api, CHAT, "Bao nhiêu người dự?", after=q["message_id"])
    press(api, CHAT, q, "Bỏ qua")
    q = question(api, CHAT, "Ghi chú ngắn", after=q["message_id"])
    press(api, CHAT, q, "Bỏ qua")
    q = question(api, CHAT, "đang giữ 2 ảnh", after=q["message_id"])
    press(api, CHAT, q, "Xong")
    q = question(api, CHAT, f"Sửa báo cáo #{row.id}", after=q["message_id"])
    press(api, CHAT, q, "✅ Lưu")
    fixed = question(api, CHAT, f"Đã lưu bản sửa của #{row.id}", after=q["message_id"] - 1)

    everything = queries.ward_reports(book, "loa-thu", current_only=False)
    assert [(r.id, r.corrects, r.corrected_by) for r in everything] == [
        (row.id, None, row.id + 1), (row.id + 1, row.id, None)]
    [current] = queries.ward_reports(book, "loa-thu")
    assert (current.day.isoformat(), current.times, current.participants) == (
        "2025-05-04", 3, None)
    assert current.photos == row.photos
    view = overview(tg_ws, book, "loa-thu", today=local(20).date())
    assert [u.unit_id for u in view.missing] == ["trung-dung"]
    assert view.totals()["hoi_nghi"] == [3, 0, 1]

    # the old entry cannot be corrected again; the new one not after 24 h
    press(api, CHAT, saved, "✏️ Sửa (trong 24 giờ)")
    clock.at = local(16, 11) + timedelta(hours=24)
    press(api, CHAT, fixed, "✏️ Sửa (trong 24 giờ)")
    def alerts_now() -> list[str]:
        return [a.fields["text"] for a in api.called("answerCallbackQuery")
                if str(a.fields.get("show_alert")).lower() == "true"]
    alerts = wait_for(lambda: len(alerts_now()) == 2 and alerts_now())
    assert "đã được sửa thành" in alerts[0] and "quá 24 giờ" in alerts[1]
    assert len(queries.ward_reports(book, "loa-thu", current_only=False)) == 2


def test_baocao_is_refused_to_strangers_and_other_wards(
        api: TelegramAPI, book: Ledger, delivered: dict[str, Post], listening: WardBot) -> None:
    api.say(STRANGER_CHAT, "/baocao", user_id=STRANGER)
    api.say(CHAT, "/baocao", user_id=STRANGER, first_name="Người lạ")
    wait_for(lambda: len([m for m in bot_messages(api, STRANGER_CHAT)]) == 1
             and len(bot_messages(api, CHAT)) >= 1)
    assert "chưa được đăng ký" in bot_messages(api, STRANGER_CHAT)[0]["text"]
    assert "Bạn chưa được đăng ký để gửi báo cáo" in bot_messages(api, CHAT)[-1]["text"]
    with book.session() as session:
        refused = session.scalars(select(LogEntry).where(LogEntry.event == "refused")
                                  .order_by(LogEntry.id)).all()
    assert [(r.detail["reason"], r.detail["command"]) for r in refused] == [
        ("unknown_chat", "/baocao"), ("unknown_user", "/baocao")]

    # an officer of another ward cannot correct this ward's report, nor reach its buttons
    from datetime import date

    from schedules.operations import WardReportEntry, record_ward_report

    rid = record_ward_report(book, WardReportEntry(
        "loa-thu", "tan-phong", "to_roi", date(2025, 5, 5), 300, None, "", (), "An",
        "telegram", OFFICER), now=local(16))
    api.press(OTHER_CHAT, 5, f"br:sua:{rid}", user_id=OTHER_OFFICER)
    api.press(OTHER_CHAT, 5, "br:k:hoi_nghi", user_id=OTHER_OFFICER)  # no conversation open
    answers = wait_for(lambda: len(api.called("answerCallbackQuery")) == 2
                       and [a.fields["text"] for a in api.called("answerCallbackQuery")])
    assert "không thuộc đơn vị của bạn" in answers[0]
    assert "Phiên báo cáo này đã kết thúc" in answers[1]
    assert len(queries.ward_reports(book, "loa-thu", current_only=False)) == 1
    with book.session() as session:  # "br:" buttons never reach the press handler
        assert session.scalars(select(LogEntry).where(LogEntry.event == "refused")).all() \
            .__len__() == 2


# --------------------------------------------------------------------------- reminders
def test_wards_that_reported_nothing_are_reminded_once_a_day_before_the_deadline(
        api: TelegramAPI, tg_ws: Workspace, book: Ledger) -> None:
    from datetime import date

    from campaign.bot.report_reminders import send_report_reminders
    from campaign.planner import apply_plan, build_plan, load_campaign
    from schedules.operations import WardReportEntry, record_ward_report

    path = tg_ws.campaigns_dir / "loa.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "period: {start: 2025-05-05, end: 2025-05-05}",
        "period: {start: 2025-05-05, end: 2025-05-05}\nreport_due: 2025-05-08"), encoding="utf-8")
    campaign = load_campaign(path, tg_ws.directory, tg_ws.media_dir)
    apply_plan(book, build_plan(campaign, tg_ws.directory), now=local(8))

    assert send_report_reminders(tg_ws, book, now=local(10, day=(2025, 5, 4))) == []  # 4 days
    api.fail("sendMessage", 500, "Internal Server Error")
    first = send_report_reminders(tg_ws, book, now=local(10))  # 05/05: 3 days before
    assert [r.unit_id for r in first] == ["trung-dung"]  # Tân Phong's failed: not logged
    assert [r.unit_id for r in send_report_reminders(tg_ws, book, now=local(11))] == [
        "tan-phong"]
    assert send_report_reminders(tg_ws, book, now=local(15)) == []  # once a day
    text = [c.fields["text"] for c in api.called("sendMessage")][-1]
    assert "hạn báo cáo kết quả ngày 08/05/2025 (còn 3 ngày)" in text
    assert "Phường Tân Phong chưa gửi báo cáo" in text and "/baocao" in text

    record_ward_report(book, WardReportEntry(
        "loa-thu", "tan-phong", "bang_ron", date(2025, 5, 5), 4, None, "", (), "An",
        "telegram", OFFICER), now=local(16))
    next_day = send_report_reminders(tg_ws, book, now=local(9, day=(2025, 5, 6)))
    assert [(r.unit_id, r.chat_id, r.day) for r in next_day] == [
        ("trung-dung", str(OTHER_CHAT), "2025-05-06")]
    assert send_report_reminders(tg_ws, book, now=local(9, day=(2025, 5, 9))) == []  # past due
    with book.session() as session:
        logged = session.scalars(select(LogEntry).where(LogEntry.event == "reminded")
                                 .order_by(LogEntry.id)).all()
    assert [(r.detail["unit"], r.detail["day"], r.campaign_id) for r in logged] == [
        ("trung-dung", "2025-05-05", "loa-thu"), ("tan-phong", "2025-05-05", "loa-thu"),
        ("trung-dung", "2025-05-06", "loa-thu")]
