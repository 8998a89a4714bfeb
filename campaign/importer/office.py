"""Word and OpenDocument files: .docx read with python-docx; .doc and .odt converted to .docx
by LibreOffice headless first (old Word files are still common in offices).

Every package is size-checked (:func:`limits.check_zip`) before a parser opens it.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from assets.systools import PACKAGES, apt_line, find
from campaign.errors import InputError
from campaign.importer.limits import check_zip

DOCX_LABEL = "Word (.docx)"
CONVERT_TIMEOUT = 180
SOFFICE_APT = apt_line(PACKAGES["soffice"])
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_docx(path: Path, *, label: str = DOCX_LABEL) -> str:
    """Body paragraphs and tables in document order; header tables become one line per cell.

    Two-column headers (issuer | national motto, number | place and date) are laid out as a
    table in most templates; emitting each cell on its own lines keeps the facts apart.
    """
    check_zip(path, label)
    import docx  # python-docx; imported here so text imports do not pay for it
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
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
    except Exception as exc:  # noqa: BLE001 - any parser failure on a hostile file is bad input
        raise InputError.single(
            path, f"Không đọc được tệp {label}: tệp hỏng hoặc không phải {label} "
                  f"({type(exc).__name__}).",
            fix="Mở tệp bằng Word/LibreOffice và lưu lại dạng .docx rồi nhập lại.") from None
    return "\n".join(lines)


def soffice() -> str | None:
    return find("soffice") or find("libreoffice")


def read_converted(path: Path) -> str:
    """A .doc or .odt file converted to .docx by LibreOffice, then read as .docx."""
    suffix = path.suffix.lower()
    label = "Word cũ (.doc)" if suffix == ".doc" else "OpenDocument (.odt)"
    if suffix == ".doc":
        with path.open("rb") as stream:
            if stream.read(8) != _OLE_MAGIC:
                raise InputError.single(
                    path, f"Tệp {label} hỏng hoặc không phải tệp Word cũ.",
                    fix="Mở tệp bằng Word/LibreOffice, lưu thành .docx rồi nhập lại.")
    else:
        check_zip(path, label)
    program = soffice()
    if program is None:
        raise InputError.single(
            path, f"Đọc tệp {label} cần LibreOffice, máy này chưa cài.",
            fix=f"Cài bằng lệnh: {SOFFICE_APT} — hoặc mở tệp bằng Word/LibreOffice, "
                "lưu thành .docx rồi nhập lại.")
    with tempfile.TemporaryDirectory(prefix="campaign-soffice-") as temp:
        out_dir = Path(temp) / "out"
        profile = (Path(temp) / "profile").as_uri()
        try:
            subprocess.run([program, f"-env:UserInstallation={profile}", "--headless",
                            "--norestore", "--convert-to", "docx", "--outdir", str(out_dir),
                            str(path.resolve())],
                           check=True, capture_output=True, timeout=CONVERT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise InputError.single(
                path, f"LibreOffice chuyển tệp {label} quá {CONVERT_TIMEOUT} giây, đã dừng.",
                fix="Mở tệp bằng Word/LibreOffice, lưu thành .docx rồi nhập lại.") from None
        except (subprocess.CalledProcessError, OSError):
            converted = None
        else:
            converted = next(out_dir.glob("*.docx"), None) if out_dir.is_dir() else None
        if converted is None:
            raise InputError.single(
                path, f"LibreOffice không chuyển được tệp {label}: tệp hỏng?",
                fix="Mở tệp bằng Word/LibreOffice, lưu thành .docx rồi nhập lại.")
        try:
            return read_docx(converted, label=label)
        except InputError as exc:  # name the operator's file, not our temporary one
            problem = exc.problems[0]
            raise InputError.single(path, problem.message, fix=problem.fix) from None
