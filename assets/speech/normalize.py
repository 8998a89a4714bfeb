"""Turn a written Vietnamese script into the text a person (or espeak-ng) reads aloud.

Rule order matters and is fixed here: document symbols first (57-NQ/TW contains a number, a
dash and a slash that later rules would misread), then Roman numerals in context, road names
and units after a number (``families``), dictionary abbreviations, house numbers and phone
numbers (``families``), dates, times, percentages, money, ranges, ordinals and plain numbers,
and last
the leftovers (unknown capitals are spelled with Vietnamese letter names, never English ones).

g2p-hamster's text front-end reads numbers well but spells document symbols as letters and
expands KH to "khách hàng" and TT to "trung tâm"; so we keep our own rules and use its
abbreviation table only as the lowest-priority fallback for capitals we do not know.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from assets.speech import families
from assets.speech import numbers as num
from assets.speech.letters import UPPER as _UPPER
from assets.speech.letters import is_vietnamese_syllable, spell_letters

__all__ = ["Dictionary", "load_dictionary", "reading_text", "spell_letters"]


# --------------------------------------------------------------------------- dictionary
@dataclass(frozen=True)
class Dictionary:
    """Readings for abbreviations and document-symbol parts."""

    document_types: Mapping[str, str]
    issuers: Mapping[str, str]
    abbreviations: Mapping[str, str]

    def merged(self, extra: Mapping[str, str] | None) -> Dictionary:
        """A copy where ``extra`` (operator entries) overrides abbreviations and symbol parts."""
        if not extra:
            return self
        extra = {str(k): str(v) for k, v in extra.items()}
        types = {**self.document_types, **{k: v for k, v in extra.items() if k in self.document_types}}
        issuers = {**self.issuers, **{k: v for k, v in extra.items() if k not in types}}
        return Dictionary(types, issuers, {**self.abbreviations, **extra})

    def symbol_part(self, part: str) -> str | None:
        return self.issuers.get(part) or self.abbreviations.get(part) or self.document_types.get(part)


def _parse(data: Any, source: str) -> dict[str, dict[str, str]]:
    """Accept the sectioned shape of dictionary.yaml or a flat ``ABBR: reading`` mapping."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"Tệp từ điển {source} phải là bảng dạng 'VIẾT_TẮT: cách đọc'.")
    sections = {"document_types", "issuers", "abbreviations"}
    if not set(data) & sections:
        data = {"abbreviations": data}
    out: dict[str, dict[str, str]] = {}
    for name, table in data.items():
        if name not in sections:
            raise ValueError(
                f"Tệp từ điển {source}: mục '{name}' không hợp lệ, chỉ dùng document_types, "
                "issuers, abbreviations."
            )
        if not isinstance(table, dict):
            raise ValueError(f"Tệp từ điển {source}: mục '{name}' phải là bảng.")
        for key, value in (table or {}).items():
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"Tệp từ điển {source}: '{key}' chưa có cách đọc.")
        out[name] = {str(k): v.strip() for k, v in table.items()}
    return out


@lru_cache(maxsize=1)
def _builtin() -> Dictionary:
    text = resources.files("assets.speech").joinpath("dictionary.yaml").read_text("utf-8")
    parsed = _parse(yaml.safe_load(text), "dictionary.yaml")
    return Dictionary(parsed["document_types"], parsed["issuers"], parsed["abbreviations"])


def load_dictionary(path: str | Path | None = None) -> Dictionary:
    """The shipped dictionary, extended by an operator's YAML file when ``path`` is given.

    Raises ValueError (with a Vietnamese message) when the file is malformed.
    """
    base = _builtin()
    if path is None:
        return base
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"Không đọc được tệp từ điển {path}: {exc}") from None
    parsed = _parse(data, str(path))
    return Dictionary(
        {**base.document_types, **parsed.get("document_types", {})},
        {**base.issuers, **parsed.get("issuers", {})},
        {**base.abbreviations, **parsed.get("abbreviations", {})},
    )


@lru_cache(maxsize=1)
def _hamster_abbreviations() -> dict[str, str]:
    """g2p-hamster's abbreviation table (lower-case keys), minus entries it marks as unsure."""
    try:
        from g2p_hamster.t0 import dicts
    except ImportError:  # optional at run time: our own dictionary covers the domain
        return {}
    return {k: v for k, (v, note) in dicts.abbrev().items() if "DUYỆT" not in note.upper()}


