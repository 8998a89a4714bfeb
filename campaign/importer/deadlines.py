"""Deadlines: "trước ngày 15/3/2025", "chậm nhất ngày 20 tháng 3 năm 2025",
"trước ngày 10 tháng 11 hàng năm" (yearly), "trước ngày 25 hằng tháng" (monthly).

A deadline without a year and without "hàng năm" takes the document's year, as a reader would.
"""

from __future__ import annotations

import re

from campaign.importer.cleanup import UPPER
from campaign.importer.model import Deadline
from campaign.importer.vndates import make_date

_PREFIX = (r"(?:trước|chậm nhất(?:\s+là)?|hạn chót(?:\s+là)?|không muộn hơn|không quá|hạn cuối"
           r"(?:\s+là)?)")
_TIME = r"(?:\d{1,2}\s*(?:giờ|h)(?:\s*\d{1,2})?(?:\s*phút)?\s*,?\s*)?"
_DEADLINE = re.compile(
    rf"\b{_PREFIX}\s+{_TIME}(?:ngày\s*)?"
    r"(?:(?P<d1>\d{1,2})\s*[/.\-]\s*(?P<m1>\d{1,2})(?:\s*[/.\-]\s*(?P<y1>\d{4}))?(?![\d/])"
    r"|(?P<d2>\d{1,2})\s+tháng\s+(?P<m2>\d{1,2})(?:\s*,?\s*năm\s+(?P<y2>\d{4}))?"
    r"|(?P<d3>\d{1,2})\s+(?:hàng|hằng)\s+tháng)", re.IGNORECASE)
_YEARLY = re.compile(r"(?:hàng|hằng)\s+năm|định kỳ năm|mỗi năm", re.IGNORECASE)
_REPORT_TO = re.compile(
    r"(?:báo cáo|gửi)\s+(?:kết quả\s+(?:thực hiện\s+)?)?(?:về\s+)?(?:cho\s+)?"
    rf"(?P<to>[{UPPER}][^,;.()]*?)"
    r"(?=\s+(?:trước|để|đồng|theo|chậm|trong|qua|hạn)\b|[,;.(]|$)")


def _sentence_around(line: str, start: int, end: int) -> str:
    """The sentence (or ;-clause) of ``line`` that holds ``line[start:end]``."""
    cuts = [m.end() for m in re.finditer(r"[.;]\s+(?=\S)", line) if m.end() <= start]
    begin = cuts[-1] if cuts else 0
    stop = re.search(r"[.;](?=\s|$)|\./\.", line[end:])
    finish = end + stop.end() if stop else len(line)
    text = line[begin:finish].strip()
    text = re.sub(r"^(?:\d+(?:\.\d+)*\.|[-+*]|[a-zđ]\))\s+", "", text)
    text = re.sub(r"\./\.$", ".", text)
    return text.rstrip(";").strip()


def report_to(text: str) -> str | None:
    """Who a report goes to, from the deadline's sentence ("báo cáo Ban Tuyên giáo Tỉnh ủy")."""
    match = _REPORT_TO.search(text)
    return match.group("to").strip() if match else None


def find_deadlines(lines: list[str], *, year: int | None) -> list[Deadline]:
    out: list[Deadline] = []
    for line in lines:
        for match in _DEADLINE.finditer(line):
            text = _sentence_around(line, match.start(), match.end())
            after = line[match.end():match.end() + 30]
            yearly = bool(_YEARLY.match(after.strip())) or bool(_YEARLY.search(text))
            deadline: Deadline | None = None
            if match.group("d3"):
                deadline = Deadline(text=text, day=int(match.group("d3")), recurring="monthly")
            else:
                day = match.group("d1") or match.group("d2")
                month = match.group("m1") or match.group("m2")
                written_year = match.group("y1") or match.group("y2")
                if written_year:
                    date = make_date(day, month, written_year)
                    deadline = Deadline(text=text, date=date) if date else None
                elif yearly:
                    if make_date(day, month, 2024):  # a leap year admits 29/2
                        deadline = Deadline(text=text, month=int(month), day=int(day),
                                            recurring="yearly")
                elif year:
                    date = make_date(day, month, year)
                    deadline = Deadline(text=text, date=date) if date else None
            if deadline is not None:
                deadline.to = report_to(text)
                out.append(deadline)
    return out
