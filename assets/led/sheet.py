"""Contact sheet: every frame of a board on one PNG, each with when and how long it shows.

A leader approves what the public will read; a single picture with the real pixels (scaled up
without smoothing, so it looks like the board) and the times under each frame is what they
can check at a glance and attach to the approval record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from assets.led.playlist import PlaylistItem
from assets.led.render import DEFAULT_FONT, load_font


@dataclass(frozen=True)
class SheetEntry:
    """One frame and the caption lines printed under it (times, dwell, title)."""

    frame: Image.Image
    caption: tuple[str, ...]


def item_caption(item: PlaylistItem, page: int = 1, pages: int = 1) -> tuple[str, ...]:
    """Vietnamese caption for a frame of a playlist item: order, dwell, day parts, validity."""
    parts = ", ".join(p.label() for p in item.day_parts) or "cả ngày"
    if item.valid_from or item.valid_to:
        start = item.valid_from.strftime("%d/%m/%Y") if item.valid_from else "…"
        end = item.valid_to.strftime("%d/%m/%Y") if item.valid_to else "…"
        validity = f"{start} – {end}"
    else:
        validity = "không giới hạn ngày"
    head = f"#{item.order} · khung {page}/{pages} · {item.dwell} giây"
    if item.emergency:
        head += " · KHẨN CẤP"
    lines = [head, f"Giờ phát: {parts}", f"Hiệu lực: {validity}"]
    if item.title:
        lines.insert(0, item.title)
    return tuple(lines)


def contact_sheet(entries: Sequence[SheetEntry], *, title: str = "", scale: int = 2,
                  columns: int | None = None, out: str | Path | None = None) -> Image.Image:
    """Lay out ``entries`` in a grid on a white page; save to ``out`` (PNG) if given."""
    if not entries:
        raise ValueError("Không có khung hình nào để đưa vào bảng duyệt.")
    scale = max(1, int(scale))
    fw = max(e.frame.width for e in entries) * scale
    fh = max(e.frame.height for e in entries) * scale
    cols = columns or max(1, min(len(entries), 1600 // (fw + 24) or 1))
    rows = (len(entries) + cols - 1) // cols
    font = load_font(str(DEFAULT_FONT), 14)
    title_font = load_font(str(DEFAULT_FONT), 20)
    line_h = 18
    caption_lines = max(len(e.caption) for e in entries)
    pad = 12
    cell_w = fw + 2 * pad
    cell_h = fh + 2 * pad + caption_lines * line_h
    head = 40 if title else 0
    sheet = Image.new("RGB", (cols * cell_w, head + rows * cell_h), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((pad, 10), title, font=title_font, fill=(0, 0, 0))
    for index, entry in enumerate(entries):
        row, col = divmod(index, cols)
        x, y = col * cell_w + pad, head + row * cell_h + pad
        frame = entry.frame.convert("RGB").resize(
            (entry.frame.width * scale, entry.frame.height * scale), Image.Resampling.NEAREST)
        draw.rectangle((x - 2, y - 2, x + frame.width + 1, y + frame.height + 1),
                       outline=(90, 90, 90), width=2)
        sheet.paste(frame, (x, y))
        for n, line in enumerate(entry.caption):
            draw.text((x, y + frame.height + 6 + n * line_h), line, font=font, fill=(0, 0, 0))
    if out is not None:
        sheet.save(out, format="PNG")
    return sheet


def playlist_sheet(items: Sequence[PlaylistItem], frames_dir: str | Path, *, title: str = "",
                   scale: int = 2, out: str | Path | None = None) -> Image.Image:
    """The approval sheet of a board's playlist: every frame of every item, in play order,
    captioned with its dwell, day parts and validity (frames read from ``frames_dir``)."""
    folder = Path(frames_dir)
    entries: list[SheetEntry] = []
    for item in sorted(items, key=lambda i: (not i.emergency, i.order, i.id)):
        for page, name in enumerate(item.frames, start=1):
            with Image.open(folder / name) as frame:
                frame.load()
                entries.append(SheetEntry(frame.copy(),
                                          item_caption(item, page, len(item.frames))))
    return contact_sheet(entries, title=title, scale=scale, out=out)