@lru_cache(maxsize=32)
def _abbreviation_pattern(keys: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for key in sorted(keys, key=len, reverse=True):
        escaped = re.escape(key).replace(r"\-", r"\s*-\s*").replace(r"\ ", r"\s*")
        parts.append(escaped)
    return re.compile(r"(?<![\w&])(?:" + "|".join(parts) + r")(?![\w&])")


# --------------------------------------------------------------------------- rules
_WORD_BEFORE = re.compile(r"(\w+)\W*$")


def _prev_word(text: str, pos: int) -> str:
    match = _WORD_BEFORE.search(text[max(0, pos - 40):pos])
    return match.group(1).lower() if match else ""


_SYMBOL = re.compile(
    rf"(?<![\w/])(\d+)(?:/(\d{{4}}))?\s*[-/]\s*([{_UPPER}][\w&]*(?:\s*[-/]\s*[{_UPPER}][\w&]*)*)"
)


def _symbols(text: str, d: Dictionary, odd: str) -> str:
    """57-NQ/TW → "năm mươi bảy của trung ương" after "Nghị quyết số", else with its type."""

    def repl(m: re.Match[str]) -> str:
        number, year, tail = m.group(1), m.group(2), m.group(3)
        parts = [p for p in re.split(r"\s*[-/]\s*", tail) if p]
        if not any(p.upper() == p and len(p) >= 2 or p in d.document_types for p in parts):
            return m.group(0)  # "5-Phường": not a symbol
        words: list[str] = []
        kind = d.document_types.get(parts[0])
        before = text[max(0, m.start() - 40):m.start()].lower()
        if kind:
            parts = parts[1:]
            if kind not in before and not re.search(r"\bsố\W*$", before):
                words += [kind, "số"]
        words.append(num.cardinal(int(number), odd=odd))
        if year:
            words += ["năm", num.cardinal(int(year), odd=odd)]
        issuers = [r for r in (d.symbol_part(p) for p in parts) if r]
        after = text[m.end():m.end() + 60].lower()
        if issuers and not re.match(r"\W*(?:\S+\s+){0,6}?của\b", after):
            words += ["của", *issuers]
        return " ".join(words)

    text = _SYMBOL.sub(repl, text)

    def bare(m: re.Match[str]) -> str:
        # "Số: /PVHTT" in templates whose number is still blank: read known parts only
        parts = [p for p in re.split(r"\s*[-/]\s*", m.group(1)) if p]
        return " ".join(r for r in (d.symbol_part(p) for p in parts) if r)

    return _BARE_SYMBOL.sub(bare, text)


_BARE_SYMBOL = re.compile(
    rf"(?<=[\s:])/\s*([{_UPPER}][\w&]*(?:\s*[-/]\s*[{_UPPER}][\w&]*)*-?)"
)


_ROMAN_CONTEXT = re.compile(
    r"(?i)\b(đại hội|khóa|khoá|thế kỷ|thế kỉ|phụ lục|chương|mục|phần|quý|kỳ họp|tập|lần thứ|hội nghị)"
    r"(\s+\(?\s*)([IVXLCDM]+)\b(?!\.\w)"
)
_ROMAN_HEADING = re.compile(r"(?m)^(\s*)([IVXLC]+)\.(?=\s)")


def _romans(text: str, odd: str) -> str:
    """Roman numerals only where context says so (Đại hội XIII, khóa XV, "II." headings)."""

    def ctx(m: re.Match[str]) -> str:
        value = num.roman_value(m.group(3))
        if value is None:
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}{num.cardinal(value, odd=odd)}"

    def heading(m: re.Match[str]) -> str:
        value = num.roman_value(m.group(2))
        return m.group(0) if value is None else f"{m.group(1)}{num.cardinal(value, odd=odd)}."

    return _ROMAN_HEADING.sub(heading, _ROMAN_CONTEXT.sub(ctx, text))


def _abbreviations(text: str, d: Dictionary) -> str:
    table = d.abbreviations
    pattern = _abbreviation_pattern(tuple(table))
    normalised = {re.sub(r"\s+", "", k): v for k, v in table.items()}

    def repl(m: re.Match[str]) -> str:
        key = re.sub(r"\s+", "", m.group(0))
        return normalised.get(key, m.group(0))

    return pattern.sub(repl, text)


