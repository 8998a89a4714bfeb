"""Forms of propaganda a document names, mapped to channel kinds.

Only the section that lists the forms ("Hình thức tuyên truyền") is read when there is one:
elsewhere the same words appear in other roles ("xử lý các tài khoản mạng xã hội đăng tải
thông tin sai sự thật" is not a request to post on Facebook).
"""

from __future__ import annotations

import re

from campaign.importer.cleanup import heading, is_upper_line
from campaign.importer.header import is_noi_nhan

# Canonical order, as the facts list them.
CHANNEL_ORDER = ["loudspeaker", "led", "zalo", "facebook", "website", "visual", "print",
                 "meeting", "press"]
SCHEDULABLE = ["facebook", "zalo", "led", "loudspeaker", "website"]
"""Channels a draft gives a ``schedule:`` entry when the document names them."""
DEFAULT_CHANNELS = ["facebook", "zalo", "led", "loudspeaker"]
"""What a draft schedules when the document names no schedulable channel."""
CHANNEL_LABELS = {
    "loudspeaker": "đài/loa truyền thanh cơ sở", "led": "màn hình, bảng LED",
    "zalo": "Zalo, OA Zalo", "facebook": "Facebook, mạng xã hội",
    "website": "trang/cổng thông tin điện tử", "visual": "cổ động trực quan, băng rôn, pano",
    "print": "tờ rơi, bản tin", "meeting": "hội nghị, báo cáo viên, sinh hoạt chi bộ",
    "press": "báo, đài",
}

# "phát thanh" as the act of broadcasting on loudspeakers, not the radio-and-TV sector
# ("Đài Phát thanh - Truyền hình", "báo chí, phát thanh truyền hình") nor a job (phát thanh viên).
_ON_AIR = r"(?<!đài )phát thanh(?!\s*(?:[-–,]|và)?\s*truyền hình)(?! viên)"

_PATTERNS: dict[str, re.Pattern[str]] = {
    "loudspeaker": re.compile(
        r"đài truyền thanh|loa truyền thanh|hệ thống loa|truyền thanh (?:cơ sở|cấp xã|xã|phường)"
        r"|loa phát thanh|cụm loa|loa không dây|tiếp âm|tiếp sóng|truyền thanh thông minh"
        rf"|{_ON_AIR}|\bloa\b"),
    "led": re.compile(r"màn hình led|bảng led|màn hình điện tử|bảng điện tử|\bled\b"),
    "zalo": re.compile(r"zalo"),
    "facebook": re.compile(r"facebook|mạng xã hội|fanpage"),
    "website": re.compile(r"(?:trang|cổng)(?:/(?:trang|cổng))? thông tin điện tử|website"
                          r"|cổng thông tin"),
    "visual": re.compile(r"cổ động trực quan|tuyên truyền trực quan|băng rôn|băng-rôn|khẩu hiệu"
                         r"|treo cờ"
                         r"|pano|panô|pa-nô|áp phích|apphich"),
    "print": re.compile(r"tờ rơi|tờ gấp|(?<!phát )bản tin|tài liệu tuyên truyền|sổ tay"),
    "meeting": re.compile(r"hội nghị|báo cáo viên|tuyên truyền viên|sinh hoạt chi bộ"
                          r"|sinh hoạt chuyên đề|họp dân|họp tổ dân phố"),
    "press": re.compile(r"báo,\s*đài|báo đài|báo chí|truyền hình|đài phát thanh"),
}
# Printed products (campaign.definition.VisualProduct kinds), in the order a ward hangs them.
PRINT_KINDS: dict[str, re.Pattern[str]] = {
    "bang-ron": re.compile(r"băng rôn|băng-rôn|băng rôl|băng zôn"),
    "phuon": re.compile(r"phướn"),
    "pano": re.compile(r"\bpano\b|panô|pa-nô"),
    "ap-phich": re.compile(r"áp phích|apphich|áp-phích"),
    "to-roi": re.compile(r"tờ rơi|tờ gấp"),
}
PRINT_KIND_LABELS = {"bang-ron": "băng rôn", "phuon": "phướn", "pano": "pano",
                     "ap-phich": "áp phích", "to-roi": "tờ rơi"}
