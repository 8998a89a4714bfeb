"""Read a printed design back: rasterise the front page, OCR it (Tesseract, vie), compare.

The size gate in :mod:`assets.print.render` guarantees letters are large enough; this check
guarantees they are the right letters (a missing glyph, a font without Vietnamese marks or a
colour mix-up shows up as a low similarity). Uses ``pdftoppm`` (poppler-utils) and
``tesseract`` (tesseract-ocr, tesseract-ocr-vie).
"""

from __future__ import annotations

import difflib
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageOps

TARGET_PX = 2400
"""Longest side of the page image given to Tesseract: enough for banner letters, fast."""
MIN_SIMILARITY = 0.9


@dataclass(frozen=True)
class ReadBack:
    text: str
    similarity: float

    @property
    def ok(self) -> bool:
        return self.similarity >= MIN_SIMILARITY


def comparable(text: str) -> str:
    """Upper-case NFC letters and digits separated by single spaces."""
    text = unicodedata.normalize("NFC", text).upper()
    kept = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(kept.split())


def similarity(expected: str, got: str) -> float:
    return difflib.SequenceMatcher(None, comparable(expected), comparable(got),
                                   autojunk=False).ratio()


def _need(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise RuntimeError(f"Thiếu chương trình '{tool}' để kiểm tra chữ in. Cách sửa: cài gói "
                           f"{package} (make test-deps).")
    return path


def rasterise(pdf: Path, width_mm: float, height_mm: float) -> Image.Image:
    """The first page as RGB, at a resolution that puts the longest side near TARGET_PX."""
    tool = _need("pdftoppm", "poppler-utils")
    longest_in = max(width_mm, height_mm) / 25.4
    dpi = max(4, min(300, int(TARGET_PX / longest_in)))
    with tempfile.TemporaryDirectory() as tmp:
        stem = Path(tmp) / "page"
        subprocess.run([tool, "-f", "1", "-l", "1", "-r", str(dpi), "-png", "-singlefile",
                        str(pdf), str(stem)], check=True, capture_output=True, timeout=120)
        with Image.open(f"{stem}.png") as img:
            return img.convert("RGB")


def ocr(image: Image.Image) -> str:
    """Yellow letters become black on white (the red ground and the white slug both white),
    then Tesseract reads them."""
    tool = _need("tesseract", "tesseract-ocr tesseract-ocr-vie")
    _, green, blue = image.convert("RGB").split()
    letters = ImageChops.multiply(green.point(lambda v: 255 if v > 150 else 0),
                                  blue.point(lambda v: 255 if v < 120 else 0))
    binary = ImageOps.invert(letters)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.png"
        ImageOps.expand(binary, border=20, fill=255).save(path)
        done = subprocess.run([tool, str(path), "stdout", "-l", "vie", "--psm", "6"],
                              check=True, capture_output=True, timeout=120)
    return done.stdout.decode("utf-8", "replace")


def read_back(pdf: Path, slogan: str, width_mm: float, height_mm: float) -> ReadBack:
    text = ocr(rasterise(pdf, width_mm, height_mm))
    return ReadBack(text=" ".join(text.split()), similarity=similarity(slogan, text))