def _valid_date(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


_DATE_DMY = re.compile(r"(?<![\w/.])(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?![\w/])")
_DATE_MY = re.compile(r"(?<![\w/])(\d{1,2})/(\d{4})(?![\w/])")
_DATE_DM = re.compile(r"(?<![\w/.,])(\d{1,2})/(\d{1,2})(?![\w/]|[.,]\d)")
_MONTH = re.compile(r"(?i)\b(tháng)(\s+)0*(\d{1,2})(?!\s*[/\d])")


def _dates(text: str, odd: str) -> str:
    def dmy(m: re.Match[str]) -> str:
        day, month, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if not _valid_date(day, month):
            return m.group(0)
        lead = "" if _prev_word(text, m.start()) in {"ngày", "mùng", "hôm"} else "ngày "
        return (f"{lead}{num.day_of_month(day, odd=odd)} tháng {num.month(month)} "
                f"năm {num.cardinal(year, odd=odd)}")

    text = _DATE_DMY.sub(dmy, text)

    def my(m: re.Match[str]) -> str:
        month, year = int(m.group(1)), int(m.group(2))
        prev = _prev_word(text, m.start())
        if not 1 <= month <= 12 or prev == "số":
            return m.group(0)
        lead = "" if prev == "tháng" else "tháng "
        return f"{lead}{num.month(month)} năm {num.cardinal(year, odd=odd)}"

    text = _DATE_MY.sub(my, text)

    def dm(m: re.Match[str]) -> str:
        day, month = int(m.group(1)), int(m.group(2))
        prev = _prev_word(text, m.start())
        if not _valid_date(day, month) or prev == "số":
            return m.group(0)
        # streets named after a day ("đường 30/4") take no "ngày"
        lead = "" if prev in {"ngày", "mùng", "hôm", "đường", "phố"} else "ngày "
        return f"{lead}{num.day_of_month(day, odd=odd)} tháng {num.month(month)}"

    text = _DATE_DM.sub(dm, text)

    def month_name(m: re.Match[str]) -> str:
        value = int(m.group(3))
        if not 1 <= value <= 12:
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}{num.month(value)}"

    return _MONTH.sub(month_name, text)


_TIME = re.compile(
    r"(?<![\w:/.,])(\d{1,2})\s*(?:h|H|giờ|g|:)\s*(\d{2})(?::(\d{2}))?(?:\s*(?:phút|'))?(?![\w:/]|[.,]\d)"
)
_HOUR_RANGE = re.compile(r"(\d\s*(?:[hH]|giờ))\s*[-–—]\s*(?=\d)")
_HOUR = re.compile(r"(?<![\w:/.,])(\d{1,2})\s*[hH](?![\w])")


def _times(text: str, odd: str) -> str:
    """7h30 → "bảy giờ ba mươi phút", 17:00 → "mười bảy giờ", 7h → "bảy giờ"."""

    def hm(m: re.Match[str]) -> str:
        hour, minute = int(m.group(1)), int(m.group(2))
        second = int(m.group(3)) if m.group(3) else 0
        if hour > 24 or minute > 59 or second > 59:
            return m.group(0)
        out = f"{num.cardinal(hour, odd=odd)} giờ"
        if minute:
            out += f" {num.cardinal(minute, odd=odd)} phút"
        if second:
            out += f" {num.cardinal(second, odd=odd)} giây"
        return out

    def h(m: re.Match[str]) -> str:
        hour = int(m.group(1))
        return m.group(0) if hour > 24 else f"{num.cardinal(hour, odd=odd)} giờ"

    text = _RANGE_DASH.sub(r"\1 đến ", text)  # 7h30-11h00, 2021-2025 (dates already read)
    text = _HOUR_RANGE.sub(r"\1 đến ", text)  # 7h-11h, 7 giờ - 9 giờ
    return _HOUR.sub(h, _TIME.sub(hm, text))


_NUMBER = re.compile(
    r"(?<![\w])(\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+|\d+\.\d+|\d+)(?![\d])"
)
_RANGE_DASH = re.compile(r"(\d)\s*[-–—]\s*(?=\d)")
_PERCENT = re.compile(r"\s*%")
_MONEY = re.compile(r"(\d)\s*(?:đ|VNĐ|VND|vnđ)(?!\w)")
_THOUSAND_K = re.compile(r"(\d)\s*k(?!\w)")
_ORDINAL = re.compile(r"(?i)\b(thứ)(\s+)0*(\d+)(?![\d.,/])")


def _number_words(token: str, odd: str) -> str:
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", token):
        integer, _, fraction = token.partition(",")
        integer = integer.replace(".", "")
        if fraction:
            return num.decimal(integer, fraction, odd=odd)
        return num.cardinal(int(integer), odd=odd)
    if "," in token:
        integer, fraction = token.split(",", 1)
        return num.decimal(integer, fraction, odd=odd)
    if "." in token:  # 4.0, 1.2 (headings, versions): read the dot as "chấm"
        integer, fraction = token.split(".", 1)
        return f"{num.cardinal(int(integer), odd=odd)} chấm {num.digits(fraction) if fraction.startswith('0') and len(fraction) > 1 else num.cardinal(int(fraction), odd=odd)}"
    if token.startswith("0") and len(token) >= 4 or len(token) > 15:
        return num.digits(token)  # phone numbers and codes
    return num.cardinal(int(token), odd=odd)


