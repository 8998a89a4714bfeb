"""YAML that remembers where every value came from, so errors can name the line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from campaign.errors import InputError, Problem

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml when available: a national directory has thousands of endpoints."""


@dataclass
class Source:
    """A parsed YAML document with its node tree, for mapping field paths to line numbers."""

    path: str
    data: Any
    root: yaml.Node | None

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """1-based line of the deepest node found along ``loc`` (pydantic's error location)."""
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                found = None
                for key, value in node.value:
                    if str(key.value) == str(part):
                        found = value
                        line = key.start_mark.line + 1
                        break
                if found is None:
                    return line
                node = found
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if part >= len(node.value):
                    return line
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line


def load(path: str | Path, *, text: str | None = None) -> Source:
    """Read and parse a YAML file; syntax errors become an InputError with the line."""
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError.single(path, "Không tìm thấy tệp.",
                                    fix="Kiểm tra lại đường dẫn tệp.") from None
        except UnicodeDecodeError:
            raise InputError.single(path, "Tệp không phải văn bản UTF-8.",
                                    fix="Lưu lại tệp với bảng mã UTF-8.") from None
    try:
        loader = _LOADER(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InputError.single(
            path, f"Lỗi cú pháp YAML: {exc.problem or exc.context}.", line=line,
            fix="Kiểm tra thụt lề (dùng dấu cách, không dùng tab), dấu hai chấm sau tên "
                "trường và dấu ngoặc kép cho chuỗi có ký tự đặc biệt.",
        ) from None
    except yaml.YAMLError as exc:
        raise InputError.single(path, f"Lỗi cú pháp YAML: {exc}.") from None
    return Source(str(path), data, root)


_FIXES = {
    "missing": "Thêm trường này.",
    "extra_forbidden": "Xoá trường này hoặc sửa lỗi chính tả tên trường.",
    "string_type": "Ghi giá trị dạng chuỗi (đặt trong dấu ngoặc kép nếu cần).",
    "int_parsing": "Ghi một số nguyên.",
    "int_type": "Ghi một số nguyên.",
    "float_parsing": "Ghi một số.",
    "date_from_datetime_parsing": "Ghi ngày dạng YYYY-MM-DD, ví dụ 2025-03-15.",
    "date_parsing": "Ghi ngày dạng YYYY-MM-DD, ví dụ 2025-03-15.",
    "date_type": "Ghi ngày dạng YYYY-MM-DD, ví dụ 2025-03-15.",
    "literal_error": None,
    "list_type": "Ghi dạng danh sách (mỗi phần tử một dòng bắt đầu bằng '- ').",
    "dict_type": "Ghi dạng các cặp 'tên: giá trị' thụt lề bên dưới.",
    "too_short": "Thêm ít nhất một phần tử.",
    "string_pattern_mismatch": "Chỉ dùng chữ thường không dấu, số và dấu gạch ngang, ví dụ nq57-thang3.",
    "greater_than": "Ghi một số lớn hơn.",
    "less_than_equal": "Ghi một số nhỏ hơn.",
}

_MESSAGES = {
    "missing": "Thiếu trường bắt buộc.",
    "extra_forbidden": "Trường không được hỗ trợ.",
}


def problems_from_validation(source: Source, exc: ValidationError,
                             prefix: Sequence[str | int] = ()) -> list[Problem]:
    """Turn pydantic errors into Vietnamese problems with file:line."""
    problems = []
    for err in exc.errors(include_url=False):
        loc = [*prefix, *[p for p in err["loc"] if not _is_internal(p)]]
        line = source.line_of(loc)
        field = ".".join(str(p) for p in loc) or None
        etype = err["type"]
        message = _MESSAGES.get(etype)
        if message is None:
            ctx_error = (err.get("ctx") or {}).get("error")
            message = str(ctx_error) if ctx_error else _translate(err)
        fix = _FIXES.get(etype)
        if etype == "literal_error":
            expected = (err.get("ctx") or {}).get("expected", "")
            fix = f"Chọn một trong: {expected}."
        problems.append(Problem(source.path, line, field, message, fix))
    return problems


def _is_internal(part: Any) -> bool:
    """pydantic adds the union member's name (e.g. 'function-after[...]') to locations."""
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "list[str]"})


def _translate(err: dict[str, Any]) -> str:
    msg = err.get("msg", "")
    if msg.startswith("Value error, "):
        return msg[len("Value error, "):]
    return f"Giá trị không hợp lệ ({msg})."


def validate(source: Source, model: type[BaseModel], data: Any = None,
             prefix: Sequence[str | int] = ()) -> Any:
    """Validate ``data`` (default: the whole document) or raise InputError with lines."""
    try:
        return model.model_validate(source.data if data is None else data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(source, exc, prefix)) from None
