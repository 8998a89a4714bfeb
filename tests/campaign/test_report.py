"""The results report, written by the CLI from a ledger filled through the real planner and
dispatcher, then opened by LibreOffice (headless) to check what a reader will see."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from campaign.cli import main
from campaign.queries import LogFilter, log_entries
from campaign.report import build_report, chart_png, vn_place_date
from tests.campaign.test_web import populate

SOFFICE = shutil.which("libreoffice") or shutil.which("soffice")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    ws, ledger = populate(tmp_path_factory.mktemp("report") / "ws")
    yield ws, ledger
    ledger.dispose()


def convert(path: Path, fmt: str, tmp: Path) -> Path:
    """LibreOffice headless conversion with a private profile (parallel runs do not clash)."""
    assert SOFFICE, "LibreOffice is needed (Debian: libreoffice-writer-nogui, -calc-nogui)"
    out = tmp / "converted"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp / 'lo-profile'}", "--headless",
                    "--convert-to", fmt, "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=120)
    result = out / f"{path.stem}.{fmt.split(':')[0]}"
    assert result.is_file(), f"LibreOffice did not convert {path.name}"
    return result


def report(ws, out: Path, *extra: str):
    return CliRunner().invoke(main, ["report", "thu-nghiem", "--out", str(out), "--date",
                                     "2025-05-08", "-w", str(ws.root), *extra])


def test_docx_reads_as_an_administrative_report_in_libreoffice(world, tmp_path):
    ws, _ = world
    out = tmp_path / "bao-cao.docx"
    result = report(ws, out)
    assert result.exit_code == 0, result.output
    text = convert(out, "txt:Text", tmp_path).read_text(encoding="utf-8-sig")
    lines = [line.strip() for line in text.splitlines()]
    for expected in ("UBND THÀNH PHỐ BIÊN HÒA",
                     "TRUNG TÂM VĂN HÓA - THÔNG TIN - THỂ THAO THÀNH PHỐ BIÊN HÒA",
                     "Số: …/BC-TTVHTTTT", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "Biên Hòa, ngày 08 tháng 5 năm 2025",
                     "BÁO CÁO", "Kính gửi: Ban Tuyên giáo Thành ủy.",
                     "I. KẾT QUẢ THỰC HIỆN", "II. ĐÁNH GIÁ", "III. ĐỀ XUẤT, KIẾN NGHỊ",
                     "- Xã Hiệp Hòa: 1 buổi chưa xác nhận đã phát.",
                     "- Phường Trung Dũng: 1 buổi chưa xác nhận đã phát."):
        assert expected in lines, expected
    assert "Kết quả tuyên truyền chiến dịch <script>alert('xss')</script> thử nghiệm" in lines
    assert "Thực hiện Công văn số 123-CV/BTGTU ngày 20/04/2025 của Ban Tuyên giáo Thành ủy" in text
    assert "Tân Phong: 1 buổi chưa xác nhận" not in text  # it confirmed its broadcast
    # the channel table: Loa truyền thanh planned 24, sent 3, confirmed 1, expired 3, on 28/4
    loud = lines.index("Loa truyền thanh")
    assert lines[loud + 1: loud + 8] == ["24", "3", "1", "0", "3", "28/04/2025", "28/04/2025"]
    unit = lines.index("Phường Tân Phong")
    assert lines[unit + 1: unit + 5] == ["0", "2", "1", "1/1"]
    assert len(Document(str(out)).inline_shapes) == 1  # the chart


def test_xlsx_has_the_summary_a_native_chart_and_the_full_log(world, tmp_path):
    ws, ledger = world
    out = tmp_path / "bao-cao.xlsx"
    assert report(ws, out).exit_code == 0
    with zipfile.ZipFile(out) as archive:
        assert any(n.startswith("xl/charts/chart") for n in archive.namelist())
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["Báo cáo", "Theo đơn vị", "Chưa xác nhận phát", "Nhật ký gửi"]
    log = list(book["Nhật ký gửi"].values)
    expected = log_entries(ledger, LogFilter(campaign="thu-nghiem", limit=None))
    assert len(log) - 1 == len(expected) and log[0][0] == "Thời điểm"
    assert log[1][0] == "01/04/2025 07:00" and log[1][1] == "Lập lịch"  # oldest first, local
    assert ("Đã phát", "Phường Tân Phong") in {(r[1], r[4]) for r in log[1:]}
    missing = {r[0]: r[1] for r in list(book["Chưa xác nhận phát"].values)[1:]}
    assert missing == {"Phường Trung Dũng": 1, "Xã Hiệp Hòa": 1}
    pdf = convert(out, "pdf", tmp_path)
    text = "\n".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
    for expected_text in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                          "Kính gửi: Ban Tuyên giáo Thành ủy", "Loa truyền thanh",
                          "Cán bộ Tân Phong"):
        assert expected_text in text, expected_text


def test_report_refuses_unknown_campaigns_and_formats(world, tmp_path):
    ws, _ = world
    bad = report(ws, tmp_path / "bao-cao.pdf")
    assert bad.exit_code == 2 and ".docx hoặc .xlsx" in bad.output
    unknown = CliRunner().invoke(main, ["report", "khong-co", "--out", str(tmp_path / "x.docx"),
                                        "-w", str(ws.root)])
    assert unknown.exit_code == 2 and "khong-co" in unknown.output
    assert not (tmp_path / "x.docx").exists()


def test_dates_follow_the_administrative_style():
    assert vn_place_date("Biên Hòa", date(2025, 2, 5)) == "Biên Hòa, ngày 05 tháng 02 năm 2025"
    assert vn_place_date("Biên Hòa", date(2025, 3, 15)) == "Biên Hòa, ngày 15 tháng 3 năm 2025"
    assert vn_place_date(None, date(2025, 12, 1)) == "Ngày 01 tháng 12 năm 2025"


def test_chart_is_a_png_scaled_to_the_largest_count(world):
    ws, ledger = world
    from io import BytesIO

    from PIL import Image

    data = build_report(ws, ledger, "thu-nghiem", today=date(2025, 5, 8))
    image = Image.open(BytesIO(chart_png(data))).convert("RGB")
    assert image.size == (1200, 560)
    planned_blue = (144, 202, 249)
    columns = {x for x in range(image.width) for y in range(100, 480, 20)
               if image.getpixel((x, y)) == planned_blue}
    assert columns, "no 'Kế hoạch' bars drawn"
