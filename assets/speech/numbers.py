"""Vietnamese number words.

Our own reader rather than g2p-hamster's, because loudspeaker scripts need a few choices fixed
and testable: ``mốt``/``lăm`` after tens, ``lẻ`` (southern, the default) or ``linh`` for an empty
tens place, ``nghìn`` for thousands, and ``không trăm`` inside a number (2024 → "hai nghìn không
trăm hai mươi bốn"), which is how announcers read years and document numbers.
"""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
SCALES = ("", "nghìn", "triệu", "tỷ")


def _tens_units(tens: int, units: int, *, after_hundreds: bool, odd: str) -> list[str]:
    """Words for the last two digits of a three-digit group."""
    if tens == 0:
        if units == 0:
            return []
        return [odd, DIGITS[units]] if after_hundreds else [DIGITS[units]]
    words = ["mười"] if tens == 1 else [DIGITS[tens], "mươi"]
    if units == 1 and tens >= 2:
        words.append("mốt")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def _group(n: int, *, leading: bool, odd: str) -> list[str]:
    """Words for 0 < n < 1000; inner groups always say their hundreds (``không trăm``)."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or not leading:
        words += [DIGITS[hundreds], "trăm"]
    words += _tens_units(tens, units, after_hundreds=bool(words), odd=odd)
    return words


def cardinal(n: int, *, odd: str = "lẻ") -> str:
    """Read a non-negative integer: 21 → "hai mươi mốt", 105 → "một trăm lẻ năm".

    Above 999 tỷ the reading repeats "tỷ" (nghìn tỷ, triệu tỷ), as Vietnamese does.
    """
    if n < 0:
        return "âm " + cardinal(-n, odd=odd)
    if n == 0:
        return DIGITS[0]
    billions, below = divmod(n, 1_000_000_000)
    words: list[str] = []
    if billions:
        words += [cardinal(billions, odd=odd), "tỷ"]
    groups: list[int] = []
    while below:
        below, g = divmod(below, 1000)
        groups.append(g)
    for index in range(len(groups) - 1, -1, -1):
        g = groups[index]
        if not g:
            continue
        leading = not words
        words += _group(g, leading=leading, odd=odd)
        if SCALES[index]:
            words.append(SCALES[index])
    return " ".join(words)


def digits(text: str) -> str:
    """Read digit by digit (phone numbers, long codes): "0912" → "không chín một hai"."""
    return " ".join(DIGITS[int(c)] for c in text if c.isdigit())


def decimal(integer: str, fraction: str, *, sep: str = "phẩy", odd: str = "lẻ") -> str:
    """Read "2,5" → "hai phẩy năm", "2,05" → "hai phẩy không năm", "2,25" → "hai phẩy hai mươi lăm"."""
    head = cardinal(int(integer or "0"), odd=odd)
    if fraction.startswith("0") or len(fraction) > 2:
        tail = digits(fraction)
    else:
        tail = cardinal(int(fraction), odd=odd)
    return f"{head} {sep} {tail}"


def day_of_month(n: int, *, odd: str = "lẻ") -> str:
    """Day numbers are plain cardinals ("ngày một", "ngày ba mươi mốt")."""
    return cardinal(n, odd=odd)


def month(n: int) -> str:
    """Month names: "tháng tư" for April (never "tháng bốn"), otherwise the cardinal."""
    return "tư" if n == 4 else cardinal(n)


def ordinal(n: int) -> str:
    """After "thứ": 1 → "nhất", 4 → "tư", otherwise the cardinal."""
    return {1: "nhất", 4: "tư"}.get(n, cardinal(n))


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_value(text: str) -> int | None:
    """Value of a canonical Roman numeral (XIII → 13), None if ``text`` is not one."""
    if not text or any(c not in _ROMAN for c in text):
        return None
    total = 0
    for i, c in enumerate(text):
        value = _ROMAN[c]
        if i + 1 < len(text) and _ROMAN[text[i + 1]] > value:
            total -= value
        else:
            total += value
    return total if 0 < total < 4000 and to_roman(total) == text else None


def to_roman(n: int) -> str:
    """Canonical Roman numeral, used to reject non-canonical spellings such as IIII."""
    out = []
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                       (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)
