"""Where a slogan may break: between Vietnamese words and outside names and short phrases.

Vietnamese writes a space between syllables, not between words, so "TRUNG ƯƠNG" is one word
written as two tokens and a board that breaks at any space shows "CHỈ ĐẠO CỦA TRUNG | ƯƠNG".
We mark every gap between tokens with how strongly it is glued:

* ``WORD`` — inside one word: the syllables of a word found by underthesea's word segmenter
  (a CRF model shipped inside its wheel, so it runs offline), plus the compounds and names in
  ``compounds.txt`` that the model splits (it was trained on mixed-case news text, and slogans
  are often all capitals, so we segment the lower-cased text too and join both answers);
* ``NAME`` — a run of capitalised syllables in mixed-case text ("Biên Hòa", "Nguyễn Văn
  An") and what the model reads as one word of four syllables or more (it takes
  "xã hội chủ nghĩa việt nam" as one);
* ``PHRASE`` — a proper name with its title or its administrative unit ("Tổng Bí thư Tô Lâm",
  "thành phố Biên Hòa", "phường 5"), a number with its unit ("35 °C", "2.000 người"), a document with its number
  ("Nghị quyết 57-NQ/TW");
* ``FREE`` — anywhere else.

The renderer keeps every glued gap together and gives up glue, weakest first, only for a unit
that does not fit on one line of the board at the smallest legible size.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

__all__ = ["FREE", "NAME", "PHRASE", "WORD", "Breaks", "breaks", "slogan_chunks", "units"]

FREE, PHRASE, NAME, WORD = 0, 1, 2, 3
"""Glue levels, weakest first: a unit too wide for a line gives up its weakest gaps first."""

_LOWER = "a-zđàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
_UPPER = "A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_TITLE_TOKEN = re.compile(rf"[{_UPPER}][{_LOWER}]+")


@dataclass(frozen=True)
class Breaks:
    """The slogan's tokens and, for each gap between neighbours, how strongly it is glued."""

    tokens: tuple[str, ...]
    glue: tuple[int, ...]  # len(tokens) - 1

    def units(self, level: int = PHRASE) -> list[tuple[int, int]]:
        """Token spans [start, end) that stay together when gaps glued ≥ ``level`` are kept."""
        spans, start = [], 0
        for i, g in enumerate(self.glue):
            if g < level:
                spans.append((start, i + 1))
                start = i + 1
        if self.tokens:
            spans.append((start, len(self.tokens)))
        return spans

    def text(self, start: int, end: int) -> str:
        return " ".join(self.tokens[start:end])


def units(text: str, level: int = PHRASE) -> list[str]:
    """The slogan as unbreakable pieces (each may contain spaces)."""
    b = breaks(text)
    return [b.text(s, e) for s, e in b.units(level)]


# --------------------------------------------------------------------------- segmentation
@functools.lru_cache(maxsize=1)
def _compounds() -> re.Pattern[str] | None:
    lines = resources.files("assets.led").joinpath("compounds.txt").read_text("utf-8")
    words = sorted({w.strip().lower() for w in lines.splitlines()
                    if w.strip() and not w.lstrip().startswith("#")}, key=len, reverse=True)
    if not words:
        return None
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


_SEGMENTER_LOCK = threading.Lock()
"""underthesea loads its model lazily into module globals and is not thread-safe: two delivery
lanes rendering LED frames at once saw a half-loaded model (``featurizer`` None). Every call
goes through this lock; results are cached per slogan, so it is rarely contended."""


def _segmenter() -> Callable[[str], list[str]] | None:
    """underthesea's ``word_tokenize``, or None when the package is missing."""
    try:
        from underthesea import word_tokenize
    except ImportError:  # the shipped compound list still protects the common words
        return None
    tokenize: Callable[[str], list[str]] = word_tokenize  # underthesea ships no annotations
    return tokenize


