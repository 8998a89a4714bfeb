"""YAML that remembers where every value came from, so errors can name the line."""

from __future__ import annotations

import difflib
import errno
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from campaign.errors import InputError, Problem

_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml when available: a national directory has thousands of endpoints."""


class _Loader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """Safe loading, but dates stay text: pydantic then names an impossible date
    (``2025-02-30``) with its line instead of PyYAML raising a bare ValueError."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp",
                        yaml.constructor.SafeConstructor.construct_yaml_str)

MAX_BYTES = 20 * 1024 * 1024
"""A national directory is a few MB; anything larger is a mistake (or an attack)."""
MAX_NODES = 2_000_000
"""Values after expanding YAML aliases (``*name``): bounds memory and validation time."""
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


@dataclass
class Source:
    """A parsed YAML document with its node tree, for mapping field paths to line numbers."""

    path: str
    data: Any
    root: yaml.Node | None
    problems: list[Problem] = field(default_factory=list)
    """Mistakes found while reading (duplicate keys …) that do not stop validation."""

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


def read_text(path: Path) -> str:
    """The file's text; every way reading can fail becomes a Vietnamese InputError."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError.single(path, f"Tệp quá lớn (trên {MAX_BYTES // 1024 // 1024} MB).",
                                    fix="Kiểm tra lại tệp: tệp cấu hình chỉ vài trăm KB.")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError.single(path, "Không tìm thấy tệp.",
                                fix="Kiểm tra lại đường dẫn tệp.") from None
    except IsADirectoryError:
        raise InputError.single(path, "Đây là một thư mục, không phải tệp.",
                                fix="Chỉ đúng tệp .yaml.") from None
    except PermissionError:
        raise InputError.single(path, "Không có quyền đọc tệp.",
                                fix="Cấp quyền đọc cho tệp hoặc chạy bằng tài khoản khác.") from None
    except ValueError:  # an embedded NUL
        raise InputError.single(path, "Đường dẫn có ký tự không hợp lệ (ký tự NUL).",
                                fix="Gõ lại đường dẫn tệp.") from None
    except OSError as exc:
        raise InputError.single(path, os_problem(exc), fix="Kiểm tra lại đường dẫn tệp.") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError.single(
            path, f"Tệp không phải văn bản UTF-8 (byte lạ ở cột {column}).", line=line,
            fix="Lưu lại tệp với bảng mã UTF-8 (trong Notepad: Save As → Encoding: UTF-8).",
        ) from None


def os_problem(exc: OSError) -> str:
    """A Vietnamese sentence for an operating-system error on a path."""
    if exc.errno == errno.ENAMETOOLONG:
        return "Tên tệp hoặc đường dẫn quá dài."
    if exc.errno in (errno.ENOTDIR, errno.ENOENT):
        return "Không tìm thấy thư mục chứa tệp."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "Không có quyền truy cập."
    if exc.errno == errno.ENOSPC:
        return "Hết chỗ trống trên đĩa."
    return f"Lỗi hệ thống khi truy cập tệp (mã {exc.errno})."


def load(path: str | Path, *, text: str | None = None) -> Source:
    """Read and parse a YAML file; syntax errors become an InputError with the line."""
    path = Path(path)
    if text is None:
        text = read_text(path)
    problems: list[Problem] = []
    for number, line_text in enumerate(text.splitlines(), 1):
        found = _CONTROL.search(line_text)
        if found and len(problems) < 20:
            problems.append(Problem(
                str(path), number, None,
                f"Có ký tự điều khiển không in được (mã U+{ord(found.group()):04X}) ở cột "
                f"{found.start() + 1}.",
                "Xoá ký tự này (thường do chép từ Word/PDF); gõ lại đoạn chữ đó."))
    if problems:
        raise InputError(problems)
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            problems = _walk(str(path), root)
            fatal = [p for p in problems if p.field == "*"]
            if fatal:
                raise InputError([Problem(p.file, p.line, None, p.message, p.fix)
                                  for p in fatal])
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message, fix = _syntax_message(exc)
        raise InputError.single(path, message, line=mark.line + 1 if mark else None,
                                fix=fix) from None
    except yaml.YAMLError:
        raise InputError.single(path, "Cú pháp YAML không hợp lệ.", fix=SYNTAX_FIX) from None
    except (ValueError, OverflowError, RecursionError):
        raise InputError.single(path, "Có giá trị không đọc được (số quá lớn hoặc lồng nhau "
                                      "quá sâu).", fix=SYNTAX_FIX) from None
    return Source(str(path), data, root, problems)


SYNTAX_FIX = ("Kiểm tra thụt lề (dùng dấu cách, không dùng tab), dấu hai chấm sau tên trường "
              "và dấu ngoặc kép cho chuỗi có ký tự đặc biệt.")
_SYNTAX = [
    ("cannot start any token",
     "Có ký tự không được đứng đầu một giá trị (như @, `, % hoặc dấu tab).",
     "Đặt cả giá trị trong dấu ngoặc kép, ví dụ \"@abc\", và thay tab bằng dấu cách."),
    ("mapping values are not allowed", "Dấu hai chấm ở chỗ không hợp lệ.",
     "Chuỗi có dấu hai chấm phải đặt trong ngoặc kép; kiểm tra thụt lề dòng trên."),
    ("could not find expected ':'", "Thiếu dấu hai chấm sau tên trường.",
     "Ghi dạng 'tên: giá trị'."),
    ("expected ',' or ']'", "Thiếu dấu phẩy hoặc dấu đóng ngoặc ].",
     "Kiểm tra danh sách [a, b, c]: đủ dấu phẩy và có ] ở cuối."),
    ("expected ',' or '}'", "Thiếu dấu phẩy hoặc dấu đóng ngoặc }.",
     "Kiểm tra {tên: giá trị, …}: đủ dấu phẩy và có } ở cuối."),
    ("end of stream", "Tệp kết thúc giữa chừng (thiếu dấu đóng ngoặc hoặc ngoặc kép).",
     "Đóng đủ các ngoặc và dấu ngoặc kép."),
    ("undefined alias", "Tham chiếu *tên chưa được khai báo.",
     "Khai báo &tên trước khi dùng *tên, hoặc bỏ tham chiếu."),
    ("escape character", "Ký tự thoát (\\) không hợp lệ trong chuỗi ngoặc kép.",
     "Dùng ngoặc đơn '…' hoặc viết \\\\ cho một dấu gạch chéo ngược."),
    ("tab", "Có dấu tab dùng để thụt lề.", "Thay tab bằng dấu cách."),
    ("single document", "Tệp có nhiều tài liệu YAML (dòng ---).",
     "Mỗi tệp chỉ một tài liệu: bỏ dòng --- thừa hoặc tách thành nhiều tệp."),
    ("nesting depth", "Các ngoặc lồng nhau quá sâu.", "Kiểm tra lại các dấu ngoặc [ và {."),
    ("unhashable key", "Tên trường không hợp lệ (là danh sách hoặc từ điển).",
     "Tên trường phải là chữ, ví dụ 'title:'."),
    ("expected '-' indicator", "Danh sách lẫn với các cặp 'tên: giá trị' cùng một cấp.",
     "Mỗi phần tử danh sách bắt đầu bằng '- ', thẳng cột với các phần tử khác."),
    ("block sequence entries are not allowed", "Dấu '- ' ở chỗ không hợp lệ.",
     "Phần tử danh sách phải xuống dòng và thụt vào dưới tên trường."),
    ("document start", "Có nội dung thừa sau phần chính của tệp (thụt lề sai?).",
     "Kiểm tra thụt lề của dòng này so với các dòng trên."),
    ("node content", "Thiếu giá trị sau dấu ngoặc hoặc dấu gạch.",
     "Ghi giá trị, hoặc đặt cả chuỗi trong dấu ngoặc kép."),
    ("scanning a tag", "Dấu ! đứng đầu giá trị bị hiểu là thẻ YAML.",
     "Đặt cả giá trị trong dấu ngoặc kép."),
    ("could not determine a constructor", "Thẻ YAML (!!…) không được hỗ trợ.",
     "Bỏ phần !!… hoặc đặt cả giá trị trong dấu ngoặc kép."),
    ("base64", "Dữ liệu !!binary không hợp lệ.", "Bỏ !!binary; ghi tên tệp trong media/."),
    ("alias", "Dấu * hoặc & đứng đầu giá trị bị hiểu là tham chiếu YAML.",
     "Đặt cả giá trị trong dấu ngoặc kép."),
    ("anchor", "Dấu * hoặc & đứng đầu giá trị bị hiểu là tham chiếu YAML.",
     "Đặt cả giá trị trong dấu ngoặc kép."),
    ("block end", "Thụt lề không khớp với các dòng trên.",
     "Các trường cùng cấp phải thẳng cột, thụt bằng dấu cách."),
    ("expected key", "Thụt lề không khớp với các dòng trên.",
     "Các trường cùng cấp phải thẳng cột, thụt bằng dấu cách."),
]


def _syntax_message(exc: yaml.MarkedYAMLError) -> tuple[str, str]:
    """Vietnamese for PyYAML's English problem text (never shown as is)."""
    said = f"{exc.problem or ''} {exc.context or ''}"
    mark = exc.problem_mark or exc.context_mark
    where = f" (cột {mark.column + 1})" if mark else ""
    for needle, message, fix in _SYNTAX:
        if needle in said:
            return f"Lỗi cú pháp YAML: {message[:-1]}{where}.", fix
    return f"Lỗi cú pháp YAML{where}.", SYNTAX_FIX


