"""Themes to tell people about, from the structure of the document.

Where to look, best first: the section titled "Nội dung tuyên truyền" (its numbered
sub-sections, or its bullets); a "… các nội dung:" sentence followed by bullets; a short section
heading with "nội dung" or "nhiệm vụ". A document without any of these has no themes; the draft
then falls back to its subject.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from campaign.importer.cleanup import heading, is_bullet, is_upper_line, shorten
from campaign.importer.header import is_noi_nhan
from campaign.importer.model import Theme
from campaign.importer.slogans import is_slogan_intro

MAX_THEMES = 8
_LONG_HEADING = 160
_LIST_INTRO = re.compile(r"(?:các|những) nội dung(?: chủ yếu| chính| cơ bản| trọng tâm)?"
                         r"(?: sau(?: đây)?)?\s*:\s*$", re.IGNORECASE)
_ADMIN_START = re.compile(
    r"^(?:Căn cứ|Thực hiện|Đề nghị|Kính|Trên đây|Giao|Tuy nhiên|Do vậy|Vì vậy|Trong quá trình"
    r"|Trên cơ sở|Để|Nhằm|\(|Nơi nhận)")
_ASKS = re.compile(r"đề nghị|kiến nghị|yêu cầu|báo cáo|trước ngày", re.IGNORECASE)


def _section(lines: list[str], start: int, level: int) -> list[str]:
    out: list[str] = []
    for line in lines[start + 1:]:
        mark = heading(line) if line else None
        if mark and mark[0] <= level or line and is_noi_nhan(line):
            break
        out.append(line)
    return out


def _find_section(lines: list[str]) -> list[str] | None:
    tests: list[Callable[[str], bool]] = [
        lambda text: "nội dung tuyên truyền" in text.lower() and len(text) < 90,
        lambda text: bool(re.search(r"\bnội dung\b", text.lower())) and len(text) < 60
        and "hình thức" not in text.lower(),
        lambda text: bool(re.search(r"\bnhiệm vụ\b", text.lower())) and len(text) < 60,
    ]
    for test in tests:
        for index, line in enumerate(lines):
            mark = heading(line) if line else None
            if mark and test(mark[1]):
                return _section(lines, index, mark[0])
            if line and not mark and is_upper_line(line) and test(line) and len(line) < 60:
                return _section(lines, index, 0)
    return None


def _split_long(text: str) -> tuple[str, list[str]]:
    text = text.rstrip(":").strip()
    if len(text) <= _LONG_HEADING:
        return text, []
    clauses = [c.strip() for c in re.split(r";\s+", text) if c.strip()]
    return clauses[0].rstrip(".;"), [c.rstrip(";") for c in clauses[1:]]


def _item(line: str) -> str:
    return re.sub(r"^[-+•*]\s*", "", line).strip()


def _themes_in(section: list[str]) -> list[Theme]:
    marks = [(i, heading(line)) for i, line in enumerate(section) if line and heading(line)]
    if marks:
        top = min(mark[0] for _, mark in marks if mark)
        themes: list[Theme] = []
        subs = [(i, mark) for i, mark in marks if mark and mark[0] == top]
        for n, (index, mark) in enumerate(subs):
            end = subs[n + 1][0] if n + 1 < len(subs) else len(section)
            body = [line for line in section[index + 1:end] if line]
            title, rest = _split_long(mark[1])
            bullets = [_item(line) for line in body if is_bullet(line)]
            points = bullets or rest or [line for line in body
                                         if not heading(line) and not _ADMIN_START.match(line)]
            themes.append(Theme(title=title, points=points))
        return themes
    bullets = [_item(line) for line in section if line and is_bullet(line)]
    return [Theme(title=_first_clause(b), points=[b]) for b in bullets]


def _first_clause(text: str) -> str:
    clause = re.split(r"[;:.](?:\s|$)", text, maxsplit=1)[0]
    return shorten(clause, 120)


def find_themes(lines: list[str]) -> list[Theme]:
    section = _find_section(lines)
    if section is not None:
        cut = next((i for i, line in enumerate(section) if is_slogan_intro(line)), None)
        section = section[:cut]  # the slogans are the LED's, not points to read out
        themes = _themes_in(section)
        if themes:
            return themes[:MAX_THEMES]
    for index, line in enumerate(lines):
        if line and _LIST_INTRO.search(line):
            items: list[str] = []
            for follow in lines[index + 1:]:
                if not follow:
                    continue
                if not is_bullet(follow):
                    break
                items.append(_item(follow).rstrip(".;"))
            if items:
                return [Theme(title=shorten(i, 200), points=[]) for i in items][:MAX_THEMES]
    return []


def descriptive_paragraphs(lines: list[str], limit: int = 6) -> list[str]:
    """Paragraphs that explain rather than instruct: material for a post when the document
    lists no points under its theme."""
    out: list[str] = []
    for line in lines:
        if (len(line) >= 80 and not is_bullet(line) and not heading(line)
                and not is_upper_line(line) and not _ADMIN_START.match(line)
                and not _ASKS.search(line) and not line.startswith(("V/v", "Về việc"))):
            out.append(line)
        if len(out) >= limit:
            break
    return out


_PURPOSE = re.compile(r"\bmục (?:đích|tiêu)\b", re.IGNORECASE)
_INWARD = re.compile(
    r"cán bộ|công chức|viên chức|cấp ủy|cấp uỷ|tổ chức đảng|đảng viên|người đứng đầu"
    r"|công tác tuyên truyền|kế hoạch này|\bphải\b|\bcần\b|bảo đảm|đảm bảo|tiết kiệm"
    r"|đúng quy định|chất lượng, hiệu quả|kịp thời, |nghiêm túc|phân công|đơn vị", re.IGNORECASE)


def find_purpose(lines: list[str], limit: int = 6) -> list[str]:
    """Sentences of the "Mục đích, yêu cầu" section that speak to people, not to officials:
    "Nâng cao nhận thức của người dân về …" is material for a post; "Công tác tuyên truyền cần
    tiến hành kịp thời" is an instruction to the office and is left out."""
    for index, line in enumerate(lines):
        mark = heading(line) if line else None
        title = mark[1] if mark else (line if line and is_upper_line(line) else "")
        if not title or not _PURPOSE.search(title) or len(title) > 60:
            continue
        level = mark[0] if mark else 0
        out: list[str] = []
        for follow in _section(lines, index, level) if mark else lines[index + 1:]:
            if not follow:
                continue
            sub = heading(follow)
            if (sub or is_upper_line(follow)) and re.search(
                    r"^(?:yêu cầu|nội dung|hình thức|tổ chức)", (sub[1] if sub else follow),
                    re.IGNORECASE):
                break
            if not mark and is_upper_line(follow):
                break
            text = _item(sub[1] if sub else follow)
            if len(text) < 30 and not text.endswith("."):
                continue  # "1. Mục đích": a sub-heading, not a sentence
            if _INWARD.search(text) or _ADMIN_START.match(text) or is_noi_nhan(text):
                continue
            out.append(text)
            if len(out) >= limit:
                break
        return out
    return []
