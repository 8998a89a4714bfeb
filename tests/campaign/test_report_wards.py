"""The results report answers the guidance form by form, with what the wards reported, who did
not report, the operator's assessment and a photo appendix — checked in the PDF LibreOffice
makes — and its numbers are the ones ``campaign status --json`` and the dashboard show."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from starlette.testclient import TestClient

from campaign.cli import main
from campaign.web import create_app
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from tests.campaign.test_report import convert
from tests.campaign.wardworld import NOW, PASSWORD, build

ASSESSMENT = """\
ket_qua: |
  Các phường đã tổ chức hội nghị quán triệt và treo băng rôn đúng kế hoạch.
han_che:
  - Một phường chưa gửi báo cáo đúng hạn.
  - Loa ở khu vực ven sông còn yếu.
de_xuat: Đề nghị hỗ trợ kinh phí thay loa truyền thanh.
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Ledger]:
    ws, ledger, _ = build(tmp_path_factory.mktemp("wards") / "ws")
    yield ws, ledger
    ledger.dispose()


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def pdf_text(path: Path, tmp: Path) -> tuple[str, int, int]:
    """The PDF's words on one line each run of whitespace collapsed, its pages, its images."""
    with pdfplumber.open(convert(path, "pdf", tmp)) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        images = sum(len(page.images) for page in pdf.pages)
        pages = len(pdf.pages)
    return re.sub(r"\s+", " ", text), pages, images


def test_report_sections_and_numbers_agree_with_status_and_dashboard(
        world: tuple[Workspace, Ledger], tmp_path: Path) -> None:
    ws, ledger = world
    (tmp_path / "danh-gia.yaml").write_text(ASSESSMENT, encoding="utf-8")
    out = tmp_path / "bao-cao.docx"
    run("report", "thu-nghiem", "--out", str(out), "--date", "2025-05-08", "--danh-gia",
        str(tmp_path / "danh-gia.yaml"), "-w", str(ws.root))
    text, pages, images = pdf_text(out, tmp_path)

    status = json.loads(run("status", "--json", "-w", str(ws.root)))
    wards = status["campaigns"]["thu-nghiem"]["wards"]
    assert wards["missing"] == ["trung-dung"]
    assert wards["activities"]["bang_ron"] == {"times": 15, "participants": 0, "units": 1}
    played, sent = wards["broadcasts_played"], wards["broadcasts_sent"]
    assert played == 2 and sent > played
    for expected in (
            "4. Theo hình thức tuyên truyền", "a) Hệ thống truyền thanh cơ sở",
            f"Đã gửi {sent} buổi phát tới các đài; {played} buổi được cán bộ xác nhận đã phát",
            "b) Mạng xã hội, trang thông tin điện tử",
            f"Facebook: {wards['digital_by_channel']['facebook']} tin, bài đã đăng.",
            "Số lượt tiếp cận: các nền tảng chưa trả số liệu này",
            f"c) Bảng điện tử LED - {wards['units']['tan-phong']['led_sent'] + wards['units']['trung-dung']['led_sent'] + wards['units']['hiep-hoa']['led_sent']} lượt trình chiếu",
            "Băng rôn, pano treo: 15 cái (1 đơn vị báo cáo).",
            "Tờ rơi phát: 500 tờ, 450 người nhận (1 đơn vị báo cáo).",
            "Hội nghị: 2 hội nghị, 180 người dự (1 đơn vị báo cáo).",
            "Sinh hoạt chi bộ: chưa có đơn vị báo cáo.",
            "5. Hoạt động do các phường, xã báo cáo",
            "6. Đơn vị chưa gửi báo cáo Phường Trung Dũng.",
            "II. ĐÁNH GIÁ 1. Kết quả đạt được:",
            "Các phường đã tổ chức hội nghị quán triệt và treo băng rôn đúng kế hoạch.",
            "2. Hạn chế, khó khăn: - Một phường chưa gửi báo cáo đúng hạn. - Loa ở khu vực",
            "III. ĐỀ XUẤT, KIẾN NGHỊ Đề nghị hỗ trợ kinh phí thay loa truyền thanh.",
            "PHỤ LỤC ẢNH MINH CHỨNG DO CÁC ĐƠN VỊ GỬI VỀ",
            "Phường Tân Phong — Hội nghị, ngày", "Phường Tân Phong — Băng rôn, pano treo, ngày"):
        assert expected in text, expected
    led_total = sum(u["led_sent"] for u in wards["units"].values())
    assert f"{led_total} lượt trình chiếu khẩu hiệu, tổng khoảng" in text
    assert "Băng rôn, pano treo: 12" not in text  # the corrected entry does not count
    assert images == 3 and pages >= 3  # the chart and two evidence photos
    # the per-unit activity table: Tân Phong 2 conferences, 15 banners, 180 people, 2 photos
    assert re.search(r"Phường Tân Phong 2 0 15 180 2", text), text
    assert re.search(r"Xã Hiệp Hòa 0 500 0 450 0", text)

    # the dashboard's table says the same
    client = TestClient(create_app(ws, ledger, secret="k" * 32, clock=lambda: NOW),
                        base_url="http://127.0.0.1", follow_redirects=False)
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]  # type: ignore[index]
    client.post("/login", data={"name": "quanly", "password": PASSWORD, "csrf": token})
    rows = list(csv.reader(io.StringIO(client.get("/campaigns/thu-nghiem/ket-qua.csv")
                                       .content.decode("utf-8-sig"))))
    table = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    for unit_id, facts in wards["units"].items():
        row = table[facts["name"]]
        assert int(row["Buổi loa xác nhận phát"]) == facts["broadcasts_played"]
        assert int(row["Buổi loa đã gửi"]) == facts["broadcasts_sent"]
        assert int(row["Tin bài số đã đăng"]) == facts["digital"]
        assert float(row["Giờ bảng LED"]) == facts["led_hours"]
        assert (row["Tình trạng"] == "Chưa báo cáo") == (unit_id in wards["missing"])
    assert sum(int(r["Buổi loa xác nhận phát"]) for r in table.values()) == played
    plain = run("status", "-w", str(ws.root))
    assert "Báo cáo của phường/xã: 2/3 đơn vị đã báo cáo" in plain
    assert "Chưa báo cáo: Phường Trung Dũng" in plain


