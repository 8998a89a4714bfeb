"""Files made from the test documents' text: .docx, PDF with a text layer, scanned PDF (pages
rendered to images by poppler and packed into an image-only PDF by Pillow), .odt and .doc
(LibreOffice). Shared by the importer tests and bench/bench_import.py."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path

from assets.led import DEFAULT_FONT

FONT = DEFAULT_FONT  # the font we ship: no system font needed on a bare machine
PAGE_LINES = 52


def make_docx(path: Path, lines: list[str]) -> Path:
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def _wrap(lines: list[str], size: float) -> list[str]:
    """Lines broken at the page width, as a word processor lays them out."""
    width = int(515 / (size * 0.56))
    out: list[str] = []
    for line in lines:
        out.extend(textwrap.wrap(line, width) or [""])
    return out


def make_pdf(path: Path, lines: list[str], size: float = 9.0) -> Path:
    """A PDF with a real text layer: the shipped font embedded through PDFium, lines wrapped
    at the page width (a PDF text layer has no paragraphs, only visual lines)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    lines = _wrap(lines, size)
    pdf = pdfium.PdfDocument.new()
    data = FONT.read_bytes()
    buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
    font = raw.FPDFText_LoadFont(pdf.raw, buffer, len(data), raw.FPDF_FONT_TRUETYPE, True)
    pages = [lines[i:i + PAGE_LINES] for i in range(0, max(len(lines), 1), PAGE_LINES)]
    for chunk in pages:
        page = pdf.new_page(595, 842)
        y = 800.0
        for line in chunk:
            obj = raw.FPDFPageObj_CreateTextObj(pdf.raw, font, size)
            text = ctypes.create_string_buffer((line + "\0").encode("utf-16-le"))
            raw.FPDFText_SetText(obj, ctypes.cast(text, ctypes.POINTER(raw.FPDF_WCHAR)))
            raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 40, y)
            raw.FPDFPage_InsertObject(page.raw, obj)
            y -= size * 1.6
        raw.FPDFPage_GenerateContent(page.raw)
    pdf.save(str(path))
    pdf.close()
    return path


def printed(lines: list[str]) -> list[str]:
    """How text with table syntax looks on paper: cells side by side, no bars or rules."""
    out: list[str] = []
    for line in lines:
        if "|" not in line:
            out.append(line)
        elif line.strip(" |-:"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            out.append("      ".join(cells).strip())
    return out


def make_scanned_pdf(path: Path, lines: list[str], dpi: int = 200) -> Path:
    """An image-only PDF: the text PDF rendered by pdftoppm, pages packed by Pillow."""
    from PIL import Image

    lines = printed(lines)
    with tempfile.TemporaryDirectory() as temp:
        text_pdf = make_pdf(Path(temp) / "text.pdf", lines, size=11.0)
        subprocess.run(["pdftoppm", "-gray", "-png", "-r", str(dpi), str(text_pdf),
                        str(Path(temp) / "page")], check=True, capture_output=True)
        images = [Image.open(p).convert("L") for p in sorted(Path(temp).glob("page*.png"))]
        images[0].save(path, "PDF", resolution=float(dpi), save_all=True,
                       append_images=images[1:])
    return path


def soffice_convert(source: Path, fmt: str, out_dir: Path) -> Path:
    """``source`` converted by LibreOffice to ``fmt`` ("odt", "doc")."""
    program = shutil.which("soffice") or shutil.which("libreoffice")
    assert program, "LibreOffice (soffice) is not installed"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([program, f"-env:UserInstallation={Path(profile).as_uri()}",
                        "--headless", "--convert-to", fmt, "--outdir", str(out_dir),
                        str(source)], check=True, capture_output=True, timeout=180)
    return out_dir / f"{source.stem}.{fmt}"
