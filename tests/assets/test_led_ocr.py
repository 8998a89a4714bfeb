"""Legibility, measured: real Tesseract (``vie``) reads the rendered frames back.

Frames are upscaled 2× (pixel-exact, then a slight blur that stands in for the viewing
distance), inverted to dark-on-light and OCR'd; the character accuracy over a varied set of
slogans with heavy diacritics must reach 99 % on each board size and colour mode.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import unicodedata
from io import BytesIO

import pytest
from PIL import Image, ImageFilter, ImageOps

from assets.led import render_frames

SLOGANS = [
    "KHOA HỌC, CÔNG NGHỆ LÀ ĐỘT PHÁ HÀNG ĐẦU",
    "TOÀN DÂN ĐOÀN KẾT XÂY DỰNG ĐỜI SỐNG VĂN HÓA Ở KHU DÂN CƯ",
    "Nhiệt liệt chào mừng Đại hội Đảng bộ phường lần thứ XIV",
    "Phòng chống dịch sốt xuất huyết: diệt lăng quăng, bọ gậy",
    "Ưu tiên người cao tuổi, phụ nữ mang thai và trẻ em",
    "Chủ động ứng phó với bão lũ, bảo đảm an toàn tính mạng",
    "Sống, chiến đấu, lao động và học tập theo gương Bác Hồ vĩ đại",
    "Hãy nói không với ma túy",
    "Đường phố văn minh, sạch đẹp, trật tự, an toàn",
    "Giữ gìn vệ sinh môi trường là trách nhiệm của mỗi người dân",
    "Tiết kiệm điện là góp phần bảo vệ tài nguyên quốc gia",
    "Thực hiện nghiêm Luật Trật tự, an toàn giao thông đường bộ năm 2024",
    "Kỷ niệm ngày Quốc khánh, mừng Tổ quốc thống nhất",
    "Nghiêm cấm đốt pháo, thả đèn trời dịp lễ hội",
    "Uống nước nhớ nguồn, ăn quả nhớ người trồng cây",
    "Tuổi trẻ xung kích, sáng tạo, tình nguyện vì cộng đồng",
]
BOARDS = [(192, 96, "mono"), (192, 96, "full"), (384, 192, "mono"), (384, 192, "full")]

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None,
                                reason="cần gói tesseract-ocr và tesseract-ocr-vie (make test)")


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _ocr(frame: Image.Image) -> str:
    grey = frame.convert("L")
    big = grey.resize((grey.width * 2, grey.height * 2), Image.Resampling.NEAREST)
    big = ImageOps.invert(ImageOps.autocontrast(big)).filter(ImageFilter.GaussianBlur(1))
    big = ImageOps.expand(big, 24, fill=255)
    buffer = BytesIO()
    big.save(buffer, format="PNG")
    result = subprocess.run(["tesseract", "stdin", "stdout", "-l", "vie", "--psm", "6"],
                            input=buffer.getvalue(), capture_output=True, timeout=60,
                            check=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    return result.stdout.decode("utf-8")


def accuracy(expected: str, got: str) -> tuple[int, int]:
    """(errors, length): edit-style distance from matching blocks, the larger side."""
    expected, got = _norm(expected), _norm(got)
    matcher = difflib.SequenceMatcher(None, expected, got, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    return max(len(expected), len(got)) - same, len(expected)


def read_back(width: int, height: int, colors: str) -> str:
    """All frames of all slogans stacked on one page, read by one Tesseract run (its start-up,
    loading the Vietnamese model, costs more than reading a frame)."""
    frames = [f for text in SLOGANS for f in render_frames(text, width, height, colors=colors)]
    gap = 8
    page = Image.new("RGB", (width, len(frames) * (height + gap)))
    for index, frame in enumerate(frames):
        page.paste(frame.convert("RGB"), (0, index * (height + gap)))
    return _ocr(page)


def test_accuracy_measure_counts_diacritic_mistakes() -> None:
    assert accuracy("ĐỘT PHÁ", "ĐỘT PHÁ") == (0, 7)
    assert accuracy("ĐỘT PHÁ", "ĐÔT PHA") == (2, 7)


@pytest.mark.parametrize(("width", "height", "colors"), BOARDS)
def test_tesseract_reads_the_frames_back(width: int, height: int, colors: str) -> None:
    got = read_back(width, height, colors)
    expected = " ".join(SLOGANS)
    errors, total = accuracy(expected, got)
    score = 1 - errors / total
    print(f"OCR {width}x{height} {colors}: {score:.2%} of {total} characters")
    if score < 0.99:
        diff = difflib.ndiff(_norm(expected).split(), _norm(got).split())
        changed = [d for d in diff if d[0] in "+-"]
        pytest.fail(f"{width}x{height} {colors}: {score:.2%}; {' '.join(changed)}")
