"""The importer on its written test set: fact-level accuracy and OCR throughput.

``import_fact_accuracy``: every document of tests/campaign/importer_docs/corpus read as text,
as .docx, as a PDF text layer and as a scanned PDF (pages rendered to images, read by OCR); the
facts (kind, number, date, place, issuer, subject, recipients, references, channels, deadlines)
scored against the ones written beside the documents. The floor is the target, 0.97.

``import_draft_accuracy``: the documents of tests/campaign/importer_docs/drafts/expected.json
(which state weekdays, times, periods, content sections and slogan lists) read as text, .docx,
a PDF text layer and a scanned PDF; each draft scored on its period, each channel's days, times and LED hours,
each listed slogan used verbatim (spurious ones count against), and each message's title, text
and script in sentence case. The floor is the target, 0.95.

``import_ocr_pages_per_min``: our OCR path (pdftoppm render, tesseract TSV, confidence) on the
scanned pages, beside the bare ``tesseract IMAGE stdout -l vie`` command on the same pages
already rendered, in the same run: ratio = value/floor shows what our path adds.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from campaign.importer import import_file
from campaign.importer.ocr import DPI, ocr_pages, render_page, tools_missing
from tests.campaign.importer_docs import drafts
from tests.campaign.importer_docs.build import make_docx, make_pdf, make_scanned_pdf
from tests.campaign.importer_docs.corpus import CORPUS, actual, cases, lines_of, score

TARGET = 0.97
DRAFT_TARGET = 0.95


def _accuracy(temp: Path) -> tuple[float, list[Path], list[str]]:
    right = counted = 0
    scans: list[Path] = []
    misses: list[str] = []
    for name, want in cases().items():
        lines = lines_of(name)
        stem = Path(name).stem
        variants = [CORPUS / name, make_docx(temp / f"{stem}.docx", lines),
                    make_pdf(temp / f"{stem}.pdf", lines)]
        if not tools_missing():
            scan = make_scanned_pdf(temp / f"{stem}-quet.pdf", lines)
            scans.append(scan)
            variants.append(scan)
        for path in variants:
            result = import_file(path)
            got_right, got_counted, got_misses = score(actual(result.documents[0]), want)
            right += got_right
            counted += got_counted
            misses.extend(f"{path.name}: {miss}" for miss in got_misses)
    return right / counted, scans, misses


def _draft_accuracy(temp: Path) -> tuple[float, list[str]]:
    right = counted = 0
    misses: list[str] = []
    for name, want in drafts.cases().items():
        source = drafts.HERE / name
        lines = source.read_text(encoding="utf-8").split("\n")
        stem = f"draft-{source.stem}"
        variants = [source, make_docx(temp / f"{stem}.docx", lines),
                    make_pdf(temp / f"{stem}.pdf", lines)]
        if not tools_missing():
            variants.append(make_scanned_pdf(temp / f"{stem}-quet.pdf", lines))
        for path in variants:
            draft = import_file(path).draft
            got_right, got_counted, got_misses = drafts.score(draft.campaign, draft.text, want,
                                                              made_slogans=True)
            right += got_right
            counted += got_counted
            misses.extend(f"{path.name}: {miss}" for miss in got_misses)
    return right / counted, misses


def _ocr_rates(scans: list[Path], temp: Path) -> tuple[float, float]:
    """Pages per minute: ours (render + read + confidence), and bare tesseract on the same
    rendered pages."""
    start = time.perf_counter()
    pages = sum(len(ocr_pages(scan, [1])) for scan in scans)
    ours = pages / (time.perf_counter() - start) * 60
    images = [render_page(scan, 1, temp, DPI).rename(temp / f"bare-{n}.pgm")
              for n, scan in enumerate(scans)]
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    start = time.perf_counter()
    for image in images:
        subprocess.run(["tesseract", str(image), "stdout", "-l", "vie"], check=True,
                       capture_output=True, env=env)
    bare = len(images) / (time.perf_counter() - start) * 60
    return ours, bare


def run() -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-import-") as name:
        temp = Path(name)
        accuracy, scans, misses = _accuracy(temp)
        for miss in misses:
            print(f"   miss {miss}")
        rows = [{"name": "import_fact_accuracy", "value": round(accuracy, 4), "unit": "ratio",
                 "floor": TARGET, "ratio": round(accuracy / TARGET, 3)}]
        draft_accuracy, draft_misses = _draft_accuracy(temp)
        for miss in draft_misses:
            print(f"   miss {miss}")
        rows.append({"name": "import_draft_accuracy", "value": round(draft_accuracy, 4),
                     "unit": "ratio", "floor": DRAFT_TARGET,
                     "ratio": round(draft_accuracy / DRAFT_TARGET, 3)})
        if scans:
            ours, bare = _ocr_rates(scans, temp)
            rows.append({"name": "import_ocr_pages_per_min", "value": round(ours, 1),
                         "unit": "pages/min", "floor": round(bare, 1),
                         "ratio": round(ours / bare, 3)})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
