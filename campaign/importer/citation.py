"""A document copied from a web portal or a legal database: the header is gone and the first
line is the whole citation,

    "Thông báo số 217/TB-UBND ngày 08/5/2019 của UBND thị xã … V/v …"

— kind, number, date, issuer and subject on one line; the place is the locality the issuer
names ("UBND thị xã Long Khánh" → "Long Khánh").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from campaign.importer.cleanup import LOWER, UPPER
from campaign.importer.vndates import make_date

CITATION_KINDS = ["Chương trình hành động", "Chương trình", "Kế hoạch", "Hướng dẫn", "Thông báo",
                  "Quyết định", "Báo cáo", "Chỉ thị", "Nghị quyết", "Kết luận", "Công điện",
                  "Đề cương", "Công văn", "Văn bản", "Quy chế", "Quy định", "Thông tư",
                  "Nghị định"]
QUALIFIERS = r"(?:\s+(?:liên tịch|phối hợp|hành động|liên ngành|thống nhất))?"
SYMBOL = r"[\w.…]*\d[\w.…]*(?:\s*[-/]\s*[\w.&]+)+|[.…_ ]*/[\w.&]+(?:-[\w.&]+)*"
_CITATION_LINE = re.compile(
    rf"^(?P<kind>{'|'.join(CITATION_KINDS)}){QUALIFIERS}\s+(?:số\s*:?\s*)?(?P<number>{SYMBOL})"
    r"\s*,?\s+(?:ban hành\s+)?ngày\s+(?P<d>\d{1,2})\s*(?:[/.\-]|\s+tháng\s+)\s*(?P<m>\d{1,2})"
    r"\s*(?:[/.\-]|,?\s+năm\s+)\s*(?P<y>\d{4})"
    r"(?:\s*,?\s+(?:của|do)\s+(?P<issuer>.+?))?"
    r"(?:\s*(?:[,:;\-–]\s*)?(?:V/v\b|[Vv]ề việc\b|về\b|:)\s*:?\s*(?P<subject>.+))?$",
    re.IGNORECASE)
_PLACE = re.compile(
    r"(?:tỉnh|thành phố|TP\.?|huyện|quận|thị xã|thị trấn|xã|phường)\s+"
    rf"(?P<place>[{UPPER}][{LOWER}]*(?:\s+[{UPPER}][{LOWER}]*)*)\s*$")


@dataclass
class Citation:
    kind: str
    number: str | None
    date: dt.date | None
    year: int
    issuer: str | None
    place: str | None
    subject: str | None


def place_of(issuer: str | None) -> str | None:
    """The locality an issuer names at its end: "UBND huyện Trảng Bom" → "Trảng Bom"."""
    if not issuer:
        return None
    match = _PLACE.search(issuer.split(" và ")[-1])
    return match.group("place") if match else None


def read_citation_line(lines: list[str]) -> Citation | None:
    """The citation on the first non-empty line, when the document starts with one."""
    first = next((line for line in lines[:5] if line), "")
    if len(first) > 600:
        return None
    match = _CITATION_LINE.match(first)
    if not match:
        return None
    kind = next(k for k in CITATION_KINDS if k.lower() == match.group("kind").lower())
    written = re.sub(r"\s+", "", match.group("number")).strip(".,;:…_")
    number = written if "/" in written else None
    if number and not re.match(r"^\d", number):
        number = "/" + number.split("/", 1)[1]
    issuer = match.group("issuer")
    issuer = issuer.strip(" ,;:-") if issuer else None
    subject = match.group("subject")
    subject = subject.strip().rstrip(".") if subject else None
    year = int(match.group("y"))
    return Citation(kind=kind if kind != "Văn bản" else "Công văn", number=number,
                    date=make_date(match.group("d"), match.group("m"), year), year=year,
                    issuer=issuer, place=place_of(issuer), subject=subject or None)
