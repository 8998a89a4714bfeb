"""Printed visual materials: PDF boxes with bleed, embedded fonts, OCR read-back, size gate,
the CLI and the visual channel's print-shop folder."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner

from assets.print import LegibilityError, find_size, layout, render_pdf, size_table
from assets.print.ocr import read_back, similarity
from assets.print.render import font_name
from campaign.cli import main
from channels.base import AdapterContext, Delivery, PermanentError, adapter_class
from channels.secrets import SecretResolver

SLOGAN = ("KHOA HỌC, CÔNG NGHỆ, ĐỔI MỚI SÁNG TẠO VÀ CHUYỂN ĐỔI SỐ LÀ ĐỘT PHÁ QUAN TRỌNG "
          "HÀNG ĐẦU")
PT = 72 / 25.4


def boxes(pdf: Path) -> dict[str, tuple[float, ...]]:
    out = subprocess.run(["pdfinfo", "-box", str(pdf)], check=True, capture_output=True,
                         text=True).stdout
    return {m.group(1): tuple(float(v) for v in m.group(2).split())
            for m in re.finditer(r"^(\w+Box):\s+(.+)$", out, re.M)}


def fonts(pdf: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                         text=True).stdout.splitlines()[2:]
    return [line.split() for line in out if line.strip()]


@pytest.mark.parametrize(("kind", "size", "bleed"), [
    ("bang-ron", "5x0.8", 20), ("phuon", "0.8x2.5", 20), ("ap-phich", "A3", 3),
    ("to-roi", "A5", 3)])
def test_pdf_trim_and_bleed_boxes(tmp_path: Path, kind: str, size: str, bleed: float) -> None:
    product = find_size(kind, size)
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(render_pdf(SLOGAN, product))
    got = boxes(pdf)
    x0, y0, x1, y1 = got["TrimBox"]
    assert (x1 - x0) / PT == pytest.approx(product.width_mm, abs=0.05)
    assert (y1 - y0) / PT == pytest.approx(product.height_mm, abs=0.05)
    bx0, by0, bx1, by1 = got["BleedBox"]
    assert (bx1 - bx0) / PT == pytest.approx(product.width_mm + 2 * bleed, abs=0.05)
    assert (x0 - bx0) / PT == pytest.approx(bleed, abs=0.05)
    mx0, my0, mx1, my1 = got["MediaBox"]
    assert mx1 - mx0 > bx1 - bx0 and my1 - my0 > by1 - by0  # room for crop marks


def test_every_font_is_embedded_vector_text(tmp_path: Path) -> None:
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(render_pdf(SLOGAN, find_size("to-roi", "A4"),
                               text="Kính thưa bà con.\n\nĐoạn hai."))
    rows = fonts(pdf)
    assert rows, "no font: the text was drawn as an image"
    for row in rows:
        assert row[-5] == "yes", f"font not embedded: {row}"
    doc = pdfium.PdfDocument(str(pdf))
    assert len(doc) == 2
    assert "ĐỔI MỚI" in doc[0].get_textpage().get_text_range().replace("\r\n", " ")


@pytest.mark.parametrize(("kind", "size"), [("bang-ron", "5x0.8"), ("ap-phich", "A2"),
                                            ("phuon", "0.8x2.5")])
def test_tesseract_reads_the_slogan_back(tmp_path: Path, kind: str, size: str) -> None:
    product = find_size(kind, size)
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(render_pdf(SLOGAN, product))
    result = read_back(pdf, SLOGAN, product.width_mm, product.height_mm)
    assert result.ok, result


def test_similarity_notices_a_changed_word() -> None:
    assert similarity(SLOGAN, SLOGAN.lower()) == 1.0
    assert similarity(SLOGAN, SLOGAN.replace("ĐỘT PHÁ", "BƯỚC TIẾN")) < 0.95


def test_wording_is_kept_exactly_and_broken_only_between_words() -> None:
    text = "  Toàn dân  tham gia\nbảo vệ môi trường!  "
    plan = layout(text, 300, 400, font_name())
    assert " ".join(plan.lines) == "Toàn dân tham gia bảo vệ môi trường!"
    assert len(plan.lines) > 1


@pytest.mark.parametrize("slogan, word", [
    ("TOÀN DÂN THAM GIA CHUYỂN ĐỔI SỐ", "THAM GIA"),
    ("ĐẨY MẠNH PHÁT TRIỂN KHOA HỌC, CÔNG NGHỆ VÀ ĐỔI MỚI SÁNG TẠO", "KHOA HỌC"),
    ("NHIỆT LIỆT CHÀO MỪNG ĐẠI HỘI ĐẢNG BỘ THÀNH PHỐ BIÊN HÒA", "BIÊN HÒA"),
])
def test_a_banner_never_splits_a_word_across_lines(slogan: str, word: str) -> None:
    """A 5 × 0.8 m banner has room for two lines: the break falls between words, as on the
    LED boards (it fell inside "THAM | GIA" before)."""
    plan = layout(slogan, 4960 * 2.8346, 760 * 2.8346, font_name())
    assert len(plan.lines) >= 2
    assert any(word in line for line in plan.lines), plan.lines


def test_too_small_for_the_viewing_distance_is_refused() -> None:
    long = " ".join([SLOGAN] * 6)
    with pytest.raises(LegibilityError, match="cần ít nhất 100 mm để đọc được từ 25 m"):
        render_pdf(long, find_size("bang-ron", "5x0.8"))


def test_same_slogan_gives_the_same_bytes() -> None:
    product = find_size("ap-phich", "A3")
    assert render_pdf(SLOGAN, product) == render_pdf(SLOGAN, product)


def test_operators_extend_the_size_table() -> None:
    table = size_table([{"kind": "bang-ron", "name": "6x1", "width_mm": 6000,
                         "height_mm": 1000}])
    product = find_size("bang-ron", "6x1", table)
    assert product.bleed_mm == 20 and product.distance_m == 10
    with pytest.raises(ValueError, match="quá lớn"):
        render_pdf("ĐOÀN KẾT", product)  # wider than one PDF page can be


def test_cli_writes_the_pdf(tmp_path: Path) -> None:
    out = tmp_path / "bang-ron.pdf"
    result = CliRunner().invoke(main, ["render", "print", SLOGAN, "--kind", "bang-ron",
                                       "--size", "3x1", "--out", str(out), "--ocr"])
    assert result.exit_code == 0, result.output
    assert "Đã ghi" in result.output and out.read_bytes().startswith(b"%PDF")


def test_cli_bad_size_and_unreadable_design_exit_2_without_a_file(tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    bad = CliRunner().invoke(main, ["render", "print", "A", "--kind", "ap-phich", "--size",
                                    "A9", "--out", str(out)])
    assert bad.exit_code == 2 and "không có khổ 'A9'" in bad.output and "A3" in bad.output
    tiny = CliRunner().invoke(main, ["render", "print", " ".join([SLOGAN] * 6), "--kind",
                                     "bang-ron", "--out", str(out)])
    assert tiny.exit_code == 2 and "rút gọn khẩu hiệu" in tiny.output
    assert "Traceback" not in bad.output + tiny.output and not out.exists()


# ------------------------------------------------------------------ visual channel
def visual_post(content: dict) -> Delivery:
    now = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)
    return Delivery(post_id=5, post_key="k", campaign_id="nq57", campaign_title="Nghị quyết 57",
                    message_id="m1", channel="visual", priority="normal", content=content,
                    due_at=now, local_due=now.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")),
                    expires_at=now + timedelta(days=7), unit_id="tan-phong",
                    unit_name="Phường Tân Phong")


def visual(tmp_path: Path, **extra):
    cls = adapter_class("visual")
    config = cls.Config.model_validate({
        "id": "bang-ron-tan-phong", "channel": "visual", "unit": "tan-phong",
        "kind": "bang-ron", "size": "3x1", "quantity": 4, "where": "Đường Nguyễn Ái Quốc",
        "deliver": {"via": "folder", "path": "var/in-an"}, **extra})
    return cls(config, AdapterContext(secrets=SecretResolver({}, environ={}), workspace=tmp_path,
                                      media_dir=tmp_path, var_dir=tmp_path / "var"))


def test_visual_writes_pdfs_and_order_sheet(tmp_path: Path) -> None:
    receipt = visual(tmp_path).deliver(visual_post({"slogans": [SLOGAN, "ĐOÀN KẾT"]}))
    folder = tmp_path / "var/in-an" / receipt.external_id
    assert sorted(p.name for p in folder.iterdir()) == [
        "01-bang-ron-3x1.pdf", "02-bang-ron-3x1.pdf", "phieu-in.json", "phieu-in.txt"]
    sheet = json.loads((folder / "phieu-in.json").read_text(encoding="utf-8"))
    assert sheet["quantity"] == 4 and sheet["slogans"][0] == SLOGAN
    assert sheet["where"] == "Đường Nguyễn Ái Quốc" and sheet["hang_from"] == "2025-03-03"
    assert receipt.evidence == "written"


def test_visual_refuses_an_unreadable_design_as_permanent(tmp_path: Path) -> None:
    with pytest.raises(PermanentError, match="rút gọn khẩu hiệu"):
        visual(tmp_path).deliver(visual_post({"slogans": [" ".join([SLOGAN] * 6)]}))
    assert not (tmp_path / "var/in-an").exists()
