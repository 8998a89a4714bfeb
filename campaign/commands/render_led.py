"""``campaign render led``: preview a slogan on an LED board before it goes into a campaign.

Uses the same renderer as the planner and the board adapters, so what the operator sees here
is pixel for pixel what the board gets.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from assets.led import render_frames
from campaign.commands._common import SafePath, user_errors
from campaign.errors import InputError, shown_path
from campaign.yamlsrc import os_problem
from channels.led import parse_size

FONT_FIX = "chỉ đến tệp phông .ttf/.otf (TrueType/OpenType) hoặc bỏ --font để dùng phông có sẵn."
FONT_MAGIC = (b"\x00\x01\x00\x00", b"OTTO", b"true", b"ttcf")


def check_font(font: Path) -> None:
    """Refuse a --font that is missing or not a TrueType/OpenType file, before rendering."""
    try:
        with font.open("rb") as handle:
            head = handle.read(4)
    except (OSError, ValueError):
        raise InputError.single("--font", f"Không tìm thấy tệp phông chữ '{shown_path(str(font))}'.",
                                field="font", fix=FONT_FIX) from None
    if head not in FONT_MAGIC:
        raise InputError.single("--font", f"Tệp '{shown_path(str(font))}' không phải phông chữ.",
                                field="font", fix=FONT_FIX)


def frame_paths(out: Path, count: int) -> list[Path]:
    """FILE.png, FILE-2.png, FILE-3.png …: the first frame keeps the name asked for."""
    suffix = out.suffix or ".png"
    stem = out.with_suffix("")
    return [out.with_suffix(suffix) if n == 1 else Path(f"{stem}-{n}{suffix}")
            for n in range(1, count + 1)]


@click.command("led", help="Dựng khẩu hiệu thành khung hình bảng LED (PNG đúng kích thước bảng).")
@click.argument("text")
@click.option("--size", "size", required=True, metavar="RỘNGxCAO",
              help="Kích thước bảng theo điểm ảnh, ví dụ 192x96 hoặc 384x192.")
@click.option("--out", "out", required=True, type=SafePath(dir_okay=False, path_type=Path),
              help="Tệp PNG kết quả; nếu cần nhiều khung sẽ có thêm TỆP-2.png, TỆP-3.png …")
@click.option("--colors", type=click.Choice(["mono", "full"]), default="mono", show_default=True,
              help="mono: bảng một màu (ảnh 1 bit); full: bảng nhiều màu.")
@click.option("--color", type=click.Choice(["red", "yellow", "white", "green"]), default="red",
              show_default=True, help="Màu đèn LED (hoặc màu chữ trên bảng nhiều màu).")
@click.option("--font", "font", type=SafePath(dir_okay=False, path_type=Path), default=None,
              help="Tệp phông chữ .ttf thay cho phông có sẵn (DejaVu Sans Condensed Bold).")
@user_errors
def subcommand(text: str, size: str, out: Path, colors: str, color: str,
               font: Path | None) -> None:
    """Render TEXT and print the path of every frame written."""
    try:
        width, height = parse_size(size)
    except ValueError as exc:
        raise InputError.single("--size", str(exc), field="size",
                                fix="ghi kích thước dạng RỘNGxCAO, ví dụ --size 384x192.") from None
    if font is not None:
        check_font(font)
    if not text.strip():
        raise InputError.single("TEXT", "Khẩu hiệu trống.", fix="nhập nội dung cần hiển thị.")
    try:
        frames = render_frames(text, width, height, colors=colors, color=color,
                               font_path=str(font) if font else None)
    except ValueError as exc:
        raise InputError.single("TEXT", str(exc)) from None
    except OSError:  # Pillow could not use the font after all
        raise InputError.single("--font", f"Không dùng được tệp phông chữ '{font}'.",
                                field="font", fix=FONT_FIX) from None
    paths = frame_paths(out, len(frames))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        for frame, path in zip(frames, paths, strict=True):
            frame.save(path, format="PNG")
    except (OSError, ValueError) as exc:
        for path in paths:  # nothing half-written
            with contextlib.suppress(OSError, ValueError):
                path.unlink(missing_ok=True)
        raise InputError.single(shown_path(str(out)), "Không ghi được tệp kết quả "
                                f"({os_problem(exc) if isinstance(exc, OSError) else 'tên lạ'}).",
                                fix="chọn --out trong một thư mục có quyền ghi.") from None
    if len(frames) > 1:
        click.echo(f"Khẩu hiệu dài, đã chia thành {len(frames)} khung hình {width}x{height}:")
    else:
        click.echo(f"Đã dựng 1 khung hình {width}x{height}:")
    for path in paths:
        click.echo(str(path))
