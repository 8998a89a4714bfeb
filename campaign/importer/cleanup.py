"""Normalise the text of a guidance document into clean lines.

Real documents arrive with markdown emphasis around filled-in numbers, symbols broken across
lines or pages ("57-\\n\\nNQ/TW"), stray spaces ("57- NQ/TW", "1587 /UBND"), page breaks in the
middle of a sentence and, from PDF, every visual line as its own line. The extractors downstream
work on lines, so every repair happens here, once.
"""

from __future__ import annotations

import re
import unicodedata

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u00ad"), None)
_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f\u3000]+")
_BOLD = re.compile(r"(\*\*|__)(.+?)\1")
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_MD_BULLET = re.compile(r"^[*•●▪◦]\s+")
_DASHES = re.compile(r"^[–—−]\s*")
# "57- NQ/TW", "57 -NQ/TW" → "57-NQ/TW"; "1587 /UBND" → "1587/UBND"
_SYMBOL_HYPHEN = re.compile(r"(\d)(?:\s+-\s*|-\s+)([A-ZĐ][A-Za-zĐđ]*/)")
_SYMBOL_SLASH = re.compile(r"(\d)(?:\s+/\s*|/\s+)([A-ZĐ][A-Za-zĐđ]*)")
_TERMINAL = re.compile(r"[.;:!?…)\]\"”»]$")

_FOLD = str.maketrans("đĐ", "dD")