def _walk(path: str, root: yaml.Node | None) -> list[Problem]:
    """Duplicate keys (the last would silently win) and alias bombs, found on the node tree.

    Problems whose ``field`` is ``*`` stop reading (the document is too large to build).
    """
    problems: list[Problem] = []
    if root is None:
        return problems
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    active: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            active.discard(key)
            children = _children(node)
            sizes[key] = 1 + sum(sizes.get(id(c), 1) for c in children)
            if sizes[key] > MAX_NODES:
                return [Problem(path, root.start_mark.line + 1, "*",
                                "Tệp có quá nhiều giá trị (kể cả các tham chiếu *tên).",
                                "Bỏ các tham chiếu &tên/*tên lồng nhau; chia nhỏ tệp.")]
            continue
        if key in sizes:
            continue
        if key in active:
            return [Problem(path, node.start_mark.line + 1, "*",
                            "Tham chiếu *tên trỏ vòng lại chính nó.", "Bỏ tham chiếu này.")]
        active.add(key)
        stack.append((node, True))
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for k, _ in node.value:
                if isinstance(k, yaml.ScalarNode):
                    line = k.start_mark.line + 1
                    if k.value in seen:
                        problems.append(Problem(
                            path, line, str(k.value),
                            f"Trường '{k.value}' được ghi hai lần: dòng {seen[k.value]} và "
                            f"dòng {line}.", "Xoá một trong hai dòng (YAML chỉ giữ dòng sau)."))
                    else:
                        seen[k.value] = line
        for child in _children(node):
            if id(child) not in sizes:
                stack.append((child, False))
    return problems


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def problems_from_validation(source: Source, exc: ValidationError,
                             prefix: Sequence[str | int] = (),
                             model: type[BaseModel] | None = None) -> list[Problem]:
    """Turn pydantic errors into Vietnamese problems with file:line (never pydantic's English).

    ``model`` (the model validated at ``prefix``) lets an unknown key suggest the nearest
    known one (``holiday`` → ``holidays``).
    """
    problems = []
    for err in exc.errors(include_url=False):
        loc = [*prefix, *[p for p in err["loc"] if not _is_internal(p)]]
        line = source.line_of(loc)
        name = ".".join(str(p) for p in loc) or None
        message, fix = describe(err)
        if err["type"] == "extra_forbidden" and model is not None and loc:
            known = fields_at(model, list(err["loc"])[:-1])
            close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.75)
            message = f"Trường '{loc[-1]}' không được hỗ trợ."
            fix = (f"Có phải ý bạn là '{close[0]}'? Sửa lại tên trường." if close else
                   f"Xoá trường này. Các trường hợp lệ: {', '.join(known)}." if known else fix)
        problems.append(Problem(source.path, line, name, message, fix))
    return problems


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def describe(err: Any) -> tuple[str, str | None]:
    """(message, fix) in Vietnamese for one pydantic error."""
    etype, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if etype in ("value_error", "assertion_error"):
        text = str(ctx.get("error", ""))
        if "Cách sửa:" in text:
            message, fix = text.split("Cách sửa:", 1)
            return message.strip(), fix.strip()
        return text or "Giá trị không hợp lệ.", None
    if etype == "literal_error":
        expected = str(ctx.get("expected", ""))
        options = re.findall(r"'([^']*)'", expected)
        close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.5)
        hint = f"Có phải ý bạn là '{close[0]}'? " if close else ""
        return (f"Giá trị '{_shown(value)}' không hợp lệ.",
                f"{hint}Chọn một trong: {', '.join(options) or expected}.")
    if etype.startswith("date") or etype.startswith("datetime"):
        return (f"Ngày '{_shown(value)}' không hợp lệ hoặc không có thật.",
                "Ghi ngày có thật dạng YYYY-MM-DD, ví dụ 2025-03-15.")
    table: dict[str, tuple[str, str | None]] = {
        "missing": ("Thiếu trường bắt buộc.", "Thêm trường này."),
        "extra_forbidden": ("Trường không được hỗ trợ.",
                            "Xoá trường này hoặc sửa lỗi chính tả tên trường."),
        "string_type": ("Cần một chuỗi chữ.",
                        "Ghi giá trị dạng chuỗi (đặt trong dấu ngoặc kép nếu cần)."),
        "string_unicode": ("Cần một chuỗi chữ.", "Ghi giá trị dạng chuỗi."),
        "int_parsing": (f"'{_shown(value)}' không phải số nguyên.", "Ghi một số nguyên."),
        "int_type": ("Cần một số nguyên.", "Ghi một số nguyên."),
        "int_from_float": ("Cần một số nguyên (không có phần lẻ).", "Ghi một số nguyên."),
        "float_parsing": (f"'{_shown(value)}' không phải số.", "Ghi một số, ví dụ 4.5."),
        "float_type": ("Cần một số.", "Ghi một số, ví dụ 4.5."),
        "finite_number": ("Số không hữu hạn (nan/inf).", "Ghi một số bình thường, ví dụ 4."),
        "bool_parsing": (f"'{_shown(value)}' không phải có/không.", "Ghi true hoặc false."),
        "bool_type": ("Cần giá trị có/không.", "Ghi true hoặc false."),
        "list_type": ("Cần một danh sách.",
                      "Ghi dạng danh sách (mỗi phần tử một dòng bắt đầu bằng '- ')."),
        "tuple_type": ("Cần một danh sách.", "Ghi dạng [giá trị 1, giá trị 2]."),
        "dict_type": ("Cần các cặp 'tên: giá trị'.",
                      "Ghi dạng các cặp 'tên: giá trị' thụt lề bên dưới."),
        "model_type": ("Cần các cặp 'tên: giá trị'.",
                       "Ghi dạng các cặp 'tên: giá trị' thụt lề bên dưới."),
        "model_attributes_type": ("Cần các cặp 'tên: giá trị'.",
                                  "Ghi dạng các cặp 'tên: giá trị' thụt lề bên dưới."),
        "too_short": (f"Cần ít nhất {ctx.get('min_length', 1)} phần tử.",
                      "Thêm phần tử vào danh sách."),
        "too_long": (f"Nhiều nhất {ctx.get('max_length')} phần tử.", "Bớt phần tử."),
        "string_too_short": ("Giá trị bị trống.", "Ghi nội dung cho trường này."),
        "string_too_long": (f"Dài quá {ctx.get('max_length')} ký tự.", "Rút gọn nội dung."),
        "string_pattern_mismatch": (
            f"Mã '{_shown(value)}' không hợp lệ.",
            "Chỉ dùng chữ thường không dấu, số và dấu gạch ngang, ví dụ nq57-thang3."),
        "greater_than": (f"Phải lớn hơn {ctx.get('gt')}.", f"Ghi một số lớn hơn {ctx.get('gt')}."),
        "greater_than_equal": (f"Phải từ {ctx.get('ge')} trở lên.",
                               f"Ghi một số từ {ctx.get('ge')} trở lên."),
        "less_than": (f"Phải nhỏ hơn {ctx.get('lt')}.", f"Ghi một số nhỏ hơn {ctx.get('lt')}."),
        "less_than_equal": (f"Không được lớn hơn {ctx.get('le')}.",
                            f"Ghi một số không quá {ctx.get('le')}."),
        "recursion_loop": ("Tham chiếu *tên trỏ vòng lại chính nó.", "Bỏ tham chiếu này."),
        "url_parsing": (f"Địa chỉ '{_shown(value)}' không hợp lệ.",
                        "Ghi địa chỉ đầy đủ, ví dụ https://example.vn/trang."),
    }
    return table.get(etype, (f"Giá trị '{_shown(value)}' không hợp lệ.",
                             "Xem tệp mẫu trong thư mục campaigns/ (campaign init)."))


