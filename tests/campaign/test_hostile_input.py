"""Hostile and mistaken input from the fuzz list of issue 19: every case is a Vietnamese
message naming the file (and line) with a fix, exit status 2, and an unchanged ledger."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from campaign.cli import main
from schedules.ledger import Ledger
from schedules.models import LogEntry, Post
from tests.conftest import CAMPAIGN, write_campaign

ENGLISH = re.compile(r"Traceback|Input should|found character|Error\b|errno|No such file|"
                     r"could not|expected|Value error", re.IGNORECASE)


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=True)


def counts(ws) -> tuple[int, int]:
    ledger = Ledger(ws.db_url)
    try:
        with ledger.session() as s:
            return (s.scalar(select(func.count()).select_from(Post)),
                    s.scalar(select(func.count()).select_from(LogEntry)))
    finally:
        ledger.dispose()


def assert_refused(result, *needles: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert not ENGLISH.search(result.output), result.output
    for needle in needles:
        assert needle in result.output, result.output


CAMPAIGN_CASES = {
    "impossible-date": (("end: 2025-05-04}", "end: 2025-02-30}"), ":3:", "2025-02-30"),
    "year-typo": (("end: 2025-05-04}", "end: 2925-03-14}"), ":3:", "2925"),
    "period-too-long": (("end: 2025-05-04}", "end: 2027-05-04}"), ":3:", "366"),
    "year-1-to-9999": (("{start: 2025-04-28, end: 2025-05-04}",
                        "{start: 0001-01-01, end: 9999-12-31}"), ":3:", "2000"),
    "same-instant-times": (('times: ["08:00"]', 'times: ["08:00", "8h"]'), ":19:", "trùng"),
    "empty-days": (("facebook: {days: hang-ngay,", "facebook: {days: [],"), ":19:", "ngày"),
    "zero-width-slogan": (("[KHẨU HIỆU A]", '["\u200b\u200b"]'), ":11:", "trống"),
    "duplicate-key": (("holidays: skip\n", "holidays: skip\nholidays: keep\n"),
                      ":6:", "dòng 5"),
    "control-char": (("title: Chiến dịch thử nghiệm", "title: Chiến dịch\x01 thử"), ":2:",
                     "ký tự điều khiển"),
    "typo-key": (("holidays: skip", "holiday: skip"), ":5:", "holidays"),
    "english-type-error": (("title: Tin A", "title: [Tin, A]"), ":9:", "chuỗi"),
    "yaml-token": (("title: Chiến dịch thử nghiệm", "title: @Chiến dịch"), ":2:", "@"),
    "long-slogan": (("[KHẨU HIỆU A]", "[" + "KHẨU HIỆU RẤT DÀI " * 5 + "]"), ":11:", "60"),
    "media-outside": (("facebook: {text: Nội dung tin A trên Facebook.}",
                       "facebook: {text: A, images: [../directory.yaml]}"), ":10:", "media/"),
    "media-wrong-type": (("facebook: {text: Nội dung tin A trên Facebook.}",
                          "facebook: {text: A, images: [anh.png]}"), ":10:", "ảnh"),
    "media-nul": (("facebook: {text: Nội dung tin A trên Facebook.}",
                   'facebook: {text: A, images: ["a\\0b.png"]}'), ":10:", "media"),
    "media-long-name": (("facebook: {text: Nội dung tin A trên Facebook.}",
                         "facebook: {text: A, images: [" + "a" * 300 + ".png]}"), ":10:", "dài"),
    "report-due-year": (("report_due: 2025-05-10", "report_due: 20255-05-10"), ":4:", "ngày"),
}


@pytest.mark.parametrize("name", sorted(CAMPAIGN_CASES))
def test_hostile_campaign_is_refused_with_line(ws, name):
    (old, new), line, needle = CAMPAIGN_CASES[name]
    (ws.media_dir / "anh.png").write_text("không phải ảnh", encoding="utf-8")
    good = write_campaign(ws)
    assert run("plan", "-w", str(ws.root), str(good)).exit_code == 0
    before = counts(ws)
    assert old in CAMPAIGN, name
    bad = write_campaign(ws, CAMPAIGN.replace(old, new), name="bad.yaml")
    start = time.monotonic()
    for command in ("check", "plan"):
        result = run(command, "-w", str(ws.root), str(bad))
        assert_refused(result, f"{bad}{line}", needle)
    assert time.monotonic() - start < 20
    assert counts(ws) == before


def test_every_error_of_a_file_in_one_run(ws):
    text = CAMPAIGN.replace("holidays: skip", "holiday: skip").replace(
        "targets: [trung-tam, phuong-xa]", "targets: [trung-tam, khong-co]").replace(
        'times: ["08:00"]', 'times: ["23:00"]')
    result = run("check", "-w", str(ws.root), str(write_campaign(ws, text)))
    assert_refused(result, "holidays", "khong-co", "23:00")


def test_non_utf8_file_names_the_line(ws):
    path = ws.campaigns_dir / "latin1.yaml"
    raw = CAMPAIGN.encode("utf-8").replace(b"Tin A", b"Tin \xff")
    path.write_bytes(raw)
    assert_refused(run("check", "-w", str(ws.root), str(path)), f"{path}:9:", "UTF-8")


def test_long_file_name_and_nul_in_folder(ws, tmp_path):
    long_name = ws.campaigns_dir / ("a" * 300 + ".yaml")
    assert_refused(run("check", "-w", str(ws.root), str(long_name)), "dài")
    assert_refused(run("check", "-w", str(tmp_path) + "\x00x", "a.yaml"), "ký tự")


DIRECTORY_CASES = {
    "empty-group-id": (("groups: [phuong-xa]}\n  - {id: trung-dung", 'groups: [""]}\n'
                        "  - {id: trung-dung"), "groups"),
    "same-instant-slots": (('slots: ["05:30", "17:00"], slot_minutes: 15, deliver: {via: outbox, '
                            "audio: false}}",
                            'slots: ["05:30", "5h30"], slot_minutes: 15, deliver: {via: outbox, '
                            "audio: false}}"), "trùng"),
    "missing-dictionary": (("telegram:", "reading: {dictionary: khong-co.yaml}\ntelegram:"),
                           "khong-co.yaml"),
    "nan-speed": (("telegram:", "reading: {syllables_per_second: .nan}\ntelegram:"),
                  "syllables_per_second"),
    "bad-player-url": (("deliver: {via: outbox}}\n  - {id: loa-tan-phong",
                        'deliver: {via: anthias, api_base: "http://[::1"}}\n'
                        "  - {id: loa-tan-phong"), "api_base"),
    "duplicate-key": (("timezone: Asia/Ho_Chi_Minh", "timezone: Asia/Ho_Chi_Minh\n"
                       "timezone: Asia/Ha_Noi"), "dòng 3"),
}


@pytest.mark.parametrize("name", sorted(DIRECTORY_CASES))
def test_hostile_directory_is_refused_with_line(ws, name):
    good = write_campaign(ws)
    assert run("plan", "-w", str(ws.root), str(good)).exit_code == 0
    before = counts(ws)
    path = ws.root / "directory.yaml"
    text = path.read_text(encoding="utf-8")
    (old, new), needle = DIRECTORY_CASES[name]
    assert old in text, name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    for args in (("check", str(good)), ("plan", str(good)), ("endpoints", "check")):
        result = run(*args, "-w", str(ws.root))
        assert_refused(result, f"{path}:", needle)
    assert counts(ws) == before


def test_loudspeaker_slot_in_quiet_hours_blames_the_directory(ws):
    path = ws.root / "directory.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('slots: ["05:30", "17:00"]', 'slots: ["04:00", "17:00"]', 1),
                    encoding="utf-8")
    result = run("check", "-w", str(ws.root), str(write_campaign(ws)))
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "04:00" in t)
    assert_refused(result, f"{path}:{line}:", "04:00")


HUGE = "99999999999999999999999"


@pytest.mark.parametrize("args", [
    ("log", "--limit", HUGE), ("log", "--limit", "-5"),
    ("resolve", HUGE, "--sent", "--by", "A"), ("cancel", HUGE, "--by", "A"),
    ("retry", "--failed", "--post", HUGE),
    ("alert", "--text", "Bão", "--by", "A", "--valid-minutes", HUGE),
    ("serve", "--port", HUGE), ("serve", "--port", "70000"),
])
def test_numbers_out_of_range_are_usage_errors(ws, args):
    before = counts(ws)
    result = run(args[0], "-w", str(ws.root), *args[1:])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "nằm ngoài khoảng" in result.output
    assert counts(ws) == before


def test_render_led_unwritable_out_and_non_font(tmp_path):
    blocker = tmp_path / "tep.txt"
    blocker.write_text("x", encoding="utf-8")
    result = run("render", "led", "CHÀO MỪNG", "--size", "192x96",
                 "--out", str(blocker / "khung.png"))
    assert_refused(result, "Không ghi được")
    font = tmp_path / "khong-phai-phong.ttf"
    font.write_text("không phải phông chữ", encoding="utf-8")
    result = run("render", "led", "CHÀO MỪNG", "--size", "192x96",
                 "--out", str(tmp_path / "k.png"), "--font", str(font))
    assert_refused(result, "phông")
    assert not (tmp_path / "k.png").exists()


def test_render_speech_nan_speed_and_missing_dictionary(tmp_path):
    assert_refused(run("render", "speech", "Kính thưa", "--reading", "--speed", "nan"), "Tốc độ")
    missing = tmp_path / "khong-co.yaml"
    assert_refused(run("render", "speech", "Kính thưa", "--reading", "--dictionary",
                       str(missing)), "khong-co.yaml")


def test_render_speech_unwritable_out(tmp_path):
    blocker = tmp_path / "tep.txt"
    blocker.write_text("x", encoding="utf-8")
    result = run("render", "speech", "Kính thưa", "--out", str(blocker / "a.wav"))
    assert_refused(result, "Không ghi được")


def test_fixture_directory_ids_exist(ws):
    # the directory cases above edit the conftest workspace's text; keep it honest
    text = Path(ws.root / "directory.yaml").read_text(encoding="utf-8")
    assert "trung-dung" in text
