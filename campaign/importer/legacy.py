"""Legacy Vietnamese font encodings (TCVN3 "ABC" and VNI Windows) converted to Unicode.

Before Unicode became the rule (Quyết định 72/2002/QĐ-TTg), offices typed with .VnTime (TCVN3)
and VNI-Times fonts, and many templates still carry them. Such text reaches us as Latin-1
characters that only the font drew as Vietnamese ("Th«ng b¸o", "Thoâng baùo"). The tables below
are the published code points of both encodings; :func:`to_unicode` picks the one that turns the
text into Vietnamese and converts it.

TCVN3 has codes for lowercase letters only, plus the seven base capitals (Ă Â Đ Ê Ô Ơ Ư);
capitals with tones were drawn by a separate font (.VnTimeH) from the lowercase codes, so a
word whose plain letters are all capitals is written in capitals after conversion.
"""

from __future__ import annotations

import re

# TCVN3 (TCVN 5712:1993 VN3): code point → letter. Rows: plain, grave, hook, tilde, acute, dot.
_TCVN3_ROWS = {
    "a": "a\xb5\xb6\xb7\xb8\xb9", "ă": "\xa8\xbb\xbc\xbd\xbe\xc6",
    "â": "\xa9\xc7\xc8\xc9\xca\xcb", "e": "e\xcc\xce\xcf\xd0\xd1",
    "ê": "\xaa\xd2\xd3\xd4\xd5\xd6", "i": "i\xd7\xd8\xdc\xdd\xde",
    "o": "o\xdf\xe1\xe2\xe3\xe4", "ô": "\xab\xe5\xe6\xe7\xe8\xe9",
    "ơ": "\xac\xea\xeb\xec\xed\xee", "u": "u\xef\xf1\xf2\xf3\xf4",
    "ư": "\xad\xf5\xf6\xf7\xf8\xf9", "y": "y\xfa\xfb\xfc\xfd\xfe",
}
_TONES = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]  # grave hook tilde acute dot
_TCVN3_CAPITALS = {"\xa1": "Ă", "\xa2": "Â", "\xa3": "Ê", "\xa4": "Ô", "\xa5": "Ơ", "\xa6": "Ư",
                   "\xa7": "Đ", "\xae": "đ"}

# VNI Windows: base letter followed by one mark character (Latin-1 form, lowercase).
_VNI_TONE = {"ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ù": "\u0301", "ï": "\u0323"}
_VNI_HAT = {"â": "", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "á": "\u0301", "ä": "\u0323"}
_VNI_BREVE = {"ê": "", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "é": "\u0301", "ë": "\u0323"}
_VNI_I = {"ì": "\u0300", "æ": "\u0309", "ó": "\u0303", "í": "\u0301", "ò": "\u0323"}


def _compose(base: str, tone: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFC", base + tone)


def _tcvn3_table() -> dict[str, str]:
    table = dict(_TCVN3_CAPITALS)
    for base, codes in _TCVN3_ROWS.items():
        for code, tone in zip(codes, _TONES, strict=True):
            if code != base:
                table[code] = _compose(base, tone)
    return table


def _vni_table() -> dict[str, str]:
    """Sequences (one or two characters) → letter, both cases."""
    table: dict[str, str] = {}
    hats = {"a": "â", "e": "ê", "o": "ô"}
    for base in "aeouy":
        for mark, tone in _VNI_TONE.items():
            table[base + mark] = _compose(base, tone)
    for base, hat in hats.items():
        for mark, tone in _VNI_HAT.items():
            table[base + mark] = _compose(hat, tone)
    for mark, tone in _VNI_BREVE.items():
        table["a" + mark] = _compose("ă", tone)
    for horn_code, horn in (("ô", "ơ"), ("ö", "ư")):
        table[horn_code] = horn
        for mark, tone in _VNI_TONE.items():
            table[horn_code + mark] = _compose(horn, tone)
    for mark, tone in _VNI_I.items():
        table[mark] = _compose("i", tone)
    table["î"] = _compose("y", "\u0323")
    table["ñ"] = "đ"
    upper = {k.upper(): v.upper() for k, v in table.items()}
    table.update(upper)
    return table


TCVN3 = _tcvn3_table()
VNI = _vni_table()
_VNI_PATTERN = re.compile("|".join(re.escape(k) for k in sorted(VNI, key=len, reverse=True)))
_TCVN3_PATTERN = re.compile("[" + re.escape("".join(TCVN3)) + "]")
_WORD = re.compile(r"\S+")


def _plain_capitals(text: str, least: int) -> bool:
    plain = [c for c in text if c.isascii() and c.isalpha()]
    return len(plain) >= least and all(c.isupper() for c in plain)


def from_tcvn3(text: str) -> str:
    """TCVN3 text (as Latin-1 characters) in Unicode.

    A line whose plain letters are all capitals, or a word with two or more plain capitals and
    no small plain letter, was drawn with the capitals font (.VnTimeH) and is written in
    capitals; one capital alone ("Sè") is just the first letter of a word."""
    def convert(raw: str) -> str:
        return _TCVN3_PATTERN.sub(lambda m: TCVN3[m.group(0)], raw)

    out: list[str] = []
    for line in text.split("\n"):
        if _plain_capitals(line, 3):
            out.append(convert(line).upper())
            continue
        out.append(_WORD.sub(lambda m: convert(m.group(0)).upper()
                             if _plain_capitals(m.group(0), 2) else convert(m.group(0)), line))
    return "\n".join(out)


def from_vni(text: str) -> str:
    """VNI Windows text (as Latin-1 characters) in Unicode."""
    return _VNI_PATTERN.sub(lambda m: VNI[m.group(0)], text)


_VIETNAMESE_ONLY = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĩũơ"
                       "ĂÂĐÊÔƠƯẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸĨŨ")


def vietnamese_share(text: str) -> float:
    """Share of letters that only Vietnamese writes: high for real Vietnamese text."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if c in _VIETNAMESE_ONLY) / len(letters)


def _unicode_share(text: str) -> float:
    """Share of letters beyond Latin-1 that Vietnamese writes (ă đ ơ ư ạ …): legacy-font
    text has none, so a real share means the text is already Unicode."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if c in _VIETNAMESE_ONLY and ord(c) > 0xFF) / len(letters)


def _legacy_share(text: str) -> float:
    """Share of characters that are Latin-1 letters or symbols a legacy font draws as marks."""
    letters = [c for c in text if c.isalpha() or "\xa0" < c <= "\xff"]
    if not letters:
        return 0.0
    return sum(1 for c in letters if "\xa0" < c <= "\xff") / len(letters)


def to_unicode(text: str) -> tuple[str, str | None]:
    """``(text, encoding)``: text already in Unicode comes back as is with ``None``; legacy
    text comes back converted, with "TCVN3" or "VNI"."""
    if (_unicode_share(text) >= 0.02 or _legacy_share(text) < 0.03
            or sum(1 for c in text if "\xa0" < c <= "\xff") < 10):
        return text, None
    candidates = [(vietnamese_share(converted), name, converted)
                  for name, converted in (("TCVN3", from_tcvn3(text)), ("VNI", from_vni(text)))]
    share, name, converted = max(candidates)
    if share < 0.04:
        return text, None
    return converted, name
