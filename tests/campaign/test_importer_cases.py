"""Documents we wrote to stress the importer: two-column headers, bold numbers, blank dates,
broken references, typos, attached documents, recurring deadlines; and the draft's rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from campaign.definition import Campaign
from campaign.importer import build_draft, extract_documents, import_file
from campaign.importer.cleanup import clean_line
from campaign.importer.draft import guess_targets, slug
from campaign.importer.header import org_case

DOCS = Path(__file__).parent / "importer_docs"


def test_two_column_markdown_plan() -> None:
    result = import_file(DOCS / "ke_hoach_hai_cot.md", today=dt.date(2025, 3, 10))
    doc = result.documents[0].to_json()
    assert doc["kind"] == "Kế hoạch"
    assert doc["number"] == "45-KH/BTGTU"  # "**45** - KH/BTGTU"
    assert doc["issuer"] == "Ban Tuyên giáo Thành ủy"
    assert (doc["place"], doc["date"], doc["year"]) == ("Biên Hòa", "2025-03-05", 2025)
    assert doc["subject"] == ("Tuyên truyền kỷ niệm 50 năm Ngày giải phóng miền Nam, thống nhất "
                              "đất nước (30/4/1975 - 30/4/2025)")
    assert doc["references"] == [
        {"kind": "Kế hoạch", "number": "112-KH/TU", "date": "2025-02-12",
         "issuer": "Ban Thường vụ Tỉnh ủy"},
        {"kind": "Nghị quyết", "number": "57-NQ/TW", "date": None, "issuer": "Bộ Chính trị"},
        {"kind": "Chỉ thị", "number": "05-CT/TW", "date": None, "issuer": None},
    ]
    assert doc["channels"] == ["loudspeaker", "led", "zalo", "facebook", "visual", "print"]
    assert [{k: v for k, v in d.items() if k != "text"} for d in doc["deadlines"]] == [
        {"date": "2025-05-05"}, {"day": 20, "recurring": "monthly"}]
    assert [t["title"] for t in doc["themes"]] == [
        "Ý nghĩa lịch sử của Đại thắng mùa Xuân năm 1975",
        "Thành tựu 50 năm xây dựng và phát triển đất nước"]
    assert len(doc["themes"][0]["points"]) == 2
    assert doc["signer"] == {"name": "Nguyễn Văn An", "title": "PHÓ TRƯỞNG BAN"}
    assert doc["copies_to"] == ["Thường trực Thành ủy (b/c)", "UBND các phường, xã"]

    campaign = result.draft.campaign
    assert campaign.targets == ["phuong-xa"]  # a plan has no Kính gửi: guessed from Nơi nhận
    assert campaign.report_due == dt.date(2025, 5, 5)
    assert campaign.report_to == "Ban Tuyên giáo Thành ủy"
    assert (campaign.period.start, campaign.period.end) == (dt.date(2025, 3, 5),
                                                           dt.date(2025, 5, 5))
    assert [m.title for m in campaign.messages] == [t["title"] for t in doc["themes"]]
    assert "#   - print:" in result.draft.text  # leaflets and bulletins: outside the schedule
    assert campaign.visual is not None  # "cổ động trực quan": printed materials are drafted
    assert "#   - {kind: bang-ron}" in result.draft.text  # no workspace: kinds commented


def test_notice_with_attached_plan_typos_and_blank_date() -> None:
    result = import_file(DOCS / "thong_bao_kem_ke_hoach.txt", today=dt.date(2025, 7, 1))
    first, second = (d.to_json() for d in result.documents)
    assert first["kind"] == "Thông báo"
    assert first["number"] == "/TB-UBND"
    assert first["issuer"] == "Ủy ban nhân dân thành phố Biên Hòa"
    assert (first["place"], first["date"], first["year"]) == ("Biên Hòa", None, 2025)
    assert first["recipients"] == ["UBND các phường, xã",
                                   "Trung tâm Văn hóa - Thông tin - Thể thao thành phố"]
    assert first["references"] == [
        {"kind": "Nghị quyết", "number": "52-NQ/TW", "date": "2019-09-27",
         "issuer": "Bộ Chính trị"},
        {"kind": "Kế hoạch", "number": "88/KH-UBND", "date": "2025-04-03", "issuer": "UBND tỉnh"},
    ]
    assert first["channels"] == ["loudspeaker", "led"]
    assert [{k: v for k, v in d.items() if k != "text"} for d in first["deadlines"]] == [
        {"month": 11, "day": 10, "recurring": "yearly"}]
    assert [t["title"] for t in first["themes"]] == ["Diệt lăng quăng, bọ gậy mỗi tuần",
                                                     "Ngủ màn kể cả ban ngày"]
    assert first["signer"] == {"name": "Trần Thị Bích", "title": "PHÓ CHỦ TỊCH"}
    assert first["copies_to"] == ["Như trên"]  # "Noi nhận" typo; "Lưu: VT" dropped

    assert second["kind"] == "Kế hoạch"
    assert second["number"] == "12/KH-TTYT"
    assert second["issuer"] == "Trung tâm Y tế"
    assert [d["date"] for d in second["deadlines"]] == ["2025-06-30"]
    assert second["signer"] == {"name": "Lê Văn Bình", "title": "GIÁM ĐỐC"}

    campaign = result.draft.campaign
    assert campaign.targets == ["phuong-xa", "trung-tam"]
    assert set(campaign.schedule) == {"led", "loudspeaker"}
    assert campaign.period.start == dt.date(2025, 7, 1)  # no date on the notice: today
    # The plan's one-off deadline (30/6) is already past on 1/7: kept, with a warning.
    assert campaign.report_due == dt.date(2025, 6, 30)
    assert campaign.period.end == dt.date(2025, 7, 28)
    assert "CẢNH BÁO" in result.draft.text
    assert result.draft.warnings


def test_inline_header_and_line_broken_references() -> None:
    text = (
        "UBND PHƯỜNG TÂN PHONG CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "Số: 07/KH-UBND Tân Phong, ngày 3 tháng 4 năm 2025\n\n"
        "KẾ HOẠCH\nTuyên truyền bảo vệ môi trường\n\n"
        "Căn cứ Quyết định số\n1234/QĐ-UBND ngày 15/3/2025 của UBND thành phố và Kế hoạch\n"
        "số 9 /KH-UBND;\n"
        "Chậm nhất ngày 25/4 các khu phố báo cáo Ủy ban nhân dân phường.\n\n"
        "CHỦ TỊCH\n\nPhạm Minh Tuấn\n")
    (doc,) = extract_documents(text)
    assert doc.number == "07/KH-UBND"
    assert doc.issuer == "UBND phường Tân Phong"
    assert (doc.place, doc.date) == ("Tân Phong", dt.date(2025, 4, 3))
    assert doc.subject == "Tuyên truyền bảo vệ môi trường"
    assert [(r.kind, r.number, r.date, r.issuer) for r in doc.references] == [
        ("Quyết định", "1234/QĐ-UBND", dt.date(2025, 3, 15), "UBND thành phố"),
        ("Kế hoạch", "9/KH-UBND", None, None),
    ]
    assert [(d.date, d.to) for d in doc.deadlines] == [(dt.date(2025, 4, 25),
                                                        "Ủy ban nhân dân phường")]
    assert doc.signer is not None and doc.signer.name == "Phạm Minh Tuấn"


def test_cleanup_repairs() -> None:
    assert clean_line("Số: **1587** /UBND-KGVX") == "Số: 1587/UBND-KGVX"
    assert clean_line("Nghị quyết số 57- NQ/TW và 03 /NQ-CP") == "Nghị quyết số 57-NQ/TW và 03/NQ-CP"
    assert clean_line("• Băng rôn,\u00a0khẩu hiệu") == "- Băng rôn, khẩu hiệu"
    assert clean_line("## *Phụ lục* kèm theo") == "Phụ lục kèm theo"
    assert org_case("SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH") == "Sở Văn hóa, Thể thao và Du lịch"
    assert org_case("BAN TUYÊN GIÁO TỈNH ỦY") == "Ban Tuyên giáo Tỉnh ủy"


def test_targets_and_slug() -> None:
    assert guess_targets(["UBND các phường, xã"])[0] == ["phuong-xa"]
    assert guess_targets(["Trung tâm VH-TT-TT/TP", "UBND 25 phường, xã"])[0] == [
        "trung-tam", "phuong-xa"]
    assert guess_targets(["UBND các huyện, thị xã"])[0] == ["tat-ca"]
    assert guess_targets([])[0] == ["tat-ca"]
    assert slug("Tuyên truyền Nghị quyết số 57-NQ/TW ngày 22/12/2024") == \
        "tuyen-truyen-nghi-quyet-so-57-nq-tw-ngay-22-12"
    assert slug("Đường Đông") == "duong-dong"


def test_draft_without_channels_or_deadline_has_all_four_and_four_weeks() -> None:
    docs = extract_documents(
        "Số: 3/CV-UBND\nĐồng Nai, ngày 01 tháng 7 năm 2025\n"
        "V/v Hưởng ứng Ngày Gia đình Việt Nam\nKính gửi: Các đơn vị\n\n"
        "Đề nghị các đơn vị hưởng ứng và tổ chức các hoạt động thiết thực, hiệu quả.\n")
    draft = build_draft(docs, today=dt.date(2025, 7, 5))
    data = yaml.safe_load(draft.text)
    campaign = Campaign.model_validate(data)
    assert campaign.id == "huong-ung-ngay-gia-dinh-viet-nam"
    assert campaign.title == "Hưởng ứng Ngày Gia đình Việt Nam"
    assert (campaign.period.start, campaign.period.end) == (dt.date(2025, 7, 1),
                                                           dt.date(2025, 7, 28))
    assert campaign.report_due is None
    assert set(campaign.schedule) == {"facebook", "zalo", "led", "loudspeaker"}
    assert data["schedule"]["facebook"] == {"days": ["t2", "t4", "t6"], "times": ["08:00"]}
    assert data["schedule"]["led"]["day_parts"] == [{"from": "06:00", "to": "22:00"}]
    assert data["schedule"]["loudspeaker"] == {"days": "hang-ngay", "per_slot": 1,
                                               "overflow": "spill"}
    assert "# report_due:" in draft.text
