"""Vietnamese for click's own words ("Usage:", "Options", "Error: Missing option …").

click looks its messages up through gettext. The table below becomes a GNU message catalogue
in memory that click's modules use, so every message a person sees from the CLI is Vietnamese.
"""

from __future__ import annotations

import gettext
import io
import struct
from types import ModuleType

DOMAIN = "messages"
SINGULAR: dict[str, str] = {
    "Usage:": "Cách dùng:",
    "Options": "Tuỳ chọn",
    "Commands": "Lệnh",
    "Positional arguments": "Tham số",
    "Show this message and exit.": "Xem hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Xem phiên bản rồi thoát.",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Xem hướng dẫn: '{command} {option}'.",
    "Missing argument": "Thiếu tham số",
    "Missing option": "Thiếu tuỳ chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Missing command.": "Thiếu lệnh.",
    "Missing {param_type}": "Thiếu {param_type}",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "No such option {name!r}.": "Không có tuỳ chọn {name!r}.",
    "Option {name!r} does not take a value.": "Tuỳ chọn {name!r} không nhận giá trị.",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Aborted!": "Đã dừng.",
    "Do you want to continue?": "Tiếp tục?",
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Error: The two entered values do not match.": "Lỗi: hai lần nhập không khớp nhau.",
    "Error: invalid input": "Lỗi: nhập không hợp lệ",
    "Confirm the action without prompting.": "Xác nhận luôn, không hỏi lại.",
    "default: {default}": "mặc định: {default}",
    "required": "bắt buộc",
    "env var: {var}": "biến môi trường: {var}",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải {number_type} hợp lệ.",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là thư mục, không phải tệp.",
    "{name} {filename!r} is a file.": "{name} {filename!r} là tệp, không phải thư mục.",
    "{name} {filename!r} is not readable.": "Không đọc được {name} {filename!r}.",
    "{name} {filename!r} is not writable.": "Không ghi được {name} {filename!r}.",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    "integer": "số nguyên",
    "float": "số thực",
}
PLURAL: dict[tuple[str, str], str] = {
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        "Tuỳ chọn {name!r} cần {nargs} giá trị.",
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        "Thừa tham số không mong đợi ({args})",
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        "(Có phải ý bạn là: {possibility}?)",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        "{value!r} không nằm trong các lựa chọn: {choices}.",
}
HEADER = ("Content-Type: text/plain; charset=UTF-8\n"
          "Plural-Forms: nplurals=1; plural=0;\n")


def catalogue() -> bytes:
    """The table as a GNU .mo file (format: gettext manual, "The Format of MO Files")."""
    entries = {b"": HEADER.encode()}
    entries.update({k.encode(): v.encode() for k, v in SINGULAR.items()})
    entries.update({f"{one}\0{many}".encode(): v.encode() for (one, many), v in PLURAL.items()})
    keys = sorted(entries)
    count = len(keys)
    ids_start = 28 + 16 * count
    ids = b"".join(k + b"\0" for k in keys)
    strs_start = ids_start + len(ids)
    id_table, str_table, id_pos, str_pos = [], [], 0, 0
    for key in keys:
        id_table += [len(key), ids_start + id_pos]
        str_table += [len(entries[key]), strs_start + str_pos]
        id_pos += len(key) + 1
        str_pos += len(entries[key]) + 1
    head = struct.pack("<7I", 0x950412DE, 0, count, 28, 28 + 8 * count, 0, 0)
    body = struct.pack(f"<{2 * count}I", *id_table) + struct.pack(f"<{2 * count}I", *str_table)
    return head + body + ids + b"".join(entries[k] + b"\0" for k in keys)


def install() -> None:
    """Give click's modules the Vietnamese catalogue.

    click binds ``_``/``ngettext`` from :mod:`gettext` at import and offers no other hook; the
    default gettext lookup depends on process-wide environment variables, which would also
    change the language of every program we start. So the catalogue is loaded in memory and
    handed to click's modules only.
    """
    translations = gettext.GNUTranslations(io.BytesIO(catalogue()))
    for module in _click_modules():
        if hasattr(module, "_"):
            module._ = translations.gettext
        if hasattr(module, "ngettext"):
            module.ngettext = translations.ngettext


def _click_modules() -> list[ModuleType]:
    import click

    names = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types",
             "utils", "shell_completion")
    return [m for m in (getattr(click, n, None) for n in names) if isinstance(m, ModuleType)]
