"""Documents cited in the text: "Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị".

Citations come with or without "số", a date, or the issuing body, and may be broken over lines
("Nghị quyết số\\n52-NQ/TW"): we search the flattened text. The same document is usually cited
many times; the first citation fixes the order and later ones fill in a missing date or issuer.
"""

from __future__ import annotations

import re

from campaign.importer.header import SYMBOL_KINDS
from campaign.importer.model import Reference
from campaign.importer.vndates import ANY_DATE, parse_any

REFERENCE_KINDS = ["Chương trình hành động", "Chương trình", "Nghị quyết", "Kế hoạch",
                   "Hướng dẫn", "Chỉ thị", "Kết luận", "Quyết định", "Công văn", "Thông báo",
                   "Thông tư", "Nghị định", "Công điện", "Quy định", "Quy chế", "Đề án",
                   "Văn bản", "Báo cáo", "Tờ trình", "Luật"]
_KIND_ALT = "|".join(re.escape(k) for k in REFERENCE_KINDS)
_CITATION = re.compile(
    rf"\b(?P<kind>{_KIND_ALT})(?:\s+(?:liên tịch|phối hợp|hành động|liên ngành))?"
    r"\s+(?:số\s*:?\s*)?(?P<number>\d+(?:[-/][\w.&]+)+)",
    re.IGNORECASE)
_DATE_NEXT = re.compile(rf"^\s*,?\s*(?:ban hành\s+)?ngày\s+{ANY_DATE}")
_ISSUER_NEXT = re.compile(r"^\s*,?\s*(?:của|do)\s+(?P<issuer>.{2,120})")
_ISSUER_STOP = re.compile(
    r"\s+(?:về|triển khai|thực hiện|trên|ngày|tại|nhằm|đã|để|với|gắn|theo|được|đến|cho|trong"
    r"|sao gửi|ban hành|quy định|hướng dẫn|khóa|khoá|(?:và|hoặc)\s+(?=(?:"
    + _KIND_ALT + r")\b))\b|[,;:.()“\"”«»]", re.IGNORECASE)


def _canonical_kind(written: str, number: str) -> str:
    for kind in REFERENCE_KINDS:
        if kind.lower() == written.lower():
            if kind == "Văn bản":
                for code in re.split(r"[-/]", number):
                    if code in SYMBOL_KINDS:
                        return SYMBOL_KINDS[code]
            return kind
    return written


def _issuer(tail: str) -> str | None:
    match = _ISSUER_NEXT.match(tail)
    if not match:
        return None
    text = match.group("issuer")
    stop = _ISSUER_STOP.search(text)
    issuer = (text[:stop.start()] if stop else text).strip()
    words = issuer.split()
    if not words or len(words) > 10 or not words[0][0].isupper():
        return None
    return issuer


def find_references(text: str, *, own_number: str | None = None) -> list[Reference]:
    """Cited documents in order of first mention, merged by number."""
    found: dict[str, Reference] = {}
    for match in _CITATION.finditer(text):
        number = match.group("number").rstrip(".-/")
        if "/" not in number or (own_number and number == own_number):
            continue
        tail = text[match.end():match.end() + 240]
        date_match = _DATE_NEXT.match(tail)
        date = parse_any(date_match.group(0)) if date_match else None
        if date_match:
            tail = tail[date_match.end():]
        issuer = _issuer(tail)
        if issuer and date is None:
            after = tail[_ISSUER_NEXT.match(tail).start("issuer") + len(issuer):]  # type: ignore[union-attr]
            later = _DATE_NEXT.match(after)
            date = parse_any(later.group(0)) if later else None
        key = number.upper()
        if key in found:
            ref = found[key]
            ref.date = ref.date or date
            ref.issuer = ref.issuer or issuer
        else:
            found[key] = Reference(kind=_canonical_kind(match.group("kind"), number),
                                   number=number, date=date, issuer=issuer)
    return list(found.values())
