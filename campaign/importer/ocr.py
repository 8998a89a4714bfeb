"""Scanned pages read with Tesseract's Vietnamese model.

Many documents reach a centre as a scan: the signed paper, photographed or run through a copier.
Each page is rendered by poppler's ``pdftoppm`` and read by the ``tesseract`` command with the
``vie`` model (Debian: tesseract-ocr-vie). The command-line tools are used rather than a binding
so a crash or a runaway page is a child process we can time out, not our own memory.

Tesseract reports a confidence per word; a page's confidence is the mean over its words. A page
with ink but almost no confident words is unreadable and named in the message; only when no page
can be read is the document refused.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assets.systools import PACKAGES, apt_line, find
from campaign.errors import InputError

DPI = 300
PAGE_TIMEOUT = 120          # seconds per page, rendering or reading
MIN_CONFIDENCE = 45.0       # mean word confidence under which a page is unreadable
MIN_WORDS = 8               # fewer confident words than this: nothing to read
APT_LINE = apt_line(PACKAGES["tesseract"], "tesseract-ocr-vie", PACKAGES["pdftoppm"])


@dataclass(frozen=True)
class OcrPage:
    number: int             # 1-based page number in the PDF
    text: str
    confidence: float       # mean word confidence, 0–100
    words: int

    @property
    def readable(self) -> bool:
        return self.words >= MIN_WORDS and self.confidence >= MIN_CONFIDENCE


def tools_missing() -> list[str]:
    """Commands or models OCR needs that this machine lacks."""
    missing = [tool for tool in ("pdftoppm", "tesseract") if find(tool) is None]
    if "tesseract" not in missing:
        listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True,
                                timeout=30, check=False)
        if "vie" not in listed.stdout.split():
            missing.append("tesseract-ocr-vie")
    return missing


def _env() -> dict[str, str]:
    # One thread per tesseract: the machine's cores are shared with the scheduler.
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def render_page(pdf: Path, number: int, out_dir: Path, dpi: int = DPI) -> Path:
    """Page ``number`` of ``pdf`` as a greyscale PGM in ``out_dir`` (uncompressed: encoding a
    PNG costs as much as reading it back)."""
    prefix = out_dir / f"p{number}"
    subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-f", str(number),
                    "-l", str(number), "-singlefile", str(pdf), str(prefix)],
                   check=True, capture_output=True, timeout=PAGE_TIMEOUT)
    return prefix.with_suffix(".pgm")


def read_image(image: Path, number: int) -> OcrPage:
    """Text and confidence of one page image (Tesseract TSV output: one row per word)."""
    done = subprocess.run(["tesseract", str(image), "stdout", "-l", "vie", "--psm", "3", "tsv"],
                          check=True, capture_output=True, timeout=PAGE_TIMEOUT, env=_env())
    rows = csv.DictReader(io.StringIO(done.stdout.decode("utf-8", "replace")),
                          delimiter="\t", quoting=csv.QUOTE_NONE)
    lines: dict[tuple[str, str, str], list[str]] = {}
    confidences: list[float] = []
    for row in rows:
        word = (row.get("text") or "").strip()
        try:
            conf = float(row.get("conf") or -1)
        except ValueError:
            conf = -1
        if not word or conf < 0:
            continue
        key = (row["block_num"], row["par_num"], row["line_num"])
        lines.setdefault(key, []).append(word)
        confidences.append(conf)
    text_lines: list[str] = []
    previous_block = None
    for (block, par, _line), words in lines.items():
        if previous_block is not None and (block, par) != previous_block:
            text_lines.append("")
        previous_block = (block, par)
        text_lines.append(" ".join(words))
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return OcrPage(number=number, text="\n".join(text_lines), confidence=mean,
                   words=len(confidences))


def ocr_pages(pdf: Path, numbers: list[int],
              progress: Callable[[int], None] | None = None) -> list[OcrPage]:
    """OCR the given pages of ``pdf``; ``progress`` is called after each page."""
    missing = tools_missing()
    if missing:
        raise InputError.single(
            pdf, "Tệp PDF là bản quét (không có lớp chữ); máy này chưa cài công cụ nhận dạng "
                 f"chữ (OCR): thiếu {', '.join(missing)}.",
            fix=f"Cài bằng lệnh: {APT_LINE} — rồi nhập lại; hoặc xin bản .docx của văn bản.")
    pages: list[OcrPage] = []
    with tempfile.TemporaryDirectory(prefix="campaign-ocr-") as temp:
        for number in numbers:
            try:
                image = render_page(pdf, number, Path(temp))
                pages.append(read_image(image, number))
                image.unlink(missing_ok=True)
            except subprocess.TimeoutExpired:
                pages.append(OcrPage(number, "", 0.0, 0))
            except subprocess.CalledProcessError as exc:
                detail = exc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] \
                    if exc.stderr else []
                raise InputError.single(
                    pdf, f"Không đọc được trang {number} của tệp PDF quét"
                         + (f" ({detail[0]})" if detail else "") + ".",
                    fix="Quét lại văn bản thành PDF mới, hoặc xin bản .docx.") from None
            if progress:
                progress(number)
    return pages