def fold(text: str) -> str:
    """Lowercase ASCII form, so matching survives typos in marks ("Noi nhận", "uỷ"/"ủy")."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def is_upper_line(line: str) -> bool:
    """A line written in capitals (headings, issuer names, signer titles)."""
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def is_bullet(line: str) -> bool:
    return bool(re.match(r"^\s*[-+•*]\s", line))


def clean_line(line: str) -> str:
    """One line without markdown, odd spaces or broken document symbols."""
    line = line.translate(_ZERO_WIDTH)
    line = _SPACES.sub(" ", line).strip()
    line = _MD_HEADING.sub("", line)
    line = _BOLD.sub(r"\2", line)
    line = _ITALIC.sub(r"\1", line)
    line = line.replace("**", "")
    line = _MD_BULLET.sub("* ", line) if line.startswith("* ") else _MD_BULLET.sub("- ", line)
    line = _DASHES.sub("- ", line) if re.match(r"^[–—−]\s", line) else line
    line = re.sub(r"(?<=\s)[_|¦](?=\s)", " ", line)  # stray table borders left by OCR
    line = _SYMBOL_HYPHEN.sub(r"\1-\2", line)
    line = _SYMBOL_SLASH.sub(r"\1/\2", line)
    return _SPACES.sub(" ", line).strip()


def clean_lines(text: str, *, reflow: bool = False) -> list[str]:
    """The document as cleaned lines; blank lines kept as paragraph separators.

    ``reflow`` joins visual lines of one paragraph (PDF text layers break at the page width).
    """
    raw = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n").split("\n")
    lines = [clean_line(line) for line in untable(raw)]
    lines = _mend_header_splits(lines)
    if reflow:
        lines = _reflow(lines)
    return _mend_breaks(lines)


_RULE = re.compile(r"^[\s|+\-=_─━│┃┼┌┐└┘├┤┬┴:.*~]*$")
_CELLS = re.compile(r"\s*[|│┃]\s*")


def untable(lines: list[str]) -> list[str]:
    """Table text (PDF or markdown: ``| cell | cell |`` rows, rules of dashes) as plain lines,
    column by column: the header's left column (issuer, number) then its right column (motto,
    place and date), so a date broken over two rows comes out on consecutive lines."""
    out: list[str] = []
    block: list[list[str]] = []

    def flush() -> None:
        if not block:
            return
        width = max(len(row) for row in block)
        for column in range(width):
            out.extend(row[column] for row in block if column < len(row) and row[column])
            out.append("")
        block.clear()

    for line in lines:
        if line.strip().startswith(("|", "│", "┃")) or re.search(r"\s[|│┃]\s", line):
            if _RULE.match(line):
                continue
            cells = _CELLS.split(line.strip().strip("|│┃"))
            block.append([cell.strip() for cell in cells])
            continue
        if line.strip() and _RULE.match(line) and len(line.strip()) >= 3:
            continue  # a rule under the header ("-----", "___")
        flush()
        out.append(line)
    flush()
    return out


_DATE_HEAD = re.compile(r"(?:,\s*|^)ngày(?:\s*\d{1,2})?[\s._…]*$")


def _mend_header_splits(lines: list[str]) -> list[str]:
    """Words and dates that narrow header cells broke over lines: "QUYẾT" / "ĐỊNH",
    "Biên Hòa, ngày 30" / "tháng 3 năm 2022", "Số: 12" / "/KH-UBND"."""
    from campaign.importer.header import kind_heading  # header builds on cleanup

    out: list[str] = []
    for line in lines:
        back = len(out) - 1
        if back >= 0 and not out[back] and line:
            back -= 1  # one blank line between the pieces (OCR puts one there)
        prev = out[back] if back >= 0 else ""
        if prev and line:
            joined = None
            split_date = _DATE_HEAD.search(prev) and re.match(r"^tháng\b", line)
            split_kind = (is_upper_line(prev) and is_upper_line(line) and len(prev.split()) <= 2
                          and not kind_heading(prev) and kind_heading(f"{prev} {line}"))
            if split_date or split_kind:
                joined = f"{prev} {line}"
            elif re.match(r"^Số\s*:?\s*[\d.…]*$", prev) and re.match(r"^/[A-ZĐ]", line):
                joined = clean_line(prev + line)
            if joined is not None:
                out[back:] = [joined]
                continue
        out.append(line)
    return out


def _mend_breaks(lines: list[str]) -> list[str]:
    """Join a paragraph split by a page break: "sinh hoạt" / "" / "của các tổ chức …",
    and a symbol split over lines: "Nghị quyết 57-" / "" / "NQ/TW, …"."""
    out: list[str] = []
    for line in lines:
        if line and out:
            back = len(out) - 1
            while back >= 0 and not out[back]:
                back -= 1
            if back >= 0:
                prev = out[back]
                split_symbol = prev.endswith("-") and re.match(r"^[A-ZĐ][A-Za-zĐđ]*/", line)
                split_number = (re.search(r"\bsố:?$", prev) and re.match(r"^\d+[-/]", line)
                                or re.search(r"\b(?:năm|tháng|ngày)$", prev)
                                and re.match(r"^\d{1,4}\b", line))
                split_sentence = (back < len(out) - 1 and line[0].islower()
                                  and not _TERMINAL.search(prev) and not is_upper_line(prev)
                                  and not is_bullet(line))
                if split_symbol or split_sentence or split_number:
                    joiner = "" if split_symbol else " "
                    out[back:] = [clean_line(prev + joiner + line)]
                    continue
        out.append(line)
    return out


_NEW_BLOCK = re.compile(
    r"^(?:[-+•*]\s|[IVX]+\.\s|\d+(?:\.\d+)*\.?\s|[a-zđ]\)\s|Số\s*:|Kính gửi|Nơi nhận|Noi nhận"
    r"|V/v\b|CỘNG HÒA|Độc lập|Căn cứ\b|Thực hiện\b|Xét đề nghị|Điều \d|Nhằm\b|Để\b"
    r"|Khẩu hiệu)")


def _reflow(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if (out and out[-1] and line and not _TERMINAL.search(out[-1])
                and not is_upper_line(out[-1]) and not is_upper_line(line)
                and not _NEW_BLOCK.match(line) and len(out[-1]) > 50):
            out[-1] = clean_line(out[-1] + " " + line)
        else:
            out.append(line)
    return out


def flat(lines: list[str]) -> str:
    """All lines as one string, for patterns that may cross line breaks ("số\\n52-NQ/TW")."""
    return clean_line(" ".join(line for line in lines if line))


def paragraphs(lines: list[str]) -> list[str]:
    """Non-empty lines: in our cleaned text, one line is one paragraph or heading."""
    return [line for line in lines if line]


UPPER = "A-ZÀÁẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬĐÈÉẺẼẸÊẾỀỂỄỆÌÍỈĨỊÒÓỎÕỌÔỐỒỔỖỘƠỚỜỞỠỢÙÚỦŨỤƯỨỪỬỮỰỲÝỶỸỴ"
LOWER = "a-zàáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ"


def is_title_word(word: str) -> bool:
    """"Đồng", "Nai": a capital followed by small letters only."""
    return bool(re.fullmatch(f"[{UPPER}][{LOWER}]+", word))


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, marked with "…"."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-") + "…"


_LEVELS = [
    (re.compile(r"^[IVX]+\.\s+(.*)$"), 1),
    (re.compile(r"^\d+\.\d+\.\d+\.?\s+(.*)$"), 5),
    (re.compile(r"^\d+\.\d+\.?\s+(.*)$"), 3),
    (re.compile(r"^\d+\.\s+(.*)$"), 2),
    (re.compile(r"^[a-zđ]\)\s+(.*)$"), 4),
]


def heading(line: str) -> tuple[int, str] | None:
    """(level, text) of a numbered heading line, None for other lines."""
    for pattern, level in _LEVELS:
        match = pattern.match(line)
        if match:
            return level, match.group(1).strip()
    return None
