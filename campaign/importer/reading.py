"""Read a guidance document from disk into plain text, refusing files we cannot use.

Formats are read with maintained libraries (python-docx, pypdf); this module only decides which
one to use and turns their failures into Vietnamese messages that say what the operator can do.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from campaign.errors import InputError

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
SUPPORTED = ".txt, .md, .docx, .pdf"

# Letters that only Vietnamese (among languages written in Latin script) uses with these marks.
_VIETNAMESE_LETTERS = set(
    "àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ")
_MIN_LETTERS = 40
_MIN_VIETNAMESE_SHARE = 0.04


@dataclass(frozen=True)
class RawText:
    """The text of a document and how it was obtained (layout hints differ per format)."""

    text: str
    format: str  # "text" | "docx" | "pdf"


def read_document(path: str | Path) -> RawText:
    """Read ``path`` and check that it holds Vietnamese text we can work with."""
    path = Path(path)
    if not path.exists():
        raise InputError.single(path, "Không tìm thấy tệp.", fix="Kiểm tra lại đường dẫn tệp.")
    if path.is_dir():
        raise InputError.single(path, "Đây là một thư mục, không phải tệp văn bản.",
                                fix="Chỉ ra đúng tệp văn bản cần nhập.")
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise InputError.single(path, "Tệp rỗng, không có nội dung.",
                                fix="Lưu lại văn bản đầy đủ rồi nhập lại.")
    if suffix in TEXT_SUFFIXES:
        raw = RawText(_read_plain(path), "text")
    elif suffix == ".docx":
        raw = RawText(_read_docx(path), "docx")
    elif suffix == ".pdf":
        raw = RawText(_read_pdf(path), "pdf")
    elif suffix == ".doc":
        raise InputError.single(
            path, "Định dạng Word cũ (.doc) chưa được hỗ trợ.",
            fix="Mở tệp bằng Word hoặc LibreOffice, chọn Lưu thành (Save As) .docx rồi nhập lại.")
    else:
        raise InputError.single(
            path, f"Không hỗ trợ loại tệp '{suffix or '(không có đuôi)'}'.",
            fix=f"Dùng một trong các loại: {SUPPORTED}; hoặc dán nội dung vào tệp .txt.")
    text = unicodedata.normalize("NFC", raw.text)
    _check_vietnamese(path, text)
    return RawText(text, raw.format)


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
            pass
    raise InputError.single(
        path, "Tệp không phải văn bản UTF-8 (có thể là tệp nhị phân hoặc sai bảng mã).",
        fix="Mở văn bản, sao chép nội dung vào một tệp .txt lưu bằng UTF-8, "
            "hoặc nhập thẳng tệp .docx/.pdf gốc.")


def _read_docx(path: Path) -> str:
    """Body paragraphs and tables in document order; header tables become one line per cell.

    Two-column headers (issuer | national motto, number | place and date) are laid out as a
    table in most templates; emitting each cell on its own lines keeps the facts apart.
    """
    import docx  # python-docx; imported here so text imports do not pay for it
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError.single(
            path, f"Không đọc được tệp Word (.docx): tệp hỏng hoặc không phải .docx ({exc}).",
            fix="Mở tệp bằng Word/LibreOffice và lưu lại dạng .docx.") from None

    lines: list[str] = []

    def table_lines(table: Table) -> None:
        for row in table.rows:
            seen: set[int] = set()
            for cell in row.cells:
                if id(cell._tc) in seen:  # merged cells repeat the same element
                    continue
                seen.add(id(cell._tc))
                for paragraph in cell.paragraphs:
                    lines.append(paragraph.text)
                for inner in cell.tables:
                    table_lines(inner)
                lines.append("")

    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.append("")
            table_lines(block)
    return "\n".join(lines)


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError.single(
                path, "Tệp PDF có mật khẩu, không đọc được nội dung.",
                fix="Gỡ mật khẩu (in ra PDF mới) hoặc xin bản .docx rồi nhập lại.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError.single(
            path, f"Không đọc được tệp PDF: tệp hỏng hoặc không phải PDF ({exc}).",
            fix="Tải lại tệp gốc, hoặc xin bản .docx của văn bản.") from None
    text = "\n".join(pages)
    if len(re.sub(r"\s", "", text)) < 20:
        raise InputError.single(
            path, "Tệp PDF không có lớp chữ (có thể là bản quét/ảnh chụp), không trích được nội dung.",
            fix="Xin bản .docx hoặc PDF gốc có chữ; hoặc nhận dạng chữ (OCR) rồi lưu thành .txt.")
    return text


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
            fix="Kiểm tra đúng tệp văn bản tiếng Việt; nếu văn bản dùng phông TCVN3/VNI, "
                "chuyển sang Unicode (Unikey: Công cụ chuyển mã) rồi nhập lại.")
