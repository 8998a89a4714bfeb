"""LED frames per second at 192x96 and 384x192, fonts cached.

Each timed frame runs the whole pipeline: fitting (font size search, balanced wrap, paging)
and drawing. Layout measurement caches are cleared before every frame so that only the loaded
fonts are reused, as in a fresh planner run over new slogans. The floor is a bare Pillow
``ImageDraw.text`` of the same strings at a fixed size on the same board, in the same run: the
least any renderer must do, so ratio = value/floor shows what fitting costs.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFont

from assets.led import DEFAULT_FONT, load_font, render_frames
from assets.led import render as led_render

SLOGANS = [
    "KHOA HỌC, CÔNG NGHỆ LÀ ĐỘT PHÁ HÀNG ĐẦU",
    "Toàn dân đoàn kết xây dựng đời sống văn hóa ở khu dân cư",
    "Nhiệt liệt chào mừng Đại hội Đảng bộ phường lần thứ XIV",
    "Phòng chống dịch sốt xuất huyết: diệt lăng quăng, bọ gậy",
    "Chủ động ứng phó với bão lũ, bảo đảm an toàn tính mạng",
    "Hãy nói không với ma túy",
]
BOARDS = [(192, 96), (384, 192)]
SECONDS = 1.5


def _rate(step: Callable[[], int], seconds: float = SECONDS) -> float:
    """Frames per second of ``step()`` (which returns how many frames it made)."""
    frames, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        frames += step()
    return frames / elapsed


def _pipeline(width: int, height: int, texts: itertools.cycle) -> int:
    """One slogan through fitting and drawing, with only the fonts cached."""
    led_render._text_length.cache_clear()
    led_render._ink_box.cache_clear()
    return len(render_frames(next(texts), width, height))


def _bare(width: int, height: int, texts: itertools.cycle, font: ImageFont.FreeTypeFont) -> int:
    """The floor: one ImageDraw.text call at a fixed size, no fitting."""
    image = Image.new("1", (width, height), 0)
    ImageDraw.Draw(image).text((1, 1), next(texts), font=font, fill=1)
    return 1


def run() -> list[dict]:
    results: list[dict] = []
    for width, height in BOARDS:
        for text in SLOGANS:  # warm the font cache: loading is not what we measure
            render_frames(text, width, height)
        font = load_font(str(DEFAULT_FONT), height // 6)
        floor = _rate(functools.partial(_bare, width, height, itertools.cycle(SLOGANS), font))
        value = _rate(functools.partial(_pipeline, width, height, itertools.cycle(SLOGANS)))
        results.append({"name": f"led_frames_{width}x{height}", "value": round(value, 1),
                        "unit": "frames/s", "floor": round(floor, 1),
                        "ratio": round(value / floor, 3)})
    return results


if __name__ == "__main__":
    for row in run():
        print(row)
