"""Scanned PDFs read by Tesseract (vie) and .doc/.odt read through LibreOffice, made from a
document written for the tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from campaign.errors import InputError
from campaign.importer import import_file
from campaign.importer import ocr as ocr_module
from tests.campaign.importer_docs.build import (
    make_docx,
    make_pdf,
    make_scanned_pdf,
    soffice_convert,
)

LINES = [
    "ỦY BAN NHÂN DÂN", "PHƯỜNG HỐ NAI", "Số: 58/KH-UBND", "Hố Nai, ngày 09 tháng 9 năm 2025",
    "", "KẾ HOẠCH", "Tuyên truyền Ngày Pháp luật Việt Nam năm 2025", "",
    "Thực hiện Kế hoạch số 301/KH-UBND ngày 20/8/2025 của UBND thành phố,",
    "Ủy ban nhân dân phường xây dựng kế hoạch như sau:", "",
    "I. HÌNH THỨC TUYÊN TRUYỀN",
    "- Phát trên hệ thống loa truyền thanh của phường;",
    "- Đăng tải trên trang Zalo của phường.", "",
    "II. TỔ CHỨC THỰC HIỆN",
    "Các khu phố báo cáo kết quả trước ngày 15/11/2025./.",
]


def _check(doc) -> None:  # noqa: ANN001
    assert (doc.kind, doc.number, doc.place) == ("Kế hoạch", "58/KH-UBND", "Hố Nai")
    assert doc.date is not None and doc.date.isoformat() == "2025-09-09"
    assert doc.subject == "Tuyên truyền Ngày Pháp luật Việt Nam năm 2025"
    assert [r.number for r in doc.references] == ["301/KH-UBND"]
    assert doc.channels == ["loudspeaker", "zalo"]
    assert [d.date.isoformat() for d in doc.deadlines if d.date] == ["2025-11-15"]


@pytest.mark.skipif(ocr_module.tools_missing() != [] if shutil.which("tesseract") else True,
                    reason="tesseract-ocr-vie / poppler-utils not installed")
def test_scanned_pdf_is_read_by_ocr_with_confidence_and_warning(tmp_path: Path) -> None:
    scan = make_scanned_pdf(tmp_path / "quet.pdf", LINES)
    result = import_file(scan)
    _check(result.documents[0])
    (page,) = result.ocr
    assert page["page"] == 1 and page["used"] and page["confidence"] > 70
    assert any("OCR" in w and "trang 1" in w for w in result.draft.warnings)
    assert "nhận dạng chữ (OCR)" in result.draft.text
    assert result.to_json()["ocr"] == result.ocr


def test_missing_ocr_tools_give_apt_line(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    scan = tmp_path / "quet.pdf"
    from PIL import Image

    Image.new("L", (300, 400), 255).save(scan)
    monkeypatch.setenv("PATH", str(tmp_path))  # neither pdftoppm nor tesseract found
    with pytest.raises(InputError) as info:
        import_file(scan)
    problem = info.value.problems[0]
    assert "OCR" in problem.message and "tesseract" in problem.message
    assert "apt-get install -y tesseract-ocr tesseract-ocr-vie poppler-utils" in (problem.fix or "")


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")),
                    reason="LibreOffice not installed")
def test_doc_and_odt_through_libreoffice(tmp_path: Path) -> None:
    source = make_docx(tmp_path / "ke-hoach.docx", LINES)
    for fmt in ("odt", "doc"):
        converted = soffice_convert(source, fmt, tmp_path / fmt)
        _check(import_file(converted).documents[0])


def test_doc_without_libreoffice_says_how_to_install(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "cu.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(InputError) as info:
        import_file(old)
    problem = info.value.problems[0]
    assert "LibreOffice" in problem.message
    assert "apt-get install -y libreoffice-writer-nogui" in (problem.fix or "")


def test_text_pdf_is_not_sent_to_ocr(tmp_path: Path) -> None:
    result = import_file(make_pdf(tmp_path / "chu.pdf", LINES))
    _check(result.documents[0])
    assert result.ocr == [] and not result.draft.warnings