def _word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of multi-syllable words in ``text`` according to the segmenter."""
    tokenize = _segmenter()
    if tokenize is None:
        return []
    spans: list[tuple[int, int]] = []
    lowered = text.lower()
    # An all-capitals slogan confuses the model (it reads "TÔ LÂM KÝ" as one name): segment
    # its lower-cased form only. Mixed case carries name cues, so both answers are joined.
    mixed = any(c.islower() for c in text)
    for variant in ({text, lowered} if mixed else {lowered}):
        cursor = 0
        with _SEGMENTER_LOCK:
            words = tokenize(variant)
        for word in words:
            first = last = None
            for syllable in word.split(" "):
                at = lowered.find(syllable.lower(), cursor)
                if at < 0:
                    continue  # the segmenter normalised a character: skip, never guess
                if first is None:
                    first = at
                last = at + len(syllable)
                cursor = last
            if first is not None and last is not None and " " in word:
                spans.append((first, last))
    return spans


# --------------------------------------------------------------------------- phrases
_TITLES = (
    r"tổng bí thư|chủ tịch nước|chủ tịch quốc hội|chủ tịch|phó thủ tướng|thủ tướng chính phủ"
    r"|thủ tướng|bộ trưởng|bí thư|đồng chí|đại tướng|anh hùng|liệt sĩ|bác|chủ tịch ubnd"
)
_UNITS_ADMIN = (
    r"thành phố|tỉnh|huyện|quận|thị xã|thị trấn|phường|xã|ấp|khu phố|tổ dân phố|khóm|thôn"
    r"|bản|buôn|xóm|khu vực|đặc khu"
)
_DOCS = (
    r"nghị quyết|nghị định|quyết định|chỉ thị|kết luận|thông tư|luật|kế hoạch|hướng dẫn"
    r"|công văn|thông báo|chương trình"
)
_MEASURES = (
    r"%|°c|độ c|độ|km/h|km|m²|m2|m|cm|mm|ha|kg|tấn|lít|người|hộ|đồng|nghìn|triệu|tỷ|ngày|giờ"
    r"|phút|tháng|năm|lần|tuổi|xã|phường|điểm|trường hợp|ca|vụ|chiếc|tầng|ki lô mét"
)
_NUMBER = r"\d[\d.,/:-]*\w*"
_PHRASES = [
    re.compile(rf"(?i)(?<!\w)(?:{_DOCS})\s+(?:số\s+)?{_NUMBER}"),
    re.compile(rf"(?i)(?<![\w.,]){_NUMBER}\s*(?:{_MEASURES})(?!\w)"),
    re.compile(r"(?i)(?<!\w)(?:ngày|tháng|năm|lần thứ|khóa|khoá|thứ|số|đại hội)\s+"
               r"(?:\d[\d/.-]*|[IVXLC]+)(?!\w)"),
    re.compile(rf"(?i)(?<!\w)(?:{_UNITS_ADMIN})\s+\d+\w*(?!\w)"),
]
_AFTER = [re.compile(rf"(?i)(?<!\w)(?:{_TITLES})(?!\w)"),
          re.compile(rf"(?i)(?<!\w)(?:{_UNITS_ADMIN})(?!\w)")]


_NOT_A_NAME = frozenset(
    ["lần", "của", "và", "với", "trong", "là", "có", "được", "đã", "sẽ", "đang", "tại", "về", "cho", "này", "đó", "mới", "chung", "cùng", "hãy", "không", "phải", "đều", "luôn", "nhằm", "để", "vì", "theo", "trên", "dưới", "từ", "đến", "ra", "vào", "các", "những", "mọi", "toàn"]
)
"""Words that cannot start a name: "Đảng bộ phường lần thứ XIV" has no ward name."""


def _token_bounds(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]


def _glue_span(glue: list[int], bounds: list[tuple[int, int]], start: int, end: int,
               level: int) -> None:
    """Glue every gap whose space lies strictly inside [start, end)."""
    for i in range(len(bounds) - 1):
        if start < bounds[i][1] and bounds[i + 1][0] < end:
            glue[i] = max(glue[i], level)


def _word_at(bounds: list[tuple[int, int]], glue: list[int], token: int) -> int:
    """Index of the last token of the word that starts at ``token`` (WORD glue only)."""
    end = token
    while end < len(glue) and glue[end] >= WORD:
        end += 1
    return end


def _attach_names(text: str, bounds: list[tuple[int, int]], glue: list[int],
                  mixed: bool) -> None:
    """A title or an administrative unit keeps the name after it on the same line."""
    starts = {s: i for i, (s, _) in enumerate(bounds)}
    ends = {e: i for i, (_, e) in enumerate(bounds)}
    tokens = [text[s:e] for s, e in bounds]
    for pattern in _AFTER:
        for m in pattern.finditer(text):
            first, last = starts.get(m.start()), ends.get(m.end())
            if first is None or last is None or last + 1 >= len(tokens):
                continue
            # "xã hội", "tổ quốc": the keyword is part of a longer word, not a unit
            if glue[last] >= WORD and (first == last or glue[first] < WORD):
                continue
            nxt = last + 1
            if tokens[nxt].lower().rstrip(",.;:!?") in _NOT_A_NAME:
                continue
            if mixed:
                if not _TITLE_TOKEN.fullmatch(tokens[nxt].rstrip(",.;:!?")):
                    continue
                end = nxt
                while (end + 1 < len(tokens) and not re.search(r"[,.;:!?]$", tokens[end])
                       and _TITLE_TOKEN.fullmatch(tokens[end + 1].rstrip(",.;:!?"))):
                    end += 1
            else:
                end = _word_at(bounds, glue, nxt)
                if end == nxt and not re.search(r"[,.;:!?]$", tokens[nxt]) \
                        and end + 1 < len(tokens) and not pattern.fullmatch(tokens[end + 1]):
                    end += 1  # a name the segmenter left in syllables: take two of them
            for i in range(first, end):
                if not re.search(r"[,.;:!?]$", tokens[i]):
                    glue[i] = max(glue[i], PHRASE)


@functools.lru_cache(maxsize=1024)
def breaks(text: str) -> Breaks:
    """Glue levels for the gaps of ``text`` (whitespace-separated tokens)."""
    text = " ".join(text.split())
    bounds = _token_bounds(text)
    tokens = tuple(text[s:e] for s, e in bounds)
    glue = [FREE] * max(0, len(tokens) - 1)
    if len(tokens) < 2:
        return Breaks(tokens, tuple(glue))
    # The compound list wins where the model's word crosses one of its entries' edges
    # ("quang vinh muôn | năm" against "muôn năm"): those edge gaps stay free of model glue.
    inside, edges = [FREE] * len(glue), set()
    compounds = _compounds()
    if compounds is not None:
        for m in compounds.finditer(text.lower()):
            _glue_span(inside, bounds, m.start(), m.end(), WORD)
            covered = [i for i in range(len(glue)) if inside[i] and
                       m.start() < bounds[i][1] and bounds[i + 1][0] < m.end()]
            if covered:
                edges.update({covered[0] - 1, covered[-1] + 1})
    model = [FREE] * len(glue)
    for start, end in _word_spans(text):
        # the model reads whole names as one word ("xã hội chủ nghĩa việt nam"); a span of
        # four syllables or more is a phrase, whose inner words come from the compound list
        long = len(text[start:end].split()) >= 4
        _glue_span(model, bounds, start, end, NAME if long else WORD)
    for i in range(len(glue)):
        glue[i] = max(inside[i], FREE if i in edges and not inside[i] else model[i])
    # a word never continues across punctuation that ends a clause
    for i, token in enumerate(tokens[:-1]):
        if re.search(r"[,;:!?.]$", token) and glue[i] == WORD:
            glue[i] = FREE
    mixed = any(c.islower() for c in text)
    if mixed:  # proper names: runs of capitalised syllables ("Biên Hòa", "Nguyễn Văn An")
        i = 0
        while i < len(tokens) - 1:
            j = i
            while (j + 1 < len(tokens) and _TITLE_TOKEN.fullmatch(tokens[j])
                   and _TITLE_TOKEN.fullmatch(tokens[j + 1].rstrip(",.;:!?"))):
                j += 1
            # a name of up to four syllables ("Luật Trật tự" is not one: a capitalised
            # noun before a name); a longer run is Title Case text
            for k in range(i, j):
                glue[k] = max(glue[k], NAME if j - i < 4 else PHRASE)
            i = j + 1
    _attach_names(text, bounds, glue, mixed)
    for pattern in _PHRASES:
        for m in pattern.finditer(text):
            _glue_span(glue, bounds, m.start(), m.end(), PHRASE)
    return Breaks(tokens, tuple(glue))


def slogan_chunks(text: str, limit: int) -> list[str]:
    """Cut a long text into slogans of at most ``limit`` characters, between units (words,
    names, phrases) where possible; a token longer than ``limit`` is cut into pieces that end
    in a hyphen, so a 200-letter word in an emergency bulletin is shown, not refused."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    pieces: list[str] = []
    b = breaks(text)
    for start, end in b.units(PHRASE):
        unit = b.text(start, end)
        if len(unit) <= limit:
            pieces.append(unit)
            continue
        for token in b.tokens[start:end]:
            while len(token) > limit:
                pieces.append(token[:limit - 1] + "-")
                token = token[limit - 1:]
            pieces.append(token)
    out: list[str] = []
    line = ""
    for piece in pieces:
        joined = f"{line} {piece}" if line else piece
        if len(joined) <= limit:
            line = joined
        else:
            out.append(line)
            line = piece
    if line:
        out.append(line)
    return out
