"""Slogans the document lists, word for word: they are official and must not be paraphrased.

Three forms: a list under a "Khẩu hiệu tuyên truyền:" line or heading (bullets, numbered lines,
quoted lines); slogans quoted in a sentence that speaks of "khẩu hiệu" ("với khẩu hiệu “…”");
and a list after a colon on that sentence ("các khẩu hiệu: A; B.").
"""

from __future__ import annotations

import re

from campaign.importer.cleanup import heading, is_bullet, is_upper_line
from campaign.importer.header import is_noi_nhan

MAX_SLOGAN = 160
"""The campaign file refuses a longer LED slogan."""
_INTRO = re.compile(r"khẩu hiệu", re.IGNORECASE)
_QUOTED = re.compile(r"[“\"«]([^”\"»]{6,200})[”\"»]")
_ITEM = re.compile(r"^(?:[-+•*]\s+|\d{1,2}[.)]\s+|[a-zđ]\)\s+)")
_SECTION_TITLE = re.compile(r"^(?:hình thức|tổ chức|nội dung|thời gian|kinh phí|phân công"
                            r"|mục đích|yêu cầu|chế độ)", re.IGNORECASE)
_NOT_SLOGAN = re.compile(r"^(?:Treo|In |Thực hiện|Đề nghị|Các |Giao |Trên đây|Nơi nhận|Căn cứ)"
                         r"|\btại\s+(?:trụ sở|trung tâm|các)\b", re.IGNORECASE)


def _tidy(text: str) -> str:
    text = _ITEM.sub("", text.strip()).strip()
    quoted = re.fullmatch(r"[“\"«'‘](.+?)[”\"»'’][.;,]?", text)
    if quoted:
        text = quoted.group(1)
    return text.strip().rstrip(";,").rstrip(".").strip()


def _acceptable(text: str) -> bool:
    words = text.split()
    return (2 <= len(words) <= 30 and len(text) <= MAX_SLOGAN and not text.endswith(":")
            and not _NOT_SLOGAN.search(text))


def _is_intro(line: str) -> bool:
    """A line that announces a list of slogans: "Khẩu hiệu tuyên truyền:", "5. KHẨU HIỆU",
    "Các khẩu hiệu sau:"; not a sentence that merely mentions slogans ("2. Trình chiếu khẩu
    hiệu trên màn hình LED …")."""
    if not _INTRO.search(line):
        return False
    mark = heading(line)
    text = (mark[1] if mark else line).strip()
    if len(text) > 90:
        return False
    if text.endswith(":"):
        return True
    return bool(re.match(r"^(?:(?:các|những|một số|hệ thống|nội dung|danh sách|\*)\s+)?khẩu hiệu",
                         text, re.IGNORECASE))


def _listed(lines: list[str], index: int) -> list[str]:
    """Items under the intro at ``index``: until a heading, a prose paragraph or "Nơi nhận"."""
    intro_mark = heading(lines[index])
    out: list[str] = []
    for line in lines[index + 1:]:
        if not line:
            continue
        mark = heading(line)
        quoted = bool(re.match(r"^[-+•*]?\s*[“\"«]", line))
        item = bool(_ITEM.match(line)) or quoted or is_upper_line(line)
        if is_noi_nhan(line) or (mark and intro_mark and mark[0] < intro_mark[0]):
            break
        if mark and intro_mark and mark[0] == intro_mark[0] and (
                _SECTION_TITLE.match(mark[1]) or is_upper_line(mark[1])
                and _number(line) == _number(lines[index]) + 1):
            break  # the next section ("6. KINH PHÍ"); "1. TOÀN DÂN …" is an item
        if mark and not quoted and (mark[0] == 1 or _SECTION_TITLE.match(mark[1])):
            break
        if not item and not is_bullet(line):
            break
        text = _tidy(line)
        if not _acceptable(text):
            if out:
                break
            continue
        out.append(text)
    return out


def _number(line: str) -> int:
    """The leading number of a numbered line ("5. KHẨU HIỆU" → 5), -1 without one."""
    match = re.match(r"^\s*(\d+)[.)]", line)
    return int(match.group(1)) if match else -1


def _inline(line: str) -> list[str]:
    """Slogans quoted, or listed after a colon, in a sentence that speaks of slogans."""
    out: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-ZĐ“\"])", line):
        spot = _INTRO.search(sentence)
        if not spot:
            continue
        tail = sentence[spot.start():]
        quoted = [_tidy(q) for q in _QUOTED.findall(tail)]
        if quoted:
            out.extend(q for q in quoted if _acceptable(q))
            continue
        if ":" in tail:
            listed = tail.split(":", 1)[1]
            parts = [_tidy(p) for p in re.split(r";\s*", listed) if p.strip()]
            if len(parts) >= 2:
                out.extend(p for p in parts if _acceptable(p))
    return out


def find_slogans(lines: list[str]) -> list[str]:
    """The slogans the document lists, in order, each once, as written."""
    found: list[str] = []
    for index, line in enumerate(lines):
        if not line or not _INTRO.search(line):
            continue
        items = _listed(lines, index) if _is_intro(line) else []
        if not items:
            items = _inline(line)
        for item in items:
            if item.lower() not in (f.lower() for f in found):
                found.append(item)
    return found


def is_slogan_intro(line: str) -> bool:
    """True for the line that opens a slogan list (content sections end there)."""
    return bool(line) and _is_intro(line)
