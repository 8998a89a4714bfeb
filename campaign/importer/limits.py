"""Bounds on untrusted files, checked before any parser sees them.

Guidance documents arrive by e-mail and Zalo from anyone; a hostile or broken file must be
refused in bounded time and memory with a message, never by exhausting the machine. A real
công văn or kế hoạch is a few pages and well under a megabyte; the bounds are generous.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from campaign.errors import InputError

MAX_FILE_BYTES = 30 * 1024 * 1024       # any input file
MAX_TEXT_CHARS = 2_000_000             # text after extraction
MAX_PARAGRAPHS = 20_000                # lines/paragraphs after extraction
MAX_PDF_PAGES = 60                     # pages read from a PDF text layer
MAX_OCR_PAGES = 30                     # pages sent to OCR
MAX_ZIP_MEMBERS = 2_000                # parts in a .docx/.odt package
MAX_ZIP_BYTES = 80 * 1024 * 1024       # all parts expanded
MAX_ZIP_RATIO = 200                    # expanded/compressed, for parts over 1 MB
_CHUNK = 1 << 16


def _too_big(path: Path, what: str, fix: str) -> InputError:
    return InputError.single(path, f"Tệp vượt giới hạn an toàn: {what}.", fix=fix)


def check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _too_big(path, f"{size / 1048576:.0f} MB, tối đa {MAX_FILE_BYTES // 1048576} MB",
                       "Chỉ nhập văn bản chỉ đạo (vài trang); tách phụ lục lớn, ảnh ra khỏi tệp.")


def check_text(path: Path, text: str) -> None:
    if len(text) > MAX_TEXT_CHARS:
        raise _too_big(path, f"{len(text):,} ký tự, tối đa {MAX_TEXT_CHARS:,}".replace(",", "."),
                       "Chỉ nhập phần văn bản chỉ đạo, bỏ các phụ lục dài.")
    lines = text.count("\n") + 1
    if lines > MAX_PARAGRAPHS:
        raise _too_big(path, f"{lines:,} đoạn/dòng, tối đa {MAX_PARAGRAPHS:,}".replace(",", "."),
                       "Chỉ nhập phần văn bản chỉ đạo, bỏ các phụ lục dài.")


def check_zip(path: Path, label: str) -> None:
    """Refuse a zip package (.docx, .odt) whose parts would expand past the bounds.

    The sizes a zip declares can lie, so every part is really inflated, in chunks, counting the
    bytes and stopping at the bound: memory stays at one chunk, time at the bound's worth.
    """
    fix = f"Mở tệp bằng Word/LibreOffice và lưu lại thành {label} mới rồi nhập lại."
    try:
        with zipfile.ZipFile(path) as package:
            members = package.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise _too_big(path, f"gói {label} có {len(members)} phần, tối đa "
                                     f"{MAX_ZIP_MEMBERS}", fix)
            declared = sum(m.file_size for m in members)
            if declared > MAX_ZIP_BYTES:
                raise _too_big(path, f"gói {label} bung ra {declared / 1048576:.0f} MB "
                                     f"(tối đa {MAX_ZIP_BYTES // 1048576} MB) — có thể là "
                                     "“bom nén”", fix)
            total = 0
            for member in members:
                if member.is_dir():
                    continue
                size = 0
                with package.open(member) as stream:
                    while chunk := stream.read(_CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        if total > MAX_ZIP_BYTES or (
                                size > 1048576
                                and size > MAX_ZIP_RATIO * max(member.compress_size, 1)):
                            raise _too_big(path, f"phần {member.filename!r} của gói {label} "
                                                 "bung ra quá lớn — có thể là “bom nén”", fix)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - zlib, struct, CRC… errors: all mean a bad file
        raise InputError.single(
            path, f"Không đọc được tệp {label}: tệp hỏng hoặc không phải {label} "
                  f"({type(exc).__name__}).", fix=fix) from None