def fields_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """Known keys of the model found by following ``loc`` from ``model`` (for suggestions)."""
    tp: Any = model
    for part in loc:
        tp = _step(tp, part)
        if tp is None:
            return []
    found = _model_in(tp)
    if found is None:
        return []
    return [f.alias or name for name, f in found.model_fields.items()]


def _model_in(tp: Any) -> type[BaseModel] | None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    for arg in get_args(tp):
        found = _model_in(arg) if get_origin(arg) in (None, Union, Annotated) or \
            isinstance(arg, type) else None
        if found is not None:
            return found
    return None


def _step(tp: Any, part: str | int) -> Any:
    """The type one step down ``tp`` along ``part`` of a pydantic location."""
    if isinstance(part, str) and "[" in part:
        return tp  # a union member's tag: stay on the same type
    model = _model_in(tp) if get_origin(tp) in (Union, Annotated) or isinstance(tp, type) \
        else None
    if model is not None and isinstance(part, str):
        for name, info in model.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return None
    origin = get_origin(tp)
    args = get_args(tp)
    if origin in (list, tuple) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    if origin in (Union, Annotated):
        for arg in args:
            found = _step(arg, part)
            if found is not None:
                return found
    return None


def _is_internal(part: Any) -> bool:
    """pydantic adds the union member's name (e.g. 'function-after[...]') to locations."""
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "list[str]"})


def validate(source: Source, model: type[BaseModel], data: Any = None,
             prefix: Sequence[str | int] = ()) -> Any:
    """Validate ``data`` (default: the whole document) or raise InputError with lines,
    including the problems found while reading (duplicate keys)."""
    try:
        result = model.model_validate(source.data if data is None else data)
    except ValidationError as exc:
        raise InputError([*source.problems,
                          *problems_from_validation(source, exc, prefix, model)]) from None
    if source.problems:
        raise InputError(source.problems)
    return result
