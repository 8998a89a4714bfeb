"""Read a guidance document from disk into plain text, refusing files we cannot use.

Formats are read with maintained libraries and tools (python-docx, pypdf, LibreOffice for
.doc/.odt, Tesseract for scans); this module decides which one to use, bounds what an untrusted
file may cost (:mod:`limits`), converts legacy-font text (:mod:`legacy`) and turns failures into
Vietnamese messages that say what the operator can do.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from campaign.errors import InputError
from campaign.importer.legacy import to_unicode
from campaign.importer.limits import MAX_OCR_PAGES, MAX_PDF_PAGES, check_size, check_text
from campaign.importer.ocr import OcrPage, ocr_pages
from campaign.importer.office import read_converted, read_docx

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
SUPPORTED = ".txt, .md, .docx, .doc, .odt, .pdf"

# Letters that only Vietnamese (among languages written in Latin script) uses with these marks.
_VIETNAMESE_LETTERS = set(
    "àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ")
_MIN_LETTERS = 40
_MIN_VIETNAMESE_SHARE = 0.04


@dataclass(frozen=True)
class RawText:
    """The text of a document and how it was obtained (layout hints differ per format).

    ``notes`` are things the operator must know about how the text was obtained (OCR, a legacy
    font converted); the draft repeats them as warnings.
    """

    text: str
    format: str  # "text" | "docx" | "pdf"
    notes: tuple[str, ...] = ()
    ocr: tuple[OcrPage, ...] = ()


def read_document(path: str | Path, *, progress: bool = False) -> RawText:
    """Read ``path`` and check that it holds Vietnamese text we can work with.

    ``progress`` shows a progress bar (on standard error) while scanned pages are read.
    """
    path = Path(path)
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except (OSError, ValueError):  # a NUL byte or a name too long for the system
        raise InputError.single(path, "Đường dẫn tệp không hợp lệ.",
                                fix="Kiểm tra lại đường dẫn tệp.") from None
    if not exists:
        raise InputError.single(path, "Không tìm thấy tệp.", fix="Kiểm tra lại đường dẫn tệp.")
    if is_dir:
        raise InputError.single(path, "Đây là một thư mục, không phải tệp văn bản.",
                                fix="Chỉ ra đúng tệp văn bản cần nhập.")
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise InputError.single(path, "Tệp rỗng, không có nội dung.",
                                fix="Lưu lại văn bản đầy đủ rồi nhập lại.")
    check_size(path)
    if suffix in TEXT_SUFFIXES:
        raw = RawText(_read_plain(path), "text")
    elif suffix == ".docx":
        raw = RawText(read_docx(path), "docx")
    elif suffix in (".doc", ".odt"):
        raw = RawText(read_converted(path), "docx")
    elif suffix == ".pdf":
        raw = _read_pdf(path, progress=progress)
    else:
        raise InputError.single(
            path, f"Không hỗ trợ loại tệp '{suffix or '(không có đuôi)'}'.",
            fix=f"Dùng một trong các loại: {SUPPORTED}; hoặc dán nội dung vào tệp .txt.")
    check_text(path, raw.text)
    text, legacy = to_unicode(raw.text)
    notes = raw.notes
    if legacy:
        notes = (*notes, f"văn bản gõ bằng phông {legacy} cũ, đã chuyển sang Unicode: "
                         "soát lại dấu tiếng Việt")
    text = unicodedata.normalize("NFC", text)
    _check_vietnamese(path, text)
    return RawText(text, raw.format, notes, raw.ocr)


def _read_plain(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # A legacy-font file saved as plain text: one byte per character.
            text = data.decode("latin-1")
            if to_unicode(text)[1]:
                return text  # converted (and noted) by read_document
    raise InputError.single(
        path, "Tệp không phải văn bản UTF-8 (có thể là tệp nhị phân hoặc sai bảng mã).",
        fix="Mở văn bản, sao chép nội dung vào một tệp .txt lưu bằng UTF-8, "
            "hoặc nhập thẳng tệp .docx/.pdf gốc.")


def _pdf_failed(path: Path, exc: BaseException) -> InputError:
    return InputError.single(
        path, f"Không đọc được tệp PDF: tệp hỏng hoặc không phải PDF ({type(exc).__name__}).",
        fix="Tải lại tệp gốc, hoặc xin bản .docx của văn bản.")


def _read_pdf(path: Path, *, progress: bool) -> RawText:
    """The text layer of each page; pages without one are read by OCR."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError.single(
                path, "Tệp PDF có mật khẩu, không đọc được nội dung.",
                fix="Gỡ mật khẩu (in ra PDF mới) hoặc xin bản .docx rồi nhập lại.")
        count = len(reader.pages)
        if count > MAX_PDF_PAGES:
            raise InputError.single(
                path, f"Tệp vượt giới hạn an toàn: PDF có {count} trang, tối đa {MAX_PDF_PAGES}.",
                fix="Chỉ nhập phần văn bản chỉ đạo, tách các phụ lục dài ra tệp riêng.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except RecursionError as exc:
        raise _pdf_failed(path, exc) from None
    except Exception as exc:  # noqa: BLE001 - any parser failure on a hostile file is bad input
        raise _pdf_failed(path, exc) from None
    if count == 0:
        raise _pdf_failed(path, ValueError("0 trang"))
    scanned = [n + 1 for n, text in enumerate(pages) if len(re.sub(r"\s", "", text)) < 20]
    if not scanned:
        return RawText("\n".join(pages), "pdf")
    if len(scanned) > MAX_OCR_PAGES:
        raise InputError.single(
            path, f"Tệp vượt giới hạn an toàn: {len(scanned)} trang quét cần nhận dạng chữ, "
                  f"tối đa {MAX_OCR_PAGES}.",
            fix="Chỉ nhập phần văn bản chỉ đạo, hoặc xin bản .docx của văn bản.")
    read = _ocr_with_progress(path, scanned, progress)
    by_number = {page.number: page for page in read}
    unreadable = [p.number for p in read if p.words and not p.readable]
    if not any(p.readable for p in read) and len(scanned) == count:
        raise InputError.single(
            path, "Tệp PDF không có lớp chữ (bản quét) và nhận dạng chữ (OCR) không đọc được "
                  "trang nào"
                  + (f" (trang {', '.join(map(str, unreadable))} quá mờ)" if unreadable else "")
                  + ".",
            fix="Quét lại rõ hơn (300 dpi, thẳng trang) hoặc xin bản .docx/PDF gốc có chữ.")
    texts = [by_number[n].text if n in by_number and by_number[n].readable else text
             for n, text in enumerate(pages, start=1)]
    used = [p for p in read if p.readable]
    confidence = ", ".join(f"trang {p.number}: {p.confidence:.0f}%" for p in used)
    notes = [f"các thông tin lấy từ bản quét bằng nhận dạng chữ (OCR) — độ tin cậy "
             f"{confidence}; phải đối chiếu số, ngày, tên với văn bản gốc"]
    if unreadable:
        notes.append(f"không đọc được trang {', '.join(map(str, unreadable))} (quá mờ): "
                     "bản nháp thiếu nội dung các trang này")
    return RawText("\n".join(texts), "pdf", tuple(notes), tuple(read))


def _ocr_with_progress(path: Path, numbers: list[int], progress: bool) -> list[OcrPage]:
    if not progress:
        return ocr_pages(path, numbers)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("Nhận dạng chữ (OCR)"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("trang"), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("ocr", total=len(numbers))
        return ocr_pages(path, numbers, progress=lambda _n: bar.advance(task))


def _check_vietnamese(path: Path, text: str) -> None:
    letters = [c for c in text.lower() if c.isalpha()]
    if len(letters) < _MIN_LETTERS:
        raise InputError.single(
            path, "Tệp gần như không có chữ, không phải một văn bản hướng dẫn.",
            fix="Kiểm tra lại tệp: cần toàn văn công văn/hướng dẫn/kế hoạch.")
    marked = sum(1 for c in letters if c in _VIETNAMESE_LETTERS)
    if marked / len(letters) < _MIN_VIETNAMESE_SHARE:
        raise InputError.single(
            path, "Nội dung không phải tiếng Việt có dấu (Unicode).",
            fix="Kiểm tra đúng tệp văn bản tiếng Việt (Unicode, TCVN3 hoặc VNI); bảng mã khác "
                "thì chuyển sang Unicode (Unikey: Công cụ chuyển mã) rồi nhập lại.")
