"""The exact facts of the four real guidance documents in ../shared/seeds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from campaign.definition import Campaign
from campaign.importer import import_file

SEEDS = Path(__file__).parents[3] / "shared" / "seeds"
TODAY = dt.date(2026, 11, 23)

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents not present")


def facts(name: str, today: dt.date = TODAY) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    result = import_file(next(SEEDS.glob(f"{name}_*.txt")), today=today)
    data = result.to_json()
    return data["documents"], data["campaign"]


def ref(kind: str, number: str, date: str | None, issuer: str | None) -> dict[str, Any]:
    return {"kind": kind, "number": number, "date": date, "issuer": issuer}


def test_seed_000_cong_van_without_header_block() -> None:
    docs, campaign = facts("000")
    assert len(docs) == 1
    doc = docs[0]
    assert doc["kind"] == "Công văn"
    assert doc["number"] == "/SoKH-CN-CN"  # "/SoKH-CN- CN": stray space removed
    assert doc["issuer"] == "Sở Khoa học và Công nghệ"
    assert (doc["place"], doc["date"], doc["year"]) == ("Đồng Nai", None, 2025)
    assert doc["subject"].startswith("đẩy mạnh tuyên truyền Nghị quyết số 57-NQ/TW, Nghị quyết")
    assert doc["subject"].endswith("chuyển đổi số quốc gia")
    assert doc["recipients"] == ["Chủ tịch Ủy ban nhân dân tỉnh"]
    assert doc["references"] == [
        ref("Nghị quyết", "57-NQ/TW", "2024-12-22", "Bộ Chính trị"),
        ref("Nghị quyết", "03/NQ-CP", None, "Chính phủ"),
        ref("Kế hoạch", "433-KH/TU", "2025-02-28", "Ban Thường vụ Tỉnh ủy"),
    ]
    assert doc["channels"] == []
    assert [{k: v for k, v in d.items() if k != "text"} for d in doc["deadlines"]] == [
        {"date": "2025-04-30"}]
    assert "gửi về Sở Khoa học và Công nghệ trước ngày 30/04/2025" in doc["deadlines"][0]["text"]
    assert doc["signer"] == {"name": "Tạ Quang Trường", "title": "GIÁM ĐỐC"}
    assert doc["copies_to"] == ["Như trên", "Ban Giám đốc"]
    # Deadline passed before today: kept as written, period is four weeks from today.
    assert campaign["report_due"] == "2025-04-30"
    assert campaign["report_to"] == "Sở Khoa học và Công nghệ"
    assert campaign["period"] == {"start": "2026-11-23", "end": "2026-12-20"}
    assert campaign["targets"] == ["tat-ca"]


def test_seed_001_chuong_trinh_hanh_dong_recurring_deadlines() -> None:
    docs, campaign = facts("001", today=dt.date(2025, 6, 1))
    assert len(docs) == 1
    doc = docs[0]
    assert doc["kind"] == "Chương trình hành động"
    assert doc["number"] == "/CTr-SoKHCN"
    assert doc["issuer"] == "Sở Khoa học và Công nghệ"
    assert (doc["place"], doc["date"], doc["year"]) == ("Đồng Nai", None, 2025)
    assert doc["subject"] == (
        "Triển khai thực hiện Chương trình số 04/CTr-UBND ngày 14/4/2025 của UBND tỉnh về thực "
        "hiện Quy hoạch tỉnh Đồng Nai thời kỳ 2021-2030, tầm nhìn đến năm 2050")
    assert doc["recipients"] == []
    assert doc["references"] == [
        ref("Chương trình", "04/CTr-UBND", "2025-04-14", "UBND tỉnh"),
        ref("Nghị quyết", "57-NQ/TW", "2024-12-22", "Bộ Chính trị"),
    ]
    assert doc["channels"] == []
    assert [{k: v for k, v in d.items() if k != "text"} for d in doc["deadlines"]] == [
        {"month": 11, "day": 10, "recurring": "yearly"},
        {"month": 11, "day": 5, "recurring": "yearly"},
    ]
    assert doc["deadlines"][0]["text"].endswith("trước ngày 10 tháng 11 hàng năm.")
    assert [t["title"] for t in doc["themes"]] == ["Về hoạt động khoa học công nghệ",
                                                   "Về chuyển đổi số"]
    assert len(doc["themes"][0]["points"]) == 6
    assert doc["signer"] == {"name": "Tạ Quang Trường", "title": "GIÁM ĐỐC"}
    assert doc["copies_to"] == ["UBND tỉnh (b/c)", "Sở Tài chính (t/hợp)", "Các Phó Giám đốc Sở",
                                "Các phòng/ đơn vị trực thuộc Sở (t/h)"]
    # Yearly deadline: the next one is the report date, the period is the default four weeks.
    assert campaign["report_due"] == "2025-11-10"
    assert campaign["report_to"] == "UBND tỉnh"
    assert campaign["period"] == {"start": "2025-06-01", "end": "2025-06-28"}
    assert [m["title"] for m in campaign["messages"]] == ["Về hoạt động khoa học công nghệ",
                                                          "Về chuyển đổi số"]


def test_seed_003_phong_vhtt_to_centre_and_wards() -> None:
    docs, campaign = facts("003")
    assert len(docs) == 1
    doc = docs[0]
    assert doc["kind"] == "Công văn"
    assert doc["number"] == "/PVHTT"
    assert doc["issuer"] == "Phòng Văn hóa và Thông tin thành phố"
    assert (doc["place"], doc["date"], doc["year"]) == ("Biên Hòa", None, 2025)
    assert doc["subject"].startswith("Tuyên truyền Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ")
    assert doc["recipients"] == ["Trung tâm VH-TT-TT thành phố", "Trang Thông tin điện tử",
                                 "UBND 25 phường, xã"]
    assert doc["references"] == [
        ref("Nghị quyết", "57-NQ/TW", "2024-12-22", "Bộ Chính trị"),
        ref("Công văn", "7522-CV/TU", "2025-01-13", "Thành uỷ Biên Hoà"),
    ]
    assert doc["channels"] == ["loudspeaker", "led", "zalo", "facebook", "website", "visual"]
    assert doc["deadlines"] == []
    assert len(doc["themes"]) == 1
    assert doc["themes"][0]["title"].startswith("Nghị quyết số 57-NQ/TW ngày 22/12/2024")
    assert doc["signer"] == {"name": "Võ Thị Huỳnh Mai", "title": "TRƯỞNG PHÒNG"}
    assert doc["copies_to"] == ["Như trên"]
    assert campaign["targets"] == ["trung-tam", "phuong-xa"]
    assert set(campaign["schedule"]) == {"facebook", "zalo", "led", "loudspeaker", "website"}
    assert "visual" in campaign  # "cổ động trực quan" asks for printed materials
    assert "report_due" not in campaign
    # The explanatory paragraphs become the draft post.
    assert "Tổng Bí thư Tô Lâm" in campaign["messages"][0]["facebook"]["text"]


def test_seed_004_cong_van_with_attached_huong_dan() -> None:
    docs, campaign = facts("004", today=dt.date(2025, 2, 25))
    assert len(docs) == 2
    cv, hd = docs
    assert cv["kind"] == "Công văn"
    assert cv["number"] == "1587/UBND-KGVX"  # "**1587** /UBND-KGVX"
    assert cv["issuer"] == "Ủy ban nhân dân tỉnh Đồng Nai"
    assert (cv["place"], cv["date"], cv["year"]) == ("Đồng Nai", "2025-02-20", 2025)
    assert cv["subject"] == "tuyên truyền Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị"
    assert cv["recipients"] == ["Các sở, ban, ngành", "UBND các huyện, thành phố"]
    assert cv["references"] == [
        ref("Nghị quyết", "57-NQ/TW", "2024-12-22", "Bộ Chính trị"),
        ref("Hướng dẫn", "164-HD/BTGTU", "2025-02-13", "Ban Tuyên giáo tỉnh ủy"),
    ]
    assert cv["channels"] == ["press"]  # "cung cấp thông tin cho báo, đài"; not "xử lý … mạng xã hội"
    assert [d["date"] for d in cv["deadlines"]] == ["2025-03-15"]
    assert cv["signer"] == {"name": "Võ Tấn Đức", "title": "CHỦ TỊCH"}
    assert cv["copies_to"] == ["Như trên", "Ban Tuyên giáo Tỉnh ủy",
                               "Chủ tịch, PCT UBND tỉnh (KGVX)", "Chánh, PCVP UBND tỉnh (KGVX)"]

    assert hd["kind"] == "Hướng dẫn"
    assert (hd["number"], hd["date"], hd["year"]) == (None, None, None)
    assert hd["issuer"] == "Ban Tuyên giáo Tỉnh ủy"
    assert hd["subject"] == (
        "tuyên truyền Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát "
        "triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia")
    assert hd["references"] == [
        ref("Nghị quyết", "57-NQ/TW", "2024-12-22", "Bộ Chính trị"),
        ref("Hướng dẫn", "186-HD/BTGTW", "2025-01-10", "Ban Tuyên giáo Trung ương"),
        ref("Nghị quyết", "18-NQ/TW", None, "Ban Chấp hành Trung ương Đảng"),
    ]
    assert hd["channels"] == ["loudspeaker", "led", "facebook", "website", "visual", "print",
                              "meeting"]
    assert [d["date"] for d in hd["deadlines"]] == ["2025-03-15"]
    titles = [t["title"] for t in hd["themes"]]
    assert len(titles) == 3
    assert titles[0].startswith("Tuyên truyền làm rõ các quan điểm chỉ đạo của Trung ương")
    assert titles[1] == "Tuyên truyền các mục tiêu, nhiệm vụ, giải pháp của Nghị quyết số 57-NQ/TW"
    assert titles[2].startswith("Về kết quả thực hiện các chủ trương của Đảng")
    assert len(hd["themes"][0]["points"]) == 4
    assert len(hd["themes"][1]["points"]) == 7
    assert hd["signer"] == {"name": "Nguyễn Thị Hồng Trang", "title": None}
    assert hd["copies_to"][0] == "Thường trực Tỉnh ủy (để b/c)"
    assert hd["copies_to"][-1] == "Ban Tuyên giáo và Ban Dân vận TW (a+b) (để b/c)"
    assert len(hd["copies_to"]) == 9  # "Lưu VPB." is a filing note, not a copy

    assert campaign["source"][0]["number"] == "1587/UBND-KGVX"
    assert campaign["source"][1]["kind"] == "Hướng dẫn"
    assert campaign["period"] == {"start": "2025-02-20", "end": "2025-03-15"}
    assert campaign["report_due"] == "2025-03-15"
    assert campaign["report_to"] == "Ban Tuyên giáo Tỉnh ủy"
    assert campaign["targets"] == ["tat-ca"]
    assert set(campaign["schedule"]) == {"facebook", "led", "loudspeaker", "website"}
    assert len(campaign["messages"]) == 3


@pytest.mark.parametrize("name", ["000", "001", "003", "004"])
def test_seed_drafts_validate_and_follow_the_rules(name: str) -> None:
    result = import_file(next(SEEDS.glob(f"{name}_*.txt")), today=TODAY)
    text = result.draft.text
    campaign = Campaign.model_validate(yaml.safe_load(text))
    assert len(campaign.id) <= 64
    assert "VIỆC CÒN PHẢI LÀM" in text
    for message in campaign.messages:
        if message.led:
            assert 1 <= len(message.led.slogans) <= 3
            assert all(len(s) <= 60 for s in message.led.slogans)
        if message.loudspeaker:
            assert message.loudspeaker.script.startswith("Kính thưa toàn thể nhân dân!")
            assert message.loudspeaker.script.endswith("Xin trân trọng cảm ơn!")
    # No seed states a schedule or lists slogans: every channel keeps its default, and says so.
    defaults = {"facebook": ["t2", "t4", "t6"], "zalo": ["t3", "t5"], "led": "hang-ngay",
                "loudspeaker": "hang-ngay", "website": "ngay-thuong"}
    for channel, sched in campaign.schedule.items():
        assert sched.days == defaults[channel]
        assert f"# {channel}: văn bản không nêu ngày" in text
    assert "Văn bản không liệt kê khẩu hiệu" in text
    for message in campaign.messages:
        assert message.title[0].isupper() and not message.title.isupper()
    for line in text.splitlines():
        if "times:" in line or "from:" in line:
            assert '"08:00"' in line or '"09:00"' in line or '"06:00"' in line
