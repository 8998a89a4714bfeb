"""The administrative frame of a document (Nghị định 30/2020/NĐ-CP layout): issuer, number,
place and date, kind, subject, recipients at the top; copies and signer at the bottom.

Real files bend the layout: numbers and dates left blank for the signer to fill in, the two
header columns flattened into one line or into table cells, typos in fixed words ("Noi nhận"),
and a second document attached after the first. Everything here works on cleaned lines.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from campaign.importer.citation import read_citation_line
from campaign.importer.cleanup import LOWER, UPPER, fold, is_bullet, is_title_word, is_upper_line
from campaign.importer.model import Signer
from campaign.importer.vndates import make_date

# Kinds of documents, longest first so "Chương trình hành động" wins over "Chương trình".
KINDS = ["Chương trình hành động", "Chương trình", "Kế hoạch", "Hướng dẫn", "Thông báo",
         "Quyết định", "Báo cáo", "Tờ trình", "Chỉ thị", "Nghị quyết", "Kết luận", "Công điện",
         "Đề cương", "Công văn", "Quy chế", "Quy định", "Thông tư", "Nghị định"]
_KIND_FOLDED = [(fold(k), k) for k in KINDS]
# Document symbol codes ("…/KH-UBND", "164-HD/BTGTU") → kind, when no heading says it.
SYMBOL_KINDS = {"KH": "Kế hoạch", "HD": "Hướng dẫn", "TB": "Thông báo", "QĐ": "Quyết định",
                "BC": "Báo cáo", "TTr": "Tờ trình", "CT": "Chỉ thị", "NQ": "Nghị quyết",
                "KL": "Kết luận", "CĐ": "Công điện", "CTr": "Chương trình", "CV": "Công văn",
                "TT": "Thông tư", "NĐ": "Nghị định", "QC": "Quy chế", "QĐi": "Quy định",
                "CTrPH": "Chương trình", "CTrHĐ": "Chương trình hành động",
                "KHPH": "Kế hoạch", "KHLT": "Kế hoạch", "HDLT": "Hướng dẫn", "TTLT": "Thông tư",
                "ĐC": "Đề cương"}

_MOTTO = re.compile(r"^(?:CỘNG HÒA XÃ HỘI|CỘNG HOÀ XÃ HỘI|Độc lập\s*[-–]|ĐẢNG CỘNG SẢN VIỆT NAM"
                    r"|CHỦ NGHĨA VIỆT NAM$"
                    r"|[-_=*~. ]+$)", re.IGNORECASE)
_ORG_START = re.compile(
    r"^(?:ỦY BAN|UỶ BAN|UBND|HĐND|HỘI ĐỒNG|SỞ|PHÒNG|BAN|TỈNH ỦY|TỈNH UỶ|THÀNH ỦY|THÀNH UỶ"
    r"|HUYỆN ỦY|HUYỆN UỶ|ĐẢNG ỦY|ĐẢNG UỶ|ĐẢNG BỘ|TRUNG TÂM|BỘ|CỤC|CHI CỤC|VĂN PHÒNG|ĐOÀN"
    r"|MẶT TRẬN|BỘ CHỈ HUY|CÔNG AN|ĐÀI)\b")
_HEADER_SPLIT = re.compile(
    r"(?<=\S)\s+(?=CỘNG HÒA(?: XÃ HỘI)?$|CỘNG HÒA XÃ HỘI|CỘNG HOÀ XÃ HỘI|ĐẢNG CỘNG SẢN VIỆT NAM"
    r"|Độc lập\s*[-–]|Số\s*:"
    r"|V/v\b)"
    rf"|(?<=[^{LOWER}\s])\s+(?=(?:TP\.\s?)?(?:[{UPPER}][{LOWER}]*\s)*[{UPPER}][{LOWER}]+\s*,\s*ngày\b)")
_PLACE_DATE = re.compile(
    r",\s*ngày\b[\s._…]*(\d{1,2})?[\s._…]*tháng\b[\s._…]*(\d{1,2})?[\s._…]*năm\b\s*(\d{4})?")
_NUMBER = re.compile(r"^(?:Số|SỐ)\s*:?\s*(.*)$")
_SUBJECT = re.compile(r"^(?:V/v|Về việc)\s*:?\s*(.*)$", re.IGNORECASE)
_RECIPIENTS = re.compile(r"^Kính\s+gửi\s*:?\s*(.*)$", re.IGNORECASE)
_ALSO_TO = re.compile(r"^Đồng\s+kính\s+gửi\s*:?\s*(.*)$", re.IGNORECASE)
_BODY_START = re.compile(
    r"^(?:Căn cứ|Thực hiện|Theo\b|Để\b|Nhằm\b|Trên cơ sở|Ngày \d|Qua\b|Tiếp theo|Sau khi"
    r"|Thời gian qua|Hiện nay|[IVX]+\.\s|\d+\.\s)")
_END_OF_BODY = re.compile(r"\./\.\s*$")
_ADMIN_UNITS = {"tỉnh", "thành phố", "huyện", "quận", "xã", "phường", "thị xã", "thị trấn",
                "tỉnh ủy", "thành ủy", "huyện ủy", "quận ủy", "đảng ủy", "tỉnh uỷ", "thành uỷ",
                "huyện uỷ", "quận uỷ", "đảng uỷ"}
_ORG_TYPES = {"phòng", "sở", "ban", "tâm", "cục", "bộ", "đài", "hội", "viện", "trường", "đoàn"}
_ACRONYMS = {"ubnd", "hđnd", "mttq", "ub", "tw", "vh-tt-tt", "vh-tt", "khcn", "cntt", "tp.",
             "tp", "tt", "vh", "ct-xh"}


@dataclass
class Header:
    kind: str | None
    number: str | None
    issuer: str | None
    place: str | None
    date: dt.date | None
    year: int | None
    subject: str | None
    recipients: list[str]
    copies_to: list[str]
    signer: Signer | None


# ---------------------------------------------------------------- splitting attached documents

def kind_heading(line: str) -> str | None:
    """The kind named by a capitalised heading line ("HƯỚNG DẪN", "KẾ HOẠCH TUYÊN TRUYỀN …")."""
    if not is_upper_line(line):
        return None
    folded = fold(line).strip(" :.")
    for key, kind in _KIND_FOLDED:
        if folded == key or folded.startswith(key + " "):
            return kind
    return None


def is_noi_nhan(line: str) -> bool:
    """"Nơi nhận:", also when typed without marks ("Noi nhận", "NOI NHAN")."""
    return bool(re.match(r"^n[oơ]i\s*nh[aâ]n\b", fold(line)))


def _starts_document(line: str) -> bool:
    return bool(kind_heading(line) or _NUMBER.match(line) and "/" in line
                or re.match(r"^(?:CỘNG HÒA|CỘNG HOÀ) XÃ HỘI", line)
                or is_upper_line(line) and _ORG_START.match(line))


def split_documents(lines: list[str]) -> list[list[str]]:
    """One list of lines per document: a document attached after the first one (its own
    heading, number or issuer after the first one's closing "./." or "Nơi nhận") starts anew."""
    docs: list[list[str]] = [[]]
    closed = False
    for line in lines:
        if closed and line and _starts_document(line):
            docs.append([])
            closed = False
        docs[-1].append(line)
        if line and (is_noi_nhan(line) or _END_OF_BODY.search(line)):
            closed = True
    return [d for d in docs if any(d)]


# ---------------------------------------------------------------- the header

def _header_lines(lines: list[str]) -> list[str]:
    """The top of the document, with two-column lines split into their cells."""
    out: list[str] = []
    for line in lines[:60]:
        if _RECIPIENTS.match(line) or (_BODY_START.match(line) and out):
            break
        if len(line) > 300:
            break
        out.extend(part.strip() for part in _HEADER_SPLIT.split(line))
    return out


def org_case(text: str) -> str:
    """A capitalised organisation name in the usual mixed case:
    "ỦY BAN NHÂN DÂN TỈNH ĐỒNG NAI" → "Ủy ban nhân dân tỉnh Đồng Nai"."""
    words = text.lower().replace("việt nam", "Việt Nam").split()
    out: list[str] = []
    capitalise_next = True
    place_mode = False
    i = 0
    while i < len(words):
        word = words[i]
        pair = " ".join(words[i:i + 2])
        if word in _ACRONYMS or "-" in word and len(word) <= 10 and word.count("-") >= 1 \
                and all(len(p) <= 3 for p in word.split("-")):
            out.append(word.upper())
            i += 1
            capitalise_next = False
            continue
        if pair in _ADMIN_UNITS or word in _ADMIN_UNITS:
            unit = pair if pair in _ADMIN_UNITS else word
            unit_words = unit.split()
            first = unit_words[0].capitalize() if capitalise_next or "ủy" in unit or "uỷ" in unit \
                else unit_words[0]
            out.extend([first, *unit_words[1:]])
            i += len(unit_words)
            place_mode = True
            capitalise_next = False
            continue
        if place_mode or capitalise_next:
            out.append(word.capitalize())
        else:
            out.append(word)
        capitalise_next = False
        if word in ("và", "-", ",") or word.endswith(","):
            capitalise_next = True
        if word in _ORG_TYPES and not (word == "ban" and " ".join(words[i + 1:i + 3]) in (
                "nhân dân",)):
            capitalise_next = True
        i += 1
    return " ".join(out)


_JOINT_LINK = re.compile(r"(?:\s[-–]|\sVÀ|,)$")


def _issuer_from_header(head: list[str], *, joint: bool = False) -> str | None:
    """The issuing body: the last organisation named in the header's left column.

    A name broken over lines ("PHÒNG VĂN HÓA VÀ" / "THÔNG TIN") is one body; "A - B" on one
    line, a line ending in "-"/"VÀ", or a joint kind ("phối hợp", "liên tịch") names several
    bodies that issue together, all kept."""
    groups: list[list[str]] = []
    links: list[bool] = []
    for line in head:
        if _NUMBER.match(line) or _PLACE_DATE.search(line) or kind_heading(line):
            break
        if not is_upper_line(line) or _MOTTO.match(line):
            continue
        parts = [p.strip() for p in re.split(r"\s[-–]\s(?=" + _ORG_START.pattern[1:] + ")",
                                             line) if p.strip()]
        for n, part in enumerate(parts):
            continues = groups and (not _ORG_START.match(part) and n == 0
                                    or _JOINT_LINK.search(groups[-1][-1]) is not None
                                    and not _ORG_START.match(part))
            if continues:
                groups[-1].append(part)
            else:
                linked = bool(groups) and (n > 0 or bool(_JOINT_LINK.search(groups[-1][-1])))
                groups.append([part])
                links.append(linked)
    if not groups:
        return None
    names = [org_case(" ".join(g).strip(" -–,")) for g in groups]
    if joint and len(names) > 1:
        return " và ".join(names)
    tail = len(names) - 1
    while tail > 0 and links[tail]:
        tail -= 1
    return " và ".join(names[tail:])


_ISSUER_IN_BODY = re.compile(
    r"(?:^|[,;:)]\s+)((?:Sở|Phòng|Ban|Ủy ban nhân dân|UBND|Trung tâm|Văn phòng|Thành ủy|Tỉnh ủy"
    r"|Huyện ủy|Đảng ủy|Cục|Chi cục|Bộ)\s(?:[^\s,;:.()]+\s){0,9}?)"
    r"(?:kính báo cáo|kiến nghị|đề nghị|xây dựng|ban hành|hướng dẫn|thông báo|yêu cầu)\b")


def issuer_from_body(lines: list[str]) -> str | None:
    """The issuing body named in the text ("Sở Khoa học và Công nghệ xây dựng Chương trình …"),
    for documents whose header block was lost when they were copied."""
    for line in lines:
        match = _ISSUER_IN_BODY.search(line)
        if match:
            return match.group(1).strip()
    return None


def _number(head: list[str]) -> str | None:
    for line in head:
        match = _NUMBER.match(line)
        if not match:
            continue
        value = re.split(r"\s{2,}|V/v\b|,\s*ngày\b", match.group(1))[0]
        value = re.sub(r"\s+", "", value).strip(".,;:")
        if "/" in value and re.fullmatch(r"[\w./\-]+", value):
            return value
    return None


def _place_date(head: list[str]) -> tuple[str | None, dt.date | None, int | None]:
    for line in head:
        match = _PLACE_DATE.search(line)
        if not match:
            continue
        words = line[:match.start()].split()
        place: list[str] = []
        for word in reversed(words):
            if is_title_word(word) or place and word in ("TP.", "Tp.", "TP"):
                place.insert(0, word)
            else:
                break
        day, month, year = match.groups()
        return (" ".join(place) or None, make_date(day, month, year),
                int(year) if year else None)
    return None, None, None


def _subject_and_kind(lines: list[str], head: list[str]) -> tuple[str | None, str | None]:
    for index, line in enumerate(lines[:80]):
        match = _SUBJECT.match(line)
        if match:
            parts = [match.group(1)]
            parts.extend(_continuation(lines, index + 1, stop_on_blank=True))
            return "Công văn", " ".join(p for p in parts if p).strip() or None
        kind = kind_heading(line)
        if kind:
            rest = line[len(kind):].strip(" :.-") if fold(line).startswith(fold(kind)) else ""
            rest = re.sub(r"^(?:PHỐI HỢP|LIÊN TỊCH|LIÊN NGÀNH|HÀNH ĐỘNG)\b\s*", "", rest)
            parts = [rest.capitalize()] if rest else []
            follow = _continuation(lines, index + 1, stop_on_blank=bool(parts))
            if follow:
                match = _SUBJECT.match(follow[0])  # "QUYẾT ĐỊNH" / "Về việc …"
                follow[0] = match.group(1) if match else follow[0]
            parts.extend(follow)
            return kind, " ".join(p for p in parts if p).strip() or None
    return None, None


def _continuation(lines: list[str], start: int, *, stop_on_blank: bool) -> list[str]:
    """The lines that continue a subject: up to a blank line, a header cell or the body."""
    out: list[str] = []
    for line in lines[start:start + 12]:
        if not line:
            if out or stop_on_blank:
                break
            continue
        if (_RECIPIENTS.match(line) or _BODY_START.match(line) or _MOTTO.match(line)
                or _PLACE_DATE.search(line) or _NUMBER.match(line) or len(line) > 250
                or is_upper_line(line) and out):
            break
        out.append(line)
    return out


def _kind_from_symbol(number: str | None) -> str | None:
    if not number:
        return None
    codes = re.split(r"[-/]", number)
    for code in codes:
        if code in SYMBOL_KINDS:
            return SYMBOL_KINDS[code]
    return None


# ---------------------------------------------------------------- lists: recipients, copies

def _item(text: str) -> str:
    text = re.sub(r"^[-+•*]\s*", "", text.strip())
    return text.strip().rstrip(";,.").strip()


def _list_after(lines: list[str], index: int, inline: str) -> list[str]:
    """Items of a "Kính gửi:" / "Nơi nhận:" list: inline after the colon or bullets below."""
    items: list[str] = []
    if inline.strip():
        for part in inline.split(";"):
            if _item(part):
                items.append(_item(part))
        if not any(is_bullet(line) for line in lines[index + 1:index + 3] if line):
            return items
    for line in lines[index + 1:]:
        if not line:
            continue
        if not is_bullet(line):
            break
        items.append(_item(line))
    return [i for i in items if i]


def recipients(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        match = _RECIPIENTS.match(line)
        if match:
            return _list_after(lines, index, match.group(1))
    return []


def copies_to(lines: list[str]) -> list[str]:
    """"Nơi nhận" and "Đồng kính gửi" entries; the filing note ("Lưu: VT") is not a copy."""
    out: list[str] = []
    for index, line in enumerate(lines):
        if is_noi_nhan(line):
            inline = re.sub(r"^\S+\s+\S+\s*:?", "", line, count=1)
            out.extend(_list_after(lines, index, inline))
        else:
            match = _ALSO_TO.match(line)
            if match:
                out.extend(_list_after(lines, index, match.group(1)))
    return [c for c in out if not re.match(r"^Lưu\b", c, re.IGNORECASE)]


# ---------------------------------------------------------------- signer

_NOT_A_NAME = re.compile(r"^(?:Như|Lưu|Các|Nơi|Noi|Kính|Đồng|Ban|Sở|Phòng|Văn|Thường|Phụ)\b")


def _is_name(line: str) -> bool:
    words = line.split()
    return (2 <= len(words) <= 6 and all(is_title_word(w) for w in words)
            and not _NOT_A_NAME.match(line))


def signer(lines: list[str]) -> Signer | None:
    """The person who signs and the title above the name, searched after the body's end."""
    start = None
    for index, line in enumerate(lines):
        if is_noi_nhan(line) or _END_OF_BODY.search(line):
            start = index if start is None else start
            if is_noi_nhan(line):
                break
    tail_start = start if start is not None else max(0, len(lines) - 15)
    tail = [line for line in lines[tail_start:] if line]
    name_index = None
    for index in range(len(tail) - 1, -1, -1):
        if not is_bullet(tail[index]) and _is_name(tail[index]):
            name_index = index
            break
    if name_index is None:
        return None
    title = None
    for line in reversed(tail[:name_index]):
        if (is_upper_line(line) and not is_bullet(line) and not is_noi_nhan(line)
                and not _END_OF_BODY.search(line)):
            title = line.strip(" :")
            break
    return Signer(name=tail[name_index], title=title)


# ---------------------------------------------------------------- all together

_JOINT = re.compile(r"\b(?:liên tịch|phối hợp|liên ngành)\b|\b(?:[A-Z]+PH|[A-Z]+LT)\b",
                    re.IGNORECASE)


def read_header(lines: list[str]) -> Header:
    head = _header_lines(lines)
    number = _number(head)
    place, date, year = _place_date(head)
    kind, subject = _subject_and_kind(lines, head)
    citation = read_citation_line(lines)
    if citation is not None:  # a portal copy: the first line says it all
        number = number or citation.number
        kind = citation.kind
        date, year = date or citation.date, year or citation.year
        place = place or citation.place
        subject = citation.subject or subject
    kind = kind or _kind_from_symbol(number)
    if kind is None and recipients(lines):
        kind = "Công văn"
    joint = bool(_JOINT.search(" ".join(head[:12])) or number and _JOINT.search(number))
    issuer = ((citation.issuer if citation else None) or _issuer_from_header(head, joint=joint)
              or issuer_from_body(lines))
    return Header(kind=kind, number=number, issuer=issuer, place=place, date=date, year=year,
                  subject=subject, recipients=recipients(lines), copies_to=copies_to(lines),
                  signer=signer(lines))
