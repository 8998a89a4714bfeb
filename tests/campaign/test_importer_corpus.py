"""The measured test set (tests/campaign/importer_docs/corpus): every document, as text, as
.docx and as a PDF text layer, gives the facts a person reads in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaign.importer import extract_documents, import_file
from campaign.importer.citation import read_citation_line
from campaign.importer.cleanup import clean_lines
from tests.campaign.importer_docs.build import FONT, make_docx, make_pdf
from tests.campaign.importer_docs.corpus import CORPUS, actual, cases, lines_of, score

CASES = cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_text(name: str) -> None:
    docs = extract_documents((CORPUS / name).read_text(encoding="utf-8"))
    right, counted, misses = score(actual(docs[0]), CASES[name])
    assert not misses, misses


@pytest.mark.parametrize("name", sorted(CASES))
def test_docx_and_pdf(name: str, tmp_path: Path) -> None:
    lines = lines_of(name)
    made = [make_docx(tmp_path / "x.docx", lines)]
    if FONT.exists():
        made.append(make_pdf(tmp_path / "x.pdf", lines))
    for path in made:
        result = import_file(path)
        right, counted, misses = score(actual(result.documents[0]), CASES[name])
        assert right / counted >= 0.9, (path.suffix, misses)


def test_portal_citation_line_parts() -> None:
    citation = read_citation_line(clean_lines(
        "Thông báo số 5/TB-UBND ngày 2 tháng 3 năm 2021 của UBND thị xã Long Khánh về việc "
        "lịch tiếp công dân\n\nNội dung."))
    assert citation is not None
    assert (citation.kind, citation.number, citation.date.isoformat(), citation.issuer,
            citation.place, citation.subject) == (
        "Thông báo", "5/TB-UBND", "2021-03-02", "UBND thị xã Long Khánh", "Long Khánh",
        "lịch tiếp công dân")
    assert read_citation_line(["Căn cứ Luật Tổ chức chính quyền địa phương;"]) is None


def test_table_header_split_words_and_dates() -> None:
    lines = [line for line in clean_lines(
        "| UBND XÃ AN PHƯỚC | CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM |\n|---|---|\n"
        "| Số: 9/KH-UBND | An Phước, ngày 7 |\n| | tháng 5 năm 2021 |\n\nKẾ\nHOẠCH\n"
        "Tuyên truyền an toàn giao thông\n") if line]
    assert "An Phước, ngày 7 tháng 5 năm 2021" in lines
    assert "KẾ HOẠCH" in lines
    assert not any("|" in line or set(line) <= set("-|") for line in lines)