_SECTION = re.compile(r"(?:hình thức|phương thức|phương tiện)(?: và (?:nội dung|thời gian))? tuyên truyền",
                      re.IGNORECASE)
_PROPAGANDA = re.compile(r"tuyên truyền|phổ biến|đăng tải|phát sóng|thông tin cho|quảng bá|trình chiếu"
                         rf"|tiếp âm|tiếp sóng|{_ON_AIR}|truyền thanh|thông báo trên",
                         re.IGNORECASE)
_CONTROL = re.compile(r"sai sự thật|xuyên tạc|xử lý|giám sát|ngăn chặn|rà soát chặn|vi phạm",
                      re.IGNORECASE)


def form_section(lines: list[str]) -> list[str] | None:
    """Lines of the "Hình thức tuyên truyền" section, or None when there is none.

    A heading that starts with the form words wins over one that merely mentions them
    ("II. NỘI DUNG VÀ HÌNH THỨC TUYÊN TRUYỀN" holds the content section too)."""
    candidates: list[tuple[bool, list[str]]] = []
    for index, line in enumerate(lines):
        inline_start = re.match(r"^(?:\d+\.|[IVX]+\.|[-+*])?\s*(?:hình thức|phương thức)"
                                r"[^:]{0,40}:", line or "", re.IGNORECASE)
        if not line or not _SECTION.search(line) or len(line) >= 90 and not inline_start:
            continue
        mark = heading(line)
        if not (mark or is_upper_line(line) or line.rstrip().endswith(":") or len(line) < 40
                or inline_start):
            continue
        text = mark[1] if mark else re.sub(r"^[*\-+]\s*", "", line)
        out: list[str] = []
        inline = line.split(":", 1)[1] if ":" in line else ""
        if inline.strip():
            out.append(inline)
        for follow in lines[index + 1:]:
            if follow and is_noi_nhan(follow):
                break
            follow_mark = heading(follow) if follow else None
            if follow_mark and (mark is None or follow_mark[0] <= mark[0]):
                break
            if follow and mark is None and (is_upper_line(follow) or follow.startswith("* ")):
                break
            out.append(follow)
        if any(out):
            candidates.append((bool(_SECTION.match(text)), out))
    if not candidates:
        return None
    candidates.sort(key=lambda c: not c[0])
    return candidates[0][1]


def _sentences(lines: list[str]) -> list[str]:
    text = " ".join(line for line in lines if line)
    return [s for s in re.split(r"(?<=[.;])\s+", text) if s]


def channels_in(text: str) -> list[str]:
    """Channel kinds one sentence names, in canonical order."""
    low = text.lower()
    return [kind for kind in CHANNEL_ORDER if _PATTERNS[kind].search(low)]


def _forms_text(lines: list[str]) -> str:
    """The lowered text that names the forms of propaganda (the section, else such sentences)."""
    section = form_section(lines)
    if section is not None:
        texts = _sentences(section)
    else:
        texts = [s for s in _sentences(lines) if _PROPAGANDA.search(s) and not _CONTROL.search(s)]
    return " ".join(texts).lower()


def find_channels(lines: list[str]) -> list[str]:
    """Channel kinds named as forms of propaganda, in canonical order."""
    blob = _forms_text(lines)
    return [kind for kind in CHANNEL_ORDER if _PATTERNS[kind].search(blob)]


def find_print_kinds(lines: list[str]) -> list[str]:
    """Printed products (bang-ron, phuon, pano, ap-phich, to-roi) named as forms of
    propaganda, read from the same text as :func:`find_channels`."""
    blob = _forms_text(lines)
    return [kind for kind, pattern in PRINT_KINDS.items() if pattern.search(blob)]
