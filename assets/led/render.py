"""Slogan → frames of exactly the board's pixel size.

LED controllers render fonts badly (or not at all, and rarely with Vietnamese stacked
diacritics), so we send pictures. The rules, and why:

* **Largest size that fits, balanced wrap.** A board is read from across a street: every pixel
  of glyph height counts, and lines of similar length read as one slogan rather than a
  sentence with a stray word.
* **Room for stacked diacritics.** Vertical space is reserved from the ink extents of the
  characters actually present (``Ệ`` reaches far higher than ``E``), plus one empty row at the
  top and the bottom, so nothing is clipped by the module frame.
* **Minimum legible size per board height.** Below it a slogan is paged into several frames
  at one common size, instead of shrinking into an unreadable smear.
* **Mono boards get 1-bit frames with no anti-aliasing**: a grey pixel on a single-colour
  module is either lit or not, and the controller's own threshold makes glyph edges ragged.
  Full-colour boards get anti-aliased text.

Text is normalised to NFC first: every Vietnamese letter has a precomposed code point, which
the basic layout engine positions correctly, so we do not depend on libraqm at run time.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageFont, ImageOps

from assets.led.words import PHRASE, Breaks, breaks

FONT_DIR = Path(__file__).with_name("fonts")
DEFAULT_FONT = FONT_DIR / "DejaVuSansCondensed-Bold.ttf"
"""Bundled font: DejaVu Sans Condensed Bold (Bitstream Vera licence + public-domain DejaVu
changes, see ``fonts/DejaVu.LICENSE``). Bold survives 1-bit rendering at small sizes; the
condensed width gets more characters onto a 192-pixel board."""

LED_COLORS: dict[str, tuple[int, int, int]] = {
    "red": (255, 0, 0),
    "yellow": (255, 200, 0),
    "white": (255, 255, 255),
    "green": (0, 230, 0),
}
"""The colour of a single-colour board's LEDs (also the text colour on full-colour boards)."""

MIN_LEGIBLE_PX = 12
"""Absolute floor for the font size: below about 12 px, bold Vietnamese capitals with two
stacked marks no longer separate into distinct marks."""

MIN_HEIGHT_FRACTION = 6
"""A board of height H never shows text smaller than H/6 px (at most about four lines): a
96-px board then reads like a 16-px module row per line, the size operators expect."""


def min_font_size(height: int) -> int:
    """Smallest font size (px) still considered legible on a board ``height`` pixels tall."""
    return max(MIN_LEGIBLE_PX, height // MIN_HEIGHT_FRACTION)


@functools.lru_cache(maxsize=256)
def load_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """Load (once) a TrueType font at a pixel size.

    Cached because the fitting loop asks for the same handful of sizes for every frame and
    parsing a TTF costs far more than drawing a slogan.
    """
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)


@functools.lru_cache(maxsize=8192)
def _text_length(path: str, size: int, text: str) -> float:
    """Advance width of ``text``; cached since the same words are measured at many sizes."""
    return load_font(path, size).getlength(text)


@functools.lru_cache(maxsize=4096)
def _ink_box(path: str, size: int, text: str, mode: str) -> tuple[int, int, int, int]:
    """Ink bounding box of ``text`` relative to its left baseline point."""
    left, top, right, bottom = load_font(path, size).getbbox(text, mode=mode, anchor="ls")
    return int(left), int(top), int(right), int(bottom)


def normalise(text: str) -> str:
    """NFC, single spaces, no control characters: what the board actually shows."""
    text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Layout:
    """Where the words go: one list of lines per frame, all at ``size`` px."""

    size: int
    pages: tuple[tuple[str, ...], ...]
    font_path: str

    @property
    def frame_count(self) -> int:
        return len(self.pages)


