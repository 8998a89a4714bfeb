"""Print-ready PDF of an official slogan: red ground, yellow letters, bleed and crop marks.

The wording is never changed: the text is split only at whitespace and every line is drawn as
given (case included; official slogans are written in capitals by the issuer). Lines break only
between Vietnamese words and outside names and short phrases, by the same rule as the LED
boards (:mod:`assets.led.words`): "THAM GIA", "khoa học" or "Tổng Bí thư Tô Lâm" never straddle
two lines unless the glue must give way for a much larger letter. Within that, breaks are
chosen so the widest line is as short as possible, with a slight preference for breaking after
punctuation.

Vector text in an embedded TrueType font (reportlab always embeds a subset), CMYK colours
(the flag red C0 M100 Y100 K0 and yellow C0 M0 Y100 K0), TrimBox/BleedBox set, crop marks
outside the bleed. ``invariant`` output: the same slogan and size give the same bytes.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.lib.colors import CMYKColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, Paragraph

from assets.led.words import NAME, PHRASE, WORD, units
from assets.print.sizes import PDF_MAX_PT, PrintSize

FONT_FILE = Path(__file__).resolve().parent.parent / "led" / "fonts" / \
    "DejaVuSansCondensed-Bold.ttf"
RED = CMYKColor(0, 1, 1, 0)
YELLOW = CMYKColor(0, 0, 1, 0)
BLACK = CMYKColor(0, 0, 0, 1)
REGISTRATION = CMYKColor(1, 1, 1, 1)
LINE_GAP = 1.3
"""Baseline distance in ems: room for Vietnamese stacked marks above capitals (Ấ, Ệ)."""
ABOVE, BELOW = 1.0, 0.28
"""Ink above the first baseline and below the last one, in ems (stacked marks, dot below)."""
MAX_LINES = 8
PUNCTUATION_BONUS = 0.97
GIVE_WAY = 1.15
"""A weaker glue level (a phrase split, then a name) is used only when it lets the letters grow
by more than this factor: legibility from the street outweighs keeping a phrase on one line,
a small gain does not."""
MARK_GAP_MM, MARK_LEN_MM = 2.0, 10.0


class LegibilityError(ValueError):
    """The design would print letters too small to read at the size's viewing distance."""


@dataclass(frozen=True)
class Layout:
    lines: tuple[str, ...]
    font_size: float
    """Points."""
    cap_height_mm: float


@lru_cache(maxsize=4)
def font_name(path: str = str(FONT_FILE)) -> str:
    """Register the TrueType font once and return its reportlab name."""
    name = "Print-" + Path(path).stem
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, path))
    return name


def cap_ratio(font: str) -> float:
    """Cap height per point of ``font``; 0.729 (Helvetica's) for a font without a TrueType face."""
    registered = pdfmetrics.getFont(font)
    face = registered.face if isinstance(registered, TTFont) else None
    return float(getattr(face, "capHeight", 729)) / 1000.0


