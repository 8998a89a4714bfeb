"""Vietnamese letter names and syllable shape: how capitals that are not words are spelled.

Kept apart from the rules so that the rule modules (normalize, families) can share them.
"""

from __future__ import annotations

import re
import unicodedata

from assets.speech import numbers as num

__all__ = ["is_vietnamese_syllable", "spell_letters"]

UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_VOWELS = "aeiouyàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
_SYLLABLE = re.compile(
    rf"(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdđghklmnpqrstvx])?[{_VOWELS}]{{1,3}}"
    r"(?:ng|nh|ch|[cmnpt])?"
)

_LETTER_NAMES = {
    "a": "a", "ă": "á", "â": "ớ", "b": "bê", "c": "xê", "d": "dê", "đ": "đê", "e": "e",
    "ê": "ê", "f": "ép", "g": "giê", "h": "hát", "i": "i", "j": "gi", "k": "ca", "l": "e lờ",
    "m": "em mờ", "n": "en nờ", "o": "o", "ô": "ô", "ơ": "ơ", "p": "pê", "q": "quy",
    "r": "e rờ", "s": "ét", "t": "tê", "u": "u", "ư": "ư", "v": "vê", "w": "vê kép",
    "x": "ích", "y": "i dài", "z": "dét",
}


def spell_letters(token: str) -> str:
    """Spell a token with Vietnamese letter names (KGVX → "ca giê vê ích"), digits as words."""
    out = []
    for ch in token.lower():
        if ch.isdigit():
            out.append(num.DIGITS[int(ch)])
        elif ch in _LETTER_NAMES:
            out.append(_LETTER_NAMES[ch])
        else:
            base = unicodedata.normalize("NFD", ch)[0]
            if base in _LETTER_NAMES:
                out.append(_LETTER_NAMES[base])
    return " ".join(out)


def is_vietnamese_syllable(word: str) -> bool:
    """Whether ``word`` is shaped like one Vietnamese syllable (so capitals are a word, not an
    acronym: "MỤC" is read, "KGVX" is spelled)."""
    return bool(_SYLLABLE.fullmatch(unicodedata.normalize("NFC", word.lower())))
