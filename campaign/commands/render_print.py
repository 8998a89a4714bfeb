"""``campaign render print``: a print-ready PDF of a slogan for the print shop.

Uses the same renderer as the ``visual`` channel, so the file here is the file the print shop
gets. ``--ocr`` also reads the page back with Tesseract and refuses a design whose letters do
not read as the slogan.
"""

from __future__ import annotations

from pathlib import Path

import click

from campaign.commands._common import user_errors
from campaign.errors import InputError


@click.command("print", help="Dựng khẩu hiệu thành tệp PDF sẵn sàng in (băng rôn, phướn, pano, "
                             "áp phích, tờ rơi) theo kiểu chữ vàng trên nền đỏ.")
@click.argument("text")
@click.option("--kind", "kind", required=True,
              type=click.Choice(["bang-ron", "phuon", "pano", "ap-phich", "to-roi"]),
              help="Loại ấn phẩm.")
@click.option("--size", "size", default=None, metavar="KHỔ",
              help="Khổ in, ví dụ 5x0.8 hoặc 3x1 (mét) cho băng rôn, A3/A2/A1 cho áp phích, "
                   "A5/A4 cho tờ rơi. Mặc định: khổ đầu tiên của loại.")
@click.option("--text", "back", default=None,
              help="Nội dung mặt sau (tờ rơi hai mặt).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Tệp PDF kết quả.")
@click.option("--ocr/--no-ocr", "check_ocr", default=False, show_default=True,
              help="Đọc lại trang in bằng Tesseract và so với khẩu hiệu (cần tesseract-ocr-vie "
                   "và poppler-utils).")
@user_errors
def subcommand(text: str, kind: str, size: str | None, back: str | None, out: Path,
               check_ocr: bool) -> None:
    """Render TEXT, write the PDF atomically and print what was written."""
    from assets.print import LegibilityError, find_size, render_pdf
    from assets.store import atomic_write

    if not text.strip():
        raise InputError.single("TEXT", "Khẩu hiệu trống.", fix="nhập nội dung cần in.")
    try:
        product = find_size(kind, size)
    except ValueError as exc:
        raise InputError.single("--size", str(exc), field="size",
                                fix="chọn một khổ trong danh sách trên.") from None
    try:
        pdf = render_pdf(text, product, text=back)
    except LegibilityError as exc:
        raise InputError.single("TEXT", str(exc)) from None
    except ValueError as exc:
        raise InputError.single("--size", str(exc)) from None
    if check_ocr:
        import tempfile

        from assets.print.ocr import read_back

        with tempfile.TemporaryDirectory() as tmp:
            probe = Path(tmp) / "probe.pdf"
            probe.write_bytes(pdf)
            try:
                result = read_back(probe, text, product.width_mm, product.height_mm)
            except RuntimeError as exc:
                raise InputError.single("--ocr", str(exc)) from None
        if not result.ok:
            raise InputError.single(
                "TEXT", f"Đọc lại bản in chỉ khớp {result.similarity:.0%} với khẩu hiệu "
                f"(đọc được: '{result.text}').",
                fix="kiểm tra phông chữ có đủ dấu tiếng Việt, hoặc chọn khổ lớn hơn.")
    atomic_write(out, pdf)
    click.echo(f"Đã ghi {out} — {product.label}, {product.width_mm:g} × {product.height_mm:g} mm,"
               f" chừa xén {product.bleed_mm:g} mm.")