def _numbers(text: str, odd: str) -> str:
    text = _MONEY.sub(r"\1 đồng", text)
    text = _THOUSAND_K.sub(r"\1 nghìn", text)
    text = _PERCENT.sub(" phần trăm", text)
    text = _RANGE_DASH.sub(r"\1 đến ", text)

    def ordinal(m: re.Match[str]) -> str:
        return f"{m.group(1)}{m.group(2)}{num.ordinal(int(m.group(3)))}"

    text = _ORDINAL.sub(ordinal, text)
    return _NUMBER.sub(lambda m: _number_words(m.group(1), odd), text)


_CAPS = re.compile(rf"(?<![\w&])([{_UPPER}][\w]*[{_UPPER}][\w]*)(?![\w&])")


def _leftover_capitals(text: str) -> str:
    """Acronyms nobody told us about: g2p-hamster's table, else Vietnamese letter names.

    Upper-case words that are Vietnamese syllables (headings such as "MỤC ĐÍCH") stay words.
    """
    fallback = _hamster_abbreviations()

    def repl(m: re.Match[str]) -> str:
        token = m.group(1)
        if token.upper() != token and not re.fullmatch(r"[A-ZĐ][a-zđ]?[A-ZĐ]+\w*", token):
            return token  # ordinary capitalised word such as "Đồng" or "ThS" handled by dict
        if is_vietnamese_syllable(token):
            return token.lower() if len(token) > 1 else token
        if token.lower() in fallback:
            return fallback[token.lower()]
        return spell_letters(token)

    return _CAPS.sub(repl, text)


_CLEANUPS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[“”\"«»]"), ""),
    (re.compile(r"(?m)^\s*[-•+*]\s+"), ""),  # list bullets
    (re.compile(r"\s+[–—]\s+"), ", "),  # "Độc lập – Tự do – Hạnh phúc"
    (re.compile(r"\s+-\s+"), " "),
    (re.compile(r"\s*&\s*"), " và "),
    (re.compile(r"(?<=\w)\s*\+\s*(?=\w)"), " và "),
    (re.compile(r"[()\[\]]"), ", "),
    (re.compile(r"(?<=\w)-(?=\w)"), " "),
    (re.compile(r"[ \t]+"), " "),
    (re.compile(r"\./\."), "."),  # "./." closes official letters
    (re.compile(r"(?<=\w)/(?=(?:người|tháng|năm|ngày|hộ|giờ|lần|suất|buổi|tuần)\b)"), " một "),
    (re.compile(r"/"), " "),
    (re.compile(r"[ \t]+"), " "),
    (re.compile(r" ?, ?(?:, ?)+"), ", "),
    (re.compile(r"\s*,\s*([.;:!?])"), r"\1"),
    (re.compile(r" ([,.;:!?…])"), r"\1"),
    (re.compile(r"([,;:])(?=[^\s\d])"), r"\1 "),
    (re.compile(r"(?m)^[ ,]+|[ ,]+$"), ""),
    (re.compile(r"\n{3,}"), "\n\n"),
)

_MARKUP = re.compile(r"[*_`#]+")
_JOIN_SYMBOL = re.compile(rf"(\d)\s*-\s+([{_UPPER}][\w&]*\s*/)")


def reading_text(
    text: str,
    dictionary: Mapping[str, str] | Dictionary | None = None,
    *,
    odd: str = "lẻ",
) -> str:
    """The text as it must be read aloud on a Vietnamese loudspeaker.

    ``dictionary`` adds or overrides abbreviation readings (``{"BCĐ": "ban chỉ đạo"}``) or is a
    whole :class:`Dictionary` from :func:`load_dictionary`. ``odd`` is the word for an empty
    tens place: "lẻ" (southern, default) or "linh" (northern).
    """
    if odd not in {"lẻ", "linh"}:
        raise ValueError("odd must be 'lẻ' or 'linh'")
    d = dictionary if isinstance(dictionary, Dictionary) else _builtin().merged(dictionary)
    out = unicodedata.normalize("NFC", text).replace("\r\n", "\n")
    out = _MARKUP.sub("", out)  # markdown emphasis left by document conversion
    out = _JOIN_SYMBOL.sub(r"\1-\2", out)  # "57-\n\nNQ/TW" split by page layout
    steps: tuple[Callable[[str], str], ...] = (
        lambda s: _symbols(s, d, odd),
        lambda s: _romans(s, odd),
        lambda s: families.roads(s, odd),
        families.units,
        lambda s: _abbreviations(s, d),
        lambda s: families.addresses(s, odd),
        families.phones,
        lambda s: _dates(s, odd),
        lambda s: _times(s, odd),
        lambda s: _numbers(s, odd),
        _leftover_capitals,
    )
    for step in steps:
        out = step(out)
    for pattern, replacement in _CLEANUPS:
        out = pattern.sub(replacement, out)
    return out.strip()
