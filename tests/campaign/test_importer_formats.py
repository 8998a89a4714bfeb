"""Formats the importer reads (docx, pdf text layer) with files the tests generate, bad files,
and the `campaign import` command end to end (exit status 2, nothing written on error)."""

from __future__ import annotations

import ctypes
import json
from pathlib import Path

import docx
import pytest
import yaml
from click.testing import CliRunner
from PIL import Image

from assets.led import DEFAULT_FONT
from campaign.cli import main
from campaign.definition import Campaign
from campaign.errors import InputError
from campaign.importer import import_file
from campaign.importer.reading import read_document

DOCS = Path(__file__).parent / "importer_docs"
FONT = DEFAULT_FONT  # the font we ship: no system font needed on a bare machine

BODY = [
    "Kính gửi: UBND các phường, xã.",
    "Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị, đề nghị các đơn vị "
    "tuyên truyền trên hệ thống loa truyền thanh và bảng LED.",
    "Kết quả báo cáo về Phòng Văn hóa và Thông tin trước ngày 15/3/2025./.",
    "Nơi nhận:",
    "- Như trên;",
    "- Lưu: VT.",
    "TRƯỞNG PHÒNG",
    "Lê Thị Hoa",
]


def make_docx(path: Path) -> Path:
    """A công văn with the usual two-column header table."""
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "UBND THÀNH PHỐ BIÊN HÒA\nPHÒNG VĂN HÓA VÀ THÔNG TIN"
    table.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    table.cell(1, 0).text = "Số: 215/PVHTT\nV/v tuyên truyền Nghị quyết số 57-NQ/TW"
    table.cell(1, 1).text = "Biên Hòa, ngày 03 tháng 3 năm 2025"
    for line in BODY:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def make_pdf(path: Path, lines: list[str]) -> Path:
    """A PDF with a real text layer: DejaVu Sans embedded through PDFium (covers Vietnamese)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument.new()
    data = FONT.read_bytes()
    buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
    font = raw.FPDFText_LoadFont(pdf.raw, buffer, len(data), raw.FPDF_FONT_TRUETYPE, True)
    page = pdf.new_page(595, 842)
    y = 800.0
    for line in lines:
        obj = raw.FPDFPageObj_CreateTextObj(pdf.raw, font, 9.0)
        text = ctypes.create_string_buffer((line + "\0").encode("utf-16-le"))
        raw.FPDFText_SetText(obj, ctypes.cast(text, ctypes.POINTER(raw.FPDF_WCHAR)))
        raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 30, y)
        raw.FPDFPage_InsertObject(page.raw, obj)
        y -= 14
    raw.FPDFPage_GenerateContent(page.raw)
    pdf.save(str(path))
    pdf.close()
    return path


def check_cong_van_215(result_json: dict) -> None:
    (doc,) = result_json["documents"]
    assert doc["kind"] == "Công văn"
    assert doc["number"] == "215/PVHTT"
    assert doc["issuer"] == "Phòng Văn hóa và Thông tin"
    assert (doc["place"], doc["date"], doc["year"]) == ("Biên Hòa", "2025-03-03", 2025)
    assert doc["subject"] == "tuyên truyền Nghị quyết số 57-NQ/TW"
    assert doc["recipients"] == ["UBND các phường, xã"]
    assert doc["references"] == [{"kind": "Nghị quyết", "number": "57-NQ/TW",
                                  "date": "2024-12-22", "issuer": "Bộ Chính trị"}]
    assert doc["channels"] == ["loudspeaker", "led"]
    assert [d["date"] for d in doc["deadlines"]] == ["2025-03-15"]
    assert doc["signer"] == {"name": "Lê Thị Hoa", "title": "TRƯỞNG PHÒNG"}
    assert doc["copies_to"] == ["Như trên"]
    assert result_json["campaign"]["targets"] == ["phuong-xa"]
    assert set(result_json["campaign"]["schedule"]) == {"led", "loudspeaker"}


def test_docx_with_header_table(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "cv-215.docx")
    check_cong_van_215(import_file(path).to_json())


@pytest.mark.skipif(not FONT.exists(), reason="DejaVu Sans not installed")
def test_pdf_text_layer(tmp_path: Path) -> None:
    header = ["UBND THÀNH PHỐ BIÊN HÒA", "PHÒNG VĂN HÓA VÀ THÔNG TIN",
              "Số: 215/PVHTT", "V/v tuyên truyền Nghị quyết số 57-NQ/TW",
              "Biên Hòa, ngày 03 tháng 3 năm 2025"]
    path = make_pdf(tmp_path / "cv-215.pdf", header + BODY)
    assert read_document(path).format == "pdf"
    check_cong_van_215(import_file(path).to_json())


def bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    """name → (file, words the Vietnamese message must contain)."""
    (tmp / "rong.txt").write_bytes(b"")
    (tmp / "nhi-phan.txt").write_bytes(bytes(range(256)) * 4)
    (tmp / "english.txt").write_text("This is an ordinary English memo about the weekly "
                                     "meeting schedule and nothing else at all.\n" * 3)
    (tmp / "hong.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp / "hong.pdf").write_bytes(b"%PDF-1.4\n garbage")
    (tmp / "bang.xlsx").write_bytes(b"whatever")
    (tmp / "cu.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    Image.new("RGB", (400, 560), "white").save(tmp / "ban-quet.pdf")
    return {
        "missing": (tmp / "khong-co.txt", "Không tìm thấy tệp"),
        "empty": (tmp / "rong.txt", "Tệp rỗng"),
        "binary": (tmp / "nhi-phan.txt", "không phải văn bản UTF-8"),
        "english": (tmp / "english.txt", "không phải tiếng Việt"),
        "bad docx": (tmp / "hong.docx", "Không đọc được tệp Word"),
        "bad pdf": (tmp / "hong.pdf", "Không đọc được tệp PDF"),
        "xlsx": (tmp / "bang.xlsx", "Không hỗ trợ loại tệp"),
        "doc": (tmp / "cu.doc", "Word cũ"),
        "scanned": (tmp / "ban-quet.pdf", "không có lớp chữ"),
    }


def test_bad_files_raise_input_error_naming_the_file(tmp_path: Path) -> None:
    for name, (path, words) in bad_files(tmp_path).items():
        with pytest.raises(InputError) as info:
            import_file(path)
        problem = info.value.problems[0]
        assert problem.file == str(path), name
        assert words in problem.message, (name, problem.message)
        assert problem.fix, name


def test_cli_bad_files_exit_2_and_write_nothing(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "campaigns" / "x.yaml"
    for name, (path, words) in bad_files(tmp_path).items():
        result = runner.invoke(main, ["import", str(path), "-o", str(out)])
        assert result.exit_code == 2, (name, result.output)
        assert words in result.output, name
        assert "Cách sửa" in result.output
        assert not out.exists()
    assert not (tmp_path / "campaigns").exists()


def test_cli_writes_draft_and_refuses_to_overwrite(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "campaigns" / "bao-ve-moi-truong.yaml"
    source = DOCS / "ke_hoach_hai_cot.md"
    result = runner.invoke(main, ["import", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Đã ghi bản nháp" in result.output
    written = out.read_text(encoding="utf-8")
    Campaign.model_validate(yaml.safe_load(written))
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left

    out.write_text("# của tôi\n", encoding="utf-8")
    again = runner.invoke(main, ["import", str(source), "-o", str(out)])
    assert again.exit_code == 2
    assert "--force" in again.output
    assert out.read_text(encoding="utf-8") == "# của tôi\n"

    forced = runner.invoke(main, ["import", str(source), "-o", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert out.read_text(encoding="utf-8") == written


def test_cli_json_and_stdout_yaml(tmp_path: Path) -> None:
    runner = CliRunner()
    path = make_docx(tmp_path / "cv-215.docx")
    result = runner.invoke(main, ["import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    check_cong_van_215(data)
    Campaign.model_validate(data["campaign"])

    plain = runner.invoke(main, ["import", str(path)])
    assert plain.exit_code == 0
    assert plain.output.startswith("# Bản nháp chiến dịch")
    assert Campaign.model_validate(yaml.safe_load(plain.output)).targets == ["phuong-xa"]


def test_cli_help_is_vietnamese_with_example() -> None:
    result = CliRunner().invoke(main, ["import", "--help"])
    assert result.exit_code == 0
    assert "Nhập văn bản chỉ đạo" in result.output
    assert "campaign import cv-1587.docx -o campaigns/nq57.yaml" in result.output