class _Metrics:
    """Measurements of one font at one size for one text, shared by the fitting steps."""

    def __init__(self, font_path: str, size: int, charset: str, width: int, height: int,
                 mono: bool) -> None:
        self.font_path = font_path
        self.size = size
        self.mode = "1" if mono else "L"
        _, top, _, bottom = _ink_box(font_path, size, charset, self.mode)
        # One spare pixel each way: hinting of a single glyph may differ from the whole run.
        self.top = top - 1
        self.bottom = bottom + 1
        self.gap = max(1, round(size * 0.08))
        self.line_h = self.bottom - self.top
        self.pitch = self.line_h + self.gap
        self.margin_y = 1
        self.margin_x = max(1, width // 64)
        self.avail_w = width - 2 * self.margin_x
        avail_h = height - 2 * self.margin_y
        self.max_lines = max(0, (avail_h + self.gap) // self.pitch)
        self.space = _text_length(font_path, size, " ")

    def word(self, word: str) -> float:
        return _text_length(self.font_path, self.size, word)

    def ink_width(self, line: str) -> int:
        x0, _, x1, _ = _ink_box(self.font_path, self.size, line, self.mode)
        return x1 - x0


def _greedy_lines(words: list[str], m: _Metrics) -> int | None:
    """Fewest lines for ``words`` at this size (None if a word alone is too wide)."""
    lines, current = 0, -1.0
    for word in words:
        w = m.word(word)
        if w > m.avail_w:
            return None
        if current < 0 or current + m.space + w > m.avail_w:
            lines += 1
            current = w
        else:
            current += m.space + w
    return lines


def _balanced(words: list[str], k: int, m: _Metrics) -> list[str]:
    """Split ``words`` into ``k`` lines minimising the widest line, then the unevenness.

    Dynamic programming over prefix sums of advance widths: slogans are a few dozen words,
    so O(k·n²) is negligible next to drawing.
    """
    n = len(words)
    k = min(k, n)
    widths = [m.word(w) for w in words]
    prefix = [0.0]
    for w in widths:
        prefix.append(prefix[-1] + w)

    def span(i: int, j: int) -> float:  # words[i:j] on one line
        return prefix[j] - prefix[i] + m.space * (j - i - 1)

    inf = (math.inf, math.inf)
    best: list[list[tuple[float, float]]] = [[inf] * (n + 1) for _ in range(k + 1)]
    cut: list[list[int]] = [[0] * (n + 1) for _ in range(k + 1)]
    best[0][0] = (0.0, 0.0)
    for lines in range(1, k + 1):
        for j in range(lines, n + 1):
            for i in range(lines - 1, j):
                prev = best[lines - 1][i]
                if prev[0] == math.inf:
                    continue
                w = span(i, j)
                cand = (max(prev[0], w), prev[1] + w * w)
                if cand < best[lines][j]:
                    best[lines][j] = cand
                    cut[lines][j] = i
    out: list[str] = []
    j = n
    for lines in range(k, 0, -1):
        i = cut[lines][j]
        out.append(" ".join(words[i:j]))
        j = i
    return out[::-1]


def _hyphenate(word: str, m: _Metrics) -> list[str]:
    """Break a token wider than the board at character boundaries, each piece but the last
    ending in a hyphen (a 200-letter word still shows every letter, in order)."""
    out: list[str] = []
    piece = ""
    for ch in word:
        if piece and m.word(piece + ch + "-") > m.avail_w:
            out.append(piece + "-")
            piece = ch
        else:
            piece += ch
    if piece:
        out.append(piece)
    return out


def _fit_units(b: Breaks, m: _Metrics) -> list[str]:
    """The slogan's units at this size, giving up glue only where a unit cannot fit a line:
    a phrase falls back to its words, a word to its syllables, a syllable to hyphenated
    pieces."""
    out: list[str] = []

    def place(start: int, end: int, level: int) -> None:
        text = b.text(start, end)
        if m.word(text) <= m.avail_w:
            out.append(text)
        elif end - start == 1:
            out.extend(_hyphenate(text, m))
        else:
            inner = Breaks(b.tokens[start:end], b.glue[start:end - 1])
            # a phrase splits into names and words, a name into words, a word into syllables
            for s, e in inner.units(level + 1):
                place(start + s, start + e, level + 1)

    for start, end in b.units(PHRASE):
        place(start, end, PHRASE)
    return out


def _fits_one(words: list[str], m: _Metrics) -> list[str] | None:
    """The balanced lines if the whole text fits one frame at this size, else None."""
    if m.max_lines < 1:
        return None
    count = _greedy_lines(words, m)
    if count is None or count > m.max_lines:
        return None
    lines = _balanced(words, count, m)
    if any(m.ink_width(line) > m.avail_w for line in lines):
        return None
    return lines


def _paginate(words: list[str], m: _Metrics) -> list[list[str]] | None:
    """Pages of balanced lines at this size, as few pages as possible, evenly filled."""
    if m.max_lines < 1:
        return None
    count = _greedy_lines(words, m)
    if count is None:
        return None
    page_count = math.ceil(count / m.max_lines)
    # Distribute words over pages in proportion to their width so pages are evenly full,
    # then balance the lines inside each page.
    per_page = [count // page_count + (1 if i < count % page_count else 0)
                for i in range(page_count)]
    pages: list[list[str]] = []
    rest = list(words)
    for index, lines_here in enumerate(per_page):
        chunk = rest if index == page_count - 1 else _take_lines(rest, lines_here, m)
        rest = rest[len(chunk):]
        if not chunk:
            return None
        lines = _balanced(chunk, lines_here, m)
        if any(m.ink_width(line) > m.avail_w for line in lines) or len(lines) > m.max_lines:
            return None
        pages.append(lines)
    if rest:
        return None
    return pages


def _take_lines(words: list[str], lines: int, m: _Metrics) -> list[str]:
    """The words that greedy wrapping puts on the next ``lines`` lines."""
    taken: list[str] = []
    used, current = 0, -1.0
    for word in words:
        w = m.word(word)
        if current < 0 or current + m.space + w > m.avail_w:
            if used == lines:
                break
            used += 1
            current = w
        else:
            current += m.space + w
        taken.append(word)
    return taken


def layout(text: str, width: int, height: int, *, mono: bool = True,
           font_path: str | Path | None = None) -> Layout:
    """Choose the font size and the lines of every frame for ``text`` on a WxH board."""
    if width < 16 or height < 8:
        raise ValueError(f"Kích thước bảng {width}x{height} quá nhỏ để hiển thị chữ.")
    text = normalise(text)
    if not text:
        raise ValueError("Khẩu hiệu trống: không có chữ nào để hiển thị.")
    path = str(font_path or DEFAULT_FONT)
    if not Path(path).is_file():
        raise ValueError(f"Không tìm thấy tệp phông chữ '{path}'.")
    charset = "".join(sorted(set(text.replace(" ", "")))) or "X"
    floor_size = min_font_size(height)

    def metrics(size: int) -> _Metrics:
        return _Metrics(path, size, charset, width, height, mono)

    b = breaks(text)
    # Largest size that fits one frame keeping words, names and short phrases (a name with its
    # title, a number with its unit) each on one line: binary search, fitting is monotone.
    words = [b.text(s, e) for s, e in b.units(PHRASE)]
    lo, hi, found = floor_size, max(floor_size, height), None
    while lo <= hi:
        mid = (lo + hi) // 2
        lines = _fits_one(words, metrics(mid))
        if lines is not None:
            found = (mid, lines)
            lo = mid + 1
        else:
            hi = mid - 1
    if found is not None:
        return Layout(found[0], (tuple(found[1]),), path)

    # Paging: the page count that the minimum size needs, then the largest common size that
    # still needs no more pages. Frame breaks fall between the same units as line breaks.
    m_floor = metrics(floor_size)
    words = _fit_units(b, m_floor)
    base = _paginate(words, m_floor)
    if base is None:  # one glyph is taller than the board: render at the floor anyway
        return Layout(floor_size, tuple((w,) for w in words), path)
    best = (floor_size, base)
    lo, hi = floor_size + 1, height
    while lo <= hi:
        mid = (lo + hi) // 2
        pages = _paginate(words, metrics(mid))
        if pages is not None and len(pages) <= len(base):
            best = (mid, pages)
            lo = mid + 1
        else:
            hi = mid - 1
    return Layout(best[0], tuple(tuple(p) for p in best[1]), path)


def _parse_color(value: str) -> tuple[int, int, int]:
    if value in LED_COLORS:
        return LED_COLORS[value]
    try:
        return ImageColor.getrgb(value)[:3]
    except ValueError:
        raise ValueError(
            f"Màu '{value}' không hợp lệ. Dùng red, yellow, white, green hoặc mã #RRGGBB."
        ) from None


def _background(width: int, height: int, background: str | None) -> Image.Image:
    """A full-colour canvas: black, a colour (name or #RRGGBB) or an image file, cropped."""
    if background is None:
        return Image.new("RGB", (width, height), (0, 0, 0))
    if Path(background).is_file():
        with Image.open(background) as src:
            return ImageOps.fit(src.convert("RGB"), (width, height))
    return Image.new("RGB", (width, height), _parse_color(background))


def draw_layout(plan: Layout, width: int, height: int, *, colors: str = "mono",
                color: str = "red", background: str | None = None) -> list[Image.Image]:
    """Draw the frames of a :class:`Layout`."""
    mono = colors == "mono"
    charset = "".join(sorted({c for page in plan.pages for line in page for c in line
                              if c != " "})) or "X"
    m = _Metrics(plan.font_path, plan.size, charset, width, height, mono)
    font = load_font(plan.font_path, plan.size)
    ink = _parse_color(color)
    frames: list[Image.Image] = []
    for page in plan.pages:
        if mono:
            # Two-colour palette image: index 0 is off, index 1 the board's LED colour.
            image = Image.new("P", (width, height), 0)
            image.putpalette([0, 0, 0, *ink])
            draw = ImageDraw.Draw(image)
            draw.fontmode = "1"
            fill: int | tuple[int, int, int] = 1
        else:
            image = _background(width, height, background)
            draw = ImageDraw.Draw(image)
            fill = ink
        block = len(page) * m.line_h + (len(page) - 1) * m.gap
        y_top = m.margin_y + max(0, (height - 2 * m.margin_y - block) // 2)
        stroke = max(1, plan.size // 14) if (not mono and background) else 0
        for index, line in enumerate(page):
            x0, _, x1, _ = _ink_box(plan.font_path, plan.size, line, m.mode)
            x = (width - (x1 - x0)) // 2 - x0
            baseline = y_top - m.top + index * m.pitch
            draw.text((x, baseline), line, font=font, fill=fill, anchor="ls",
                      stroke_width=stroke, stroke_fill=(0, 0, 0) if stroke else None)
        frames.append(image)
    return frames


def render_frames(text: str, width: int, height: int, *, colors: str = "mono",
                  color: str = "red", font_path: str | None = None,
                  background: str | None = None) -> list[Image.Image]:
    """Render a slogan to one or more frames of exactly ``width`` x ``height`` pixels.

    ``colors`` is ``mono`` (1-bit palette image in the board colour ``color``, no
    anti-aliasing) or ``full`` (RGB, anti-aliased, text in ``color`` over ``background``: a
    colour name, ``#RRGGBB`` or an image file). ``font_path`` overrides the bundled font.
    Several frames are returned when the text does not fit legibly in one.
    """
    if colors not in ("mono", "full"):
        raise ValueError(f"Chế độ màu '{colors}' không hợp lệ: dùng mono hoặc full.")
    if colors == "mono" and color not in LED_COLORS:
        raise ValueError(
            f"Màu bảng '{color}' không hợp lệ: dùng {', '.join(LED_COLORS)}.")
    plan = layout(text, width, height, mono=colors == "mono", font_path=font_path)
    return draw_layout(plan, width, height, colors=colors, color=color, background=background)
