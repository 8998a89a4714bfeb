"""Reading rules for the number families of public announcements that are not quantities.

A phone number, a road, a house number and a temperature all contain digits, but none of them
is read as an amount: "0251 3822 123" is "không hai năm một, ba tám hai hai, một hai ba", never
"ba nghìn tám trăm…". These rules run before the plain-number rule in
:func:`assets.speech.normalize.reading_text`, and each leaves text it does not recognise
untouched, so the later rules still see it.

Choices (see docs/DECISIONS.md, "Reading number families aloud"):

* phone numbers are read digit by digit in the writer's groups, a comma (a short pause) between
  groups; an unbroken number is one run of digits;
* short hotlines (111–119, 10xx such as 1022) are phone numbers only when the sentence names a
  call or a service before them ("gọi 113", "tổng đài 1022", "Công an 113"); elsewhere 113 is a
  quantity;
* road numbers and house numbers are cardinals; letter suffixes use Vietnamese letter names
  (QL1A → "quốc lộ một a"); the slash of an address is read "trên" (12/3 → "mười hai trên ba");
* units are read only after a number ("5 m" is "năm mét", a lone "m" is left alone).
"""

from __future__ import annotations

import re

from assets.speech import numbers as num
from assets.speech.letters import spell_letters

__all__ = ["addresses", "phones", "roads", "units"]


# --------------------------------------------------------------------------- phones
_PHONE = re.compile(
    r"(?<![\w.,/+])(\(\+84\)|\+84|\(0\d{1,3}\)|0\d+|1[89]00\d*)((?:[ .-]\d+)*)(?![\w]|[.,]\d)"
)


def _national_digits(groups: list[str]) -> int | None:
    """Digits after the country code, or None when the shape is not a Vietnamese number."""
    head = groups[0].strip("()")
    digits = "".join(g.strip("()+") for g in groups)
    if head == "+84":
        rest = len(digits) - 2
        return rest if 9 <= rest <= 10 else None
    if head.startswith(("1800", "1900")):
        return len(digits) if len(digits) in (8, 10) else None
    return len(digits) if len(digits) in (10, 11) else None


def _read_groups(groups: list[str]) -> str:
    """Digit by digit, a pause between groups; a lone digit joins the next group ("3.822.123"
    written like an amount is read "ba tám hai hai, một hai ba")."""
    merged: list[str] = []
    for group in groups:
        group = group.strip("()")
        if merged and len(merged[-1]) == 1 and merged[-1].isdigit():
            group = merged.pop() + group
        merged.append(group)
    words = []
    for group in merged:
        spoken = num.digits(group)
        words.append(f"cộng {spoken}" if group.startswith("+") else spoken)
    return ", ".join(words)


_PIECE = re.compile(r"([ .-]?)(\(\+84\)|\+84|\(0\d{1,3}\)|\d+)")