def test_a_ward_reports_upwards_from_the_same_data(world: tuple[Workspace, Ledger],
                                                   tmp_path: Path) -> None:
    ws, _ = world
    out = tmp_path / "tan-phong.docx"
    output = run("report", "thu-nghiem", "--unit", "tan-phong", "--out", str(out), "--date",
                 "2025-05-08", "-w", str(ws.root))
    assert "--danh-gia" in output
    text, _, images = pdf_text(out, tmp_path)
    assert text.startswith("UBND THÀNH PHỐ BIÊN HÒA CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM ỦY BAN "
                           "NHÂN DÂN PHƯỜNG Độc lập - Tự do - Hạnh phúc TÂN PHONG")
    assert "Số: …/BC-UBND" in text
    assert "Kính gửi: Trung tâm Văn hóa - Thông tin - Thể thao thành phố Biên Hòa." in text
    assert "Hội nghị: 2 hội nghị, 180 người dự (1 đơn vị báo cáo)." in text
    assert "Tờ rơi phát: chưa có đơn vị báo cáo." in text  # Hiệp Hòa's leaflets are not here
    assert "Phường Trung Dũng" not in text and "Xã Hiệp Hòa" not in text
    assert "6. Đơn vị chưa gửi báo cáo" not in text
    assert "1. Kết quả đạt được: ……" in text  # blank lines to fill in Word
    assert images == 3

    xlsx = tmp_path / "bao-cao.xlsx"
    run("report", "thu-nghiem", "--out", str(xlsx), "--date", "2025-05-08", "-w", str(ws.root))
    book = load_workbook(xlsx)
    sheet = book["Phường xã báo cáo"]
    values = {r[0]: r for r in sheet.iter_rows(values_only=True)}
    assert values["Phường Trung Dũng"][-1] == "Chưa báo cáo"
    entries = list(book["Các báo cáo hoạt động"].iter_rows(values_only=True))
    assert len(entries) == 1 + 3 and {e[2] for e in entries[1:]} == {
        "Hội nghị", "Băng rôn, pano treo", "Tờ rơi phát"}


def test_bad_assessment_files_and_units_are_named(world: tuple[Workspace, Ledger],
                                                  tmp_path: Path) -> None:
    ws, _ = world
    bad = tmp_path / "dg.yaml"
    bad.write_text("ket_qua: tốt\nuu_diem: x\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["report", "thu-nghiem", "--out", str(tmp_path / "a.docx"),
                                       "--danh-gia", str(bad), "-w", str(ws.root)])
    assert result.exit_code == 2 and "dg.yaml:2" in result.output and "uu_diem" in result.output
    result = CliRunner().invoke(main, ["report", "thu-nghiem", "--out", str(tmp_path / "a.docx"),
                                       "--unit", "khong-co", "-w", str(ws.root)])
    assert result.exit_code == 2 and "khong-co" in result.output
    assert not (tmp_path / "a.docx").exists()
