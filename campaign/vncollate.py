"""Vietnamese alphabetical order for names people look up (wards, communes, units).

PyICU would be the natural choice, but it ships no wheels on PyPI (it needs the system's ICU
headers to build), so the order is defined here, as Vietnamese dictionaries and ICU's ``vi``
collation define it:

* letters: a ă â b c d đ e ê (f) g h i (j) k l m n o ô ơ p q r s t u ư v (w) x y (z) — f, j, w, z
  only occur in foreign words and keep their Latin place;
* tones only break ties between otherwise equal names, in the order ngang, huyền, hỏi, ngã,
  sắc, nặng; then lower case before upper case;
* a space sorts before every letter ("An Bình" before "Anh") and digit runs compare as
  numbers ("Phường 2" before "Phường 10").
"""

from __future__ import annotations

import re
import unicodedata

ALPHABET = ("a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l",
            "m", "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z")
_RANK = {letter: i for i, letter in enumerate(ALPHABET)}
_SHAPE = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter
_TONE = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_TOKEN = re.compile(r"\d+|\s+|.", re.S)


def _letters(text: str) -> list[tuple[str, int, bool]]:
    """(base letter with its shape marks, tone 0–5, is upper case) per visible character."""
    out: list[tuple[str, int, bool]] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and out:
            base, tone, upper = out[-1]
            if char in _SHAPE:
                out[-1] = (unicodedata.normalize("NFC", base + char), tone, upper)
            elif char in _TONE:
                out[-1] = (base, _TONE[char], upper)
            continue
        out.append((char.lower(), 0, char != char.lower()))
    return out


def vn_sort_key(text: str) -> tuple[tuple[tuple[int, int], ...], tuple[int, ...],
                                    tuple[bool, ...], str]:
    """Sort key: letters in Vietnamese order, then tones, then case, then the text itself."""
    primary: list[tuple[int, int]] = []
    tones: list[int] = []
    cases: list[bool] = []
    for token in _TOKEN.findall(unicodedata.normalize("NFC", text.strip())):
        if token.isdigit():
            primary.append((1, int(token)))
            continue
        if token.isspace():
            primary.append((0, 0))
            continue
        for base, tone, upper in _letters(token):
            if base in _RANK:
                primary.append((2, _RANK[base]))
            else:
                primary.append((3, ord(base[0])))
            tones.append(tone)
            cases.append(upper)
    return tuple(primary), tuple(tones), tuple(cases), text


__all__ = ["ALPHABET", "vn_sort_key"]
