"""Sentence case for text the document wrote in capitals (headings, subject lines).

"TUYÊN TRUYỀN NGHỊ QUYẾT SỐ 57-NQ/TW CỦA BỘ CHÍNH TRỊ" must become "Tuyên truyền Nghị quyết
số 57-NQ/TW của Bộ Chính trị", not "Tuyên truyền nghị quyết số 57-nq/tw …". Which words keep a
capital is learned from the same document: a word written with a capital in the middle of its
ordinary sentences ("Bộ Chính trị", "Nhân dân", "UBND") keeps it; symbols with digits stay as
written.
"""

from __future__ import annotations

import re
from collections import Counter

from campaign.importer.cleanup import is_upper_line

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_TOKEN = re.compile(r"\S+")
ACRONYMS = frozenset({"UBND", "HĐND", "MTTQ", "TW", "NQ", "CP", "TP", "TX", "KT-XH", "ĐTN",
                      "TNCS", "CNTT", "VH-TT", "VHTT", "ATGT", "BCH", "LĐLĐ", "OCOP", "LED",
                      "OTP", "KHCN", "ĐBQH", "CCHC", "THPT", "THCS", "CLB", "ATTP"})
_BUILTIN = {"việt": "Việt", "đảng": "Đảng"}
_PAIRS = {("việt", "nam"): "Nam", ("hồ", "chí"): "Chí", ("chí", "minh"): "Minh",
          ("bác", "hồ"): "Hồ"}
"""Names every document writes the same way: (previous word, word) → the word's form."""
_NEXT_PAIRS = {("hồ", "chí"): "Hồ", ("bác", "hồ"): "Bác", ("việt", "nam"): "Việt",
               ("tổ", "quốc"): "Tổ"}
"""(word, next word) → the word's form."""


def learn_casing(lines: list[str]) -> dict[str, str]:
    """How the document writes words mid-sentence, where that is not lowercase.

    Keys are "prev>word" and "word<next" pairs (lowercase) and, for words the document never
    writes in lowercase, the word alone: "Bộ Chính trị" capitalises "chính" after "bộ" but
    "chính sách" stays lowercase."""
    forms: dict[str, Counter[str]] = {}
    for line in lines:
        if not line or is_upper_line(line):
            continue
        words = [(m.group(0), m.start()) for m in _WORD.finditer(line)]
        for n, (word, start) in enumerate(words):
            before = line[:start].rstrip()
            if not before or before[-1] in ".!?:;-–*•)\"“(" or re.search(r"\d\.$", before):
                continue  # sentence or item start: a capital there says nothing
            key = word.lower()
            keys = [key]
            if n > 0:
                keys.append(f"{words[n - 1][0].lower()}>{key}")
            if n + 1 < len(words):
                keys.append(f"{key}<{words[n + 1][0].lower()}")
            for k in keys:
                forms.setdefault(k, Counter())[word] += 1
    out: dict[str, str] = {}
    for key, counter in forms.items():
        form, count = counter.most_common(1)[0]
        lowered = counter.get(form.lower(), 0)
        if not re.search(r"[<>]", key) and lowered > 0:
            continue  # written lowercase somewhere: only the pairs decide
        if form != form.lower() and count > lowered:
            out[key] = form
    return out


def mostly_upper(text: str) -> bool:
    """More than two thirds of the letters are capitals (a heading, a shouted subject)."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) > len(letters) * 2 / 3


def sentence_case(text: str, known: dict[str, str] | None = None) -> str:
    """``text`` with a capital at the start of each sentence; all-caps text lowered first,
    keeping the capitals the document uses elsewhere, acronyms and symbols."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return text
    if mostly_upper(text):
        text = _lower(text, known or {})
    return _capitalise_sentences(text)


def _lower(text: str, known: dict[str, str]) -> str:
    kept = [m.span() for m in _TOKEN.finditer(text)
            if any(ch.isdigit() for ch in m.group(0)) or "/" in m.group(0)
            or m.group(0).strip(".,;:!?()\"“”'‘’") in ACRONYMS]
    words = list(_WORD.finditer(text))
    out: list[str] = []
    last = 0
    for n, match in enumerate(words):
        out.append(text[last:match.start()])
        last = match.end()
        raw = match.group(0)
        if any(a <= match.start() < b for a, b in kept):
            out.append(raw)
            continue
        key = raw.lower()
        prev = words[n - 1].group(0).lower() if n else ""
        nxt = words[n + 1].group(0).lower() if n + 1 < len(words) else ""
        form = (_PAIRS.get((prev, key)) or _NEXT_PAIRS.get((key, nxt))
                or known.get(f"{prev}>{key}")
                or known.get(f"{key}<{nxt}") or known.get(key) or _BUILTIN.get(key) or key)
        out.append(form)
    out.append(text[last:])
    return "".join(out)


def _capitalise_sentences(text: str) -> str:
    def cap(match: re.Match[str]) -> str:
        return match.group(1) + match.group(2).upper()

    text = re.sub(r"^([\s\"“(]*)(\w)", cap, text)
    return re.sub(r"([.!?]\s+[\"“(]?)(\w)", cap, text)