def _full_phones(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        pieces = _PIECE.findall(m.group(0))
        groups = [g for _, g in pieces]
        # the longest run of groups that is a valid number: "gọi 0912345678 20 lần"
        for k in range(len(groups), 0, -1):
            if _national_digits(groups[:k]) is not None:
                covered = "".join(sep + g for sep, g in pieces[:k])
                return _read_groups(groups[:k]) + m.group(0)[len(covered):]
        return m.group(0)

    return _PHONE.sub(repl, text)


_HOTLINE_CONTEXT = re.compile(
    r"(?i)(?:(?<!kêu )\bgọi|\bquay số|\bbấm số|\bđường dây nóng|\btổng đài|\bhotline"
    r"|\bđiện thoại|\bliên hệ|\bliên lạc|\bcấp cứu|\bcứu hỏa|\bcứu hoả|\bcứu hộ|\bcứu nạn"
    r"|\bcông an|\bbáo ngay|\btrình báo|\bSĐT|\bĐT)\b[^.!?;\n]{0,40}$"
)
_SHORT = re.compile(r"(?<![\w.,/])(11[1-9]|10\d\d)(?![\w]|[.,]\d)")
_COUNTED = re.compile(
    r"\s+(?:người|hộ|lần|trường hợp|cuộc|ca|vụ|xã|phường|đơn vị|ngày|tháng|năm|km|m|tấn|kg"
    r"|chiếc|con|căn|cán bộ|chiến sĩ|điểm|đồng|triệu|tỷ|nghìn)\b"
)


def _short_hotlines(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        before = text[max(0, m.start() - 60):m.start()]
        if not _HOTLINE_CONTEXT.search(before) or re.search(r"(?i)\bnăm\s*$", before):
            return m.group(0)
        if _COUNTED.match(text, m.end()):
            return m.group(0)
        return num.digits(m.group(1))

    return _SHORT.sub(repl, text)


def phones(text: str) -> str:
    """Phone numbers digit by digit in their written groups; short hotlines in context."""
    return _short_hotlines(_full_phones(text))


# --------------------------------------------------------------------------- roads
_ROAD_CODES = {"QL": "quốc lộ", "ĐT": "đường tỉnh", "TL": "tỉnh lộ", "HL": "hương lộ"}
_ROAD_CODE = re.compile(
    r"(?<![\w])(QL|ĐT|TL|HL)\s*\.?\s*(\d{1,3})([A-Z]{0,2})(?![\w]|[.,/]\d|\s*[.-]?\s*\d)"
)
_ROAD_WORD = re.compile(
    r"(?i)\b(quốc lộ|tỉnh lộ|đường tỉnh|hương lộ|đường huyện|đường số|cao tốc)(\s+)"
    r"(\d{1,3})([A-Z]{1,2})?(?![\w]|[.,/]\d)"
)


def _road_number(number: str, suffix: str | None, odd: str) -> str:
    words = num.cardinal(int(number), odd=odd)
    return f"{words} {spell_letters(suffix)}" if suffix else words


def roads(text: str, odd: str) -> str:
    """QL1A → "quốc lộ một a", ĐT768 → "đường tỉnh bảy trăm sáu mươi tám", Quốc lộ 51."""

    def code(m: re.Match[str]) -> str:
        return f"{_ROAD_CODES[m.group(1)]} {_road_number(m.group(2), m.group(3), odd)}"

    def word(m: re.Match[str]) -> str:
        return f"{m.group(1)}{m.group(2)}{_road_number(m.group(3), m.group(4), odd)}"

    return _ROAD_WORD.sub(word, _ROAD_CODE.sub(code, text))


# --------------------------------------------------------------------------- addresses
_HOUSE = r"\d{1,4}[A-Z]?(?:\s?/\s?\d{1,3}[A-Z]?)+"
_ADDRESS_AFTER = re.compile(
    rf"(?i)\b(số nhà|nhà số|số|hẻm|kiệt|ngõ|ngách)(\s+)({_HOUSE})(?![\w/]|[.,]\d)"
)
_ADDRESS_BEFORE = re.compile(
    rf"(?<![\w/.,])({_HOUSE})(?=\s+(?:đường|phố|hẻm|ngõ|ngách|kiệt|khu phố|tổ|ấp)\b)"
)


def _house(value: str, odd: str) -> str:
    parts = []
    for part in re.split(r"\s?/\s?", value):
        m = re.fullmatch(r"(\d+)([A-Z]?)", part)
        assert m is not None  # the pattern only lets such parts through
        parts.append(_road_number(m.group(1), m.group(2) or None, odd))
    return " trên ".join(parts)


def addresses(text: str, odd: str) -> str:
    """House numbers: "số 12/3 đường …" → "số mười hai trên ba đường …"."""

    def after(m: re.Match[str]) -> str:
        return f"{m.group(1)}{m.group(2)}{_house(m.group(3), odd)}"

    text = _ADDRESS_AFTER.sub(after, text)
    return _ADDRESS_BEFORE.sub(lambda m: _house(m.group(1), odd), text)


# --------------------------------------------------------------------------- units
_UNITS: dict[str, str] = {
    "km/h": "ki lô mét một giờ", "km/giờ": "ki lô mét một giờ", "m/s": "mét một giây",
    "km²": "ki lô mét vuông", "km2": "ki lô mét vuông", "m²": "mét vuông", "m2": "mét vuông",
    "m³": "mét khối", "m3": "mét khối", "km": "ki lô mét", "cm": "xen ti mét",
    "mm": "mi li mét", "m": "mét", "ha": "héc ta", "kg": "ki lô gam", "g": "gam",
    "mg": "mi li gam", "ml": "mi li lít", "l": "lít", "kWh": "ki lô oát giờ", "kW": "ki lô oát",
    "MW": "mê ga oát", "‰": "phần nghìn",
}
_UNIT = re.compile(
    r"(\d)\s*(" + "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
    + r")(?![\w²³/])"
)
_TEMPERATURE = re.compile(
    r"(?<![\w.,])(?:([-−])(?=\d))?(\d+(?:,\d+)?)\s*(?:[°º]\s*C|o\s?C|độ\s+C|[°º])(?![\w])"
)


def units(text: str) -> str:
    """35°C → "35 độ xê", 12 km → "12 ki lô mét", 60 km/h → "60 ki lô mét một giờ".

    Numbers are left as digits for the number rule, which then reads them as quantities.
    """

    def temperature(m: re.Match[str]) -> str:
        scale = " xê" if "C" in m.group(0) else ""
        sign = "âm " if m.group(1) else ""
        return f"{sign}{m.group(2)} độ{scale}"

    text = _TEMPERATURE.sub(temperature, text)
    return _UNIT.sub(lambda m: f"{m.group(1)} {_UNITS[m.group(2)]}", text)
