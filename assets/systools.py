"""The one place that knows which system command comes from which Debian package.

Every call of an external program goes through :func:`require`, so a missing tool is a
:class:`MissingToolError` whose Vietnamese message carries the exact ``apt-get install`` line,
never a ``FileNotFoundError`` traceback. The Makefile's ``DEMO_APT``/``TEST_APT`` lists and
``campaign doctor`` read the same table.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

__all__ = ["PACKAGES", "MissingToolError", "ToolStatus", "apt_line", "find", "package_for",
           "require", "status"]

PACKAGES: dict[str, str] = {
    "espeak-ng": "espeak-ng",
    "ffmpeg": "ffmpeg",
    "ffprobe": "ffmpeg",
    "tesseract": "tesseract-ocr",
    "soffice": "libreoffice-writer-nogui",
    "libreoffice": "libreoffice-writer-nogui",
    "pdftoppm": "poppler-utils",
    "pdftotext": "poppler-utils",
    "pg_dump": "postgresql-client",
    "pg_restore": "postgresql-client",
    "psql": "postgresql-client",
    "icecast2": "icecast2",
    "chromium": "chromium",
    "fc-list": "fontconfig",
    "systemctl": "systemd",
}
"""Command name → the Debian package (bookworm) that installs it."""

PURPOSE: dict[str, str] = {
    "espeak-ng": "đọc bản tin cho loa truyền thanh",
    "ffmpeg": "xử lý, đo độ to và chuyển định dạng âm thanh",
    "ffprobe": "đọc thông tin tệp âm thanh",
    "tesseract": "nhận dạng chữ trên ảnh bảng LED",
    "soffice": "chuyển văn bản .doc/.odt",
    "pdftoppm": "chuyển trang PDF thành ảnh",
    "pg_dump": "sao lưu sổ cái PostgreSQL",
    "psql": "khôi phục sổ cái PostgreSQL",
}
"""What the product uses each tool for, in words an operator understands."""


def package_for(tool: str) -> str | None:
    """The Debian package that installs ``tool`` (by its base name), or None if unknown."""
    return PACKAGES.get(tool.rsplit("/", 1)[-1])


def apt_line(*packages: str) -> str:
    """The command an administrator types to install ``packages``."""
    return "sudo apt-get install -y " + " ".join(dict.fromkeys(packages))


class MissingToolError(RuntimeError):
    """A system command the operation needs is not installed. The message is Vietnamese, safe
    to show, and names the package to install."""

    def __init__(self, tool: str, package: str | None = None, purpose: str | None = None) -> None:
        self.tool = tool
        self.package = package or package_for(tool)
        why = purpose or PURPOSE.get(tool)
        what = f"Chưa cài chương trình '{tool}'" + (f" (dùng để {why})" if why else "")
        if self.package:
            fix = f"Hãy cài gói Debian: {apt_line(self.package)}"
        else:
            fix = f"Hãy cài chương trình '{tool}' hoặc sửa đường dẫn trong cấu hình"
        self.message = f"{what}. {fix}."
        super().__init__(self.message)


def find(tool: str) -> str | None:
    """Absolute path of ``tool`` on PATH (or ``tool`` itself when it is an existing path)."""
    return shutil.which(tool)


def require(tool: str, *, purpose: str | None = None) -> str:
    """Absolute path of ``tool``; :class:`MissingToolError` with the apt-get line when absent."""
    path = find(tool)
    if path is None:
        raise MissingToolError(tool, purpose=purpose)
    return path


@dataclass(frozen=True)
class ToolStatus:
    """One tool as ``campaign doctor`` reports it."""

    tool: str
    package: str | None
    path: str | None

    @property
    def ok(self) -> bool:
        return self.path is not None


def status(tools: list[str] | None = None) -> list[ToolStatus]:
    """Presence of each tool (all known ones by default)."""
    names = tools if tools is not None else list(PACKAGES)
    return [ToolStatus(t, package_for(t), find(t)) for t in names]