def normalise(text: str) -> str:
    """NFC and single spaces; the words themselves are kept exactly."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _partition(widths: list[float], space: float, lines: int,
               punct: list[bool]) -> list[int] | None:
    """Break points (start index of each line) minimising the widest line (weighted)."""
    n = len(widths)
    if lines > n:
        return None
    inf = float("inf")

    def span(i: int, j: int) -> float:
        width = sum(widths[i:j]) + space * (j - i - 1)
        return width * (PUNCTUATION_BONUS if j < n and punct[j - 1] else 1.0)

    best = [[inf] * (n + 1) for _ in range(lines + 1)]
    back = [[0] * (n + 1) for _ in range(lines + 1)]
    best[0][0] = 0.0
    for k in range(1, lines + 1):
        for j in range(k, n + 1):
            for i in range(k - 1, j):
                cost = max(best[k - 1][i], span(i, j))
                if cost < best[k][j]:
                    best[k][j], back[k][j] = cost, i
    starts, j = [], n
    for k in range(lines, 0, -1):
        i = back[k][j]
        starts.append(i)
        j = i
    return sorted(starts)


def layout(text: str, box_w_pt: float, box_h_pt: float, font: str, *,
           min_cap_mm: float = 0.0) -> Layout:
    """Largest font size at which the slogan fits the box, over 1…8 lines, breaking only
    between words. Phrases and names stay whole unless giving way grows the letters a lot or
    is needed to reach ``min_cap_mm``; a word is split between its syllables only when nothing
    else is readable at the viewing distance (a narrow vertical banner)."""
    text = normalise(text)
    if not text:
        raise ValueError("Khẩu hiệu trống.")
    chosen: Layout | None = None
    for pieces in (units(text, PHRASE), units(text, NAME), units(text, WORD)):
        candidate = _layout_units(pieces, box_w_pt, box_h_pt, font)
        if chosen is None or candidate.font_size > chosen.font_size * GIVE_WAY or (
                chosen.cap_height_mm < min_cap_mm < candidate.cap_height_mm):
            chosen = candidate
    assert chosen is not None
    if chosen.cap_height_mm < min_cap_mm:
        syllables = _layout_units(text.split(" "), box_w_pt, box_h_pt, font)
        if syllables.cap_height_mm > chosen.cap_height_mm:
            chosen = syllables
    return chosen


def _layout_units(words: list[str], box_w_pt: float, box_h_pt: float, font: str) -> Layout:
    """The best layout of these unbreakable pieces (each may hold spaces)."""
    widths = [pdfmetrics.stringWidth(w, font, 1.0) for w in words]
    space = pdfmetrics.stringWidth(" ", font, 1.0)
    punct = [w[-1] in ",;:.!?–-" for w in words]
    best: Layout | None = None
    for count in range(1, min(MAX_LINES, len(words)) + 1):
        starts = _partition(widths, space, count, punct)
        if starts is None:
            break
        bounds = [*starts, len(words)]
        lines = tuple(" ".join(words[a:b]) for a, b in zip(bounds, bounds[1:], strict=False))
        widest = max(pdfmetrics.stringWidth(line, font, 1.0) for line in lines)
        height = (count - 1) * LINE_GAP + ABOVE + BELOW
        size = min(box_w_pt / widest, box_h_pt / height)
        if best is None or size > best.font_size * 1.001:
            best = Layout(lines, size, size * cap_ratio(font) / mm)
    assert best is not None
    return best


def _marks(c: Canvas, x0: float, y0: float, w: float, h: float, bleed: float) -> None:
    """Crop marks at the four trim corners, starting outside the bleed."""
    c.setStrokeColor(REGISTRATION)
    c.setLineWidth(0.25)
    start, length = bleed + MARK_GAP_MM * mm, MARK_LEN_MM * mm
    for x in (x0, x0 + w):
        for y in (y0, y0 + h):
            sx = -1 if x == x0 else 1
            sy = -1 if y == y0 else 1
            c.line(x + sx * start, y, x + sx * (start + length), y)
            c.line(x, y + sy * start, x, y + sy * (start + length))


def render_pdf(slogan: str, size: PrintSize, *, text: str | None = None,
               font_path: Path | None = None, title: str | None = None) -> bytes:
    """The print-ready PDF (bytes). Raises LegibilityError when letters would be too small."""
    font = font_name(str(font_path or FONT_FILE))
    w, h, bleed = size.width_mm * mm, size.height_mm * mm, size.bleed_mm * mm
    slug = bleed + (MARK_GAP_MM + MARK_LEN_MM + 2) * mm
    page_w, page_h = w + 2 * slug, h + 2 * slug
    if max(page_w, page_h) > PDF_MAX_PT:
        raise ValueError(f"Khổ {size.name} quá lớn cho một trang PDF (tối đa 5 m mỗi cạnh kể cả "
                         "phần xén); hãy chia thành nhiều tấm.")
    margin = max(0.07 * min(w, h), 5 * mm)
    plan = layout(slogan, w - 2 * margin, h - 2 * margin, font, min_cap_mm=size.min_cap_mm)
    if plan.cap_height_mm < size.min_cap_mm:
        raise LegibilityError(
            f"Chữ trên {size.label} chỉ cao {plan.cap_height_mm:.0f} mm, cần ít nhất "
            f"{size.min_cap_mm:.0f} mm để đọc được từ {size.distance_m:g} m. Cách sửa: rút gọn "
            "khẩu hiệu hoặc chọn khổ lớn hơn.")
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(page_w, page_h), invariant=True, pageCompression=1,
               initialFontName=font)  # type: ignore[arg-type]  # stub says float; it is a name
    c.setTitle(title or normalise(slogan))
    c.setAuthor("campaign")
    c.setSubject(size.label)
    _front(c, plan, font, slug, w, h, bleed)
    if size.sides == 2 and text and text.strip():
        _back(c, text, normalise(slogan), font, slug, w, h, bleed, size)
    c.save()
    return buffer.getvalue()


def _boxes(c: Canvas, slug: float, w: float, h: float, bleed: float) -> None:
    c.setTrimBox((slug, slug, slug + w, slug + h))
    c.setBleedBox((slug - bleed, slug - bleed, slug + w + bleed, slug + h + bleed))


def _front(c: Canvas, plan: Layout, font: str, slug: float, w: float, h: float,
           bleed: float) -> None:
    _boxes(c, slug, w, h, bleed)
    c.setFillColor(RED)
    c.rect(slug - bleed, slug - bleed, w + 2 * bleed, h + 2 * bleed, stroke=0, fill=1)
    size = plan.font_size
    block = ((len(plan.lines) - 1) * LINE_GAP + ABOVE + BELOW) * size
    first = slug + h / 2 + block / 2 - ABOVE * size
    c.setFillColor(YELLOW)
    c.setFont(font, size)
    for idx, line in enumerate(plan.lines):
        c.drawCentredString(slug + w / 2, first - idx * LINE_GAP * size, line)
    _marks(c, slug, slug, w, h, bleed)
    c.showPage()


def _back(c: Canvas, text: str, heading: str, font: str, slug: float, w: float, h: float,
          bleed: float, size: PrintSize) -> None:
    """The leaflet's back: the campaign's text on white, heading in red, at a readable size."""
    _boxes(c, slug, w, h, bleed)
    margin = 12 * mm
    min_pt = size.min_cap_mm * mm / cap_ratio(font)
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    for points in (12.0, 11.0, 10.0, 9.0, 8.0):
        if points < min_pt:
            break
        body = ParagraphStyle("body", fontName=font, fontSize=points, leading=points * 1.35,
                              textColor=BLACK, spaceAfter=points * 0.5)
        head = ParagraphStyle("head", parent=body, fontSize=points * 1.5,
                              leading=points * 1.9, textColor=RED, spaceAfter=points)
        story: list[Flowable] = [Paragraph(_escape(heading), head),
                 *[Paragraph(_escape(p).replace("\n", "<br/>"), body) for p in paragraphs]]
        frame = Frame(slug + margin, slug + margin, w - 2 * margin, h - 2 * margin,
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        if _fits(story, w - 2 * margin, h - 2 * margin):
            frame.addFromList(story, c)
            _marks(c, slug, slug, w, h, bleed)
            c.showPage()
            return
    raise LegibilityError(f"Nội dung mặt sau {size.label} quá dài để in ở cỡ chữ đọc được "
                          f"(tối thiểu {max(min_pt, 8.0):.0f} pt). Cách sửa: rút gọn nội dung "
                          "hoặc chọn khổ A4.")


def _fits(story: list[Flowable], width: float, height: float) -> bool:
    total = 0.0
    for flowable in story:
        _, used = flowable.wrap(width, height)
        total += used + flowable.getSpaceAfter()
    return total <= height


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
