"""The results report as a Word document laid out as Nghị định 30/2020/NĐ-CP asks.

Phụ lục I of the decree: A4; margins top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm;
Times New Roman 13–14. The header is a borderless two-column table: on the left the cơ quan chủ
quản (upper case, regular) and the cơ quan ban hành (upper case, bold) with a short rule under it
(1/3–1/2 of the line, centred), then "Số: …/BC-…"; on the right the Quốc hiệu (upper case, bold,
12–13) and the Tiêu ngữ (bold, 13–14) with a rule as long as the Tiêu ngữ, then the place and
date in italics. At the end: Nơi nhận on the left (bold italic 12, entries 11), quyền hạn and
chức vụ of the signer (upper case, bold), room for the signature, and the signer's name (bold).

Column widths are computed from the text they hold (measured with Times New Roman's metrics,
i.e. Liberation Serif), so no word or date is ever split across lines by a too-narrow column.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from campaign.labels import channel_label
from campaign.report import BLANK, QUOC_HIEU, TIEU_NGU, ReportData, chart_png

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

FONT = "Times New Roman"
TEXT_WIDTH_CM = 21.0 - 3.0 - 1.5
HEADER_COLUMNS_CM = (7.0, TEXT_WIDTH_CM - 7.0)
HEADER_PAD_CM = 0.05
TABLE_PAD_CM = 0.1
TABLE_PT = 12
FIRST_LINE_CM = 1.27
_FONT_FILES = {(False, False): "LiberationSerif-Regular.ttf",
               (True, False): "LiberationSerif-Bold.ttf",
               (False, True): "LiberationSerif-Italic.ttf",
               (True, True): "LiberationSerif-BoldItalic.ttf"}
_FONT_DIRS = ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation",
              "/usr/share/fonts/liberation-serif", "/usr/share/fonts/liberation")


@lru_cache(maxsize=8)
def _metrics(bold: bool, italic: bool) -> FreeTypeFont | None:
    """Times-compatible metrics (Liberation Serif) at 1000 units, or None when not installed."""
    from PIL import ImageFont

    name = _FONT_FILES[(bold, italic)]
    for folder in _FONT_DIRS:
        path = Path(folder) / name
        if path.is_file():
            return ImageFont.truetype(str(path), 1000)
    return None


def text_cm(text: str, pt: float, *, bold: bool = False, italic: bool = False) -> float:
    """Printed width of ``text`` in Times New Roman at ``pt`` points, in centimetres.

    Without the metric-compatible font a generous estimate (0.55 em a letter, 0.75 em in
    capitals) keeps columns wide enough."""
    font = _metrics(bold, italic)
    if font is not None:
        return font.getlength(text) / 1000 * pt / 72 * 2.54
    ems = sum(0.75 if ch.isupper() else 0.55 for ch in text)
    return ems * pt / 72 * 2.54


def longest_line_cm(text: str, pt: float, room_cm: float, *, bold: bool = False) -> float:
    """Width of the longest line once ``text`` is wrapped between words into ``room_cm``
    (greedy, as word processors do): the base for a rule of 1/3–1/2 of the line."""
    widest = line = 0.0
    space = text_cm(" ", pt, bold=bold)
    for word in text.split():
        w = text_cm(word, pt, bold=bold)
        line = w if line == 0 or line + space + w > room_cm else line + space + w
        widest = max(widest, line)
    return min(widest, room_cm)


def column_widths(head: Sequence[str], rows: Sequence[Sequence[Any]], total_cm: float, *,
                  pt: float = TABLE_PT, pad_cm: float = TABLE_PAD_CM) -> list[float]:
    """Widths that give every column room for its longest word (so "Facebook" and
    "28/04/2025" stay whole) and share the rest in proportion to the values' full text."""
    slack = 2 * pad_cm + 0.15
    mins: list[float] = []
    wants: list[float] = []
    for j, title in enumerate(head):
        values = [str(r[j]) for r in rows]
        words = [(w, True) for w in title.split()] + [(w, False) for v in values
                                                       for w in v.split()]
        shortest = max((text_cm(w, pt, bold=b) for w, b in words), default=0.5)
        mins.append(shortest + slack)
        # A header may wrap between its words; the values should not wrap at all.
        wants.append(max([shortest, *(text_cm(v, pt) for v in values)]) + slack)
    low, high = sum(mins), sum(wants)
    if high <= total_cm:
        return [w * total_cm / high for w in wants]
    if low >= total_cm:
        return [m * total_cm / low for m in mins]
    k = (total_cm - low) / (high - low)
    return [m + k * (w - m) for m, w in zip(mins, wants, strict=True)]


# ---------------------------------------------------------------------------- oxml helpers
def _set_table_widths(table: Any, widths_cm: Sequence[float], pad_cm: float) -> None:
    """Fixed layout: grid, table and every cell get the same widths, so Word and LibreOffice
    both keep them (LibreOffice reads the grid, Word the cells)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    table.autofit = False
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(int(sum(Cm(w).twips for w in widths_cm))))
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(Cm(pad_cm).twips))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    tbl_pr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths_cm, strict=True):
        col.w = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)


def _rule(cell_or_doc: Any, length_cm: float, room_cm: float) -> None:
    """A centred horizontal rule ``length_cm`` long: the top border of an empty, 2-pt-high
    paragraph indented from both sides (it survives every conversion, unlike drawn shapes)."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    p = cell_or_doc.add_paragraph()
    indent = max(0.0, (room_cm - length_cm) / 2)
    fmt = p.paragraph_format
    fmt.left_indent = fmt.right_indent = Cm(indent)
    fmt.first_line_indent = Cm(0)
    fmt.space_before = Pt(1)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "0"), ("color", "000000")):
        top.set(qn(f"w:{key}"), value)
    borders.append(top)
    p._p.get_or_add_pPr().insert_element_before(
        borders, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc",
        "w:rPr")


def _fonts(style_or_run: Any) -> None:
    """Times New Roman for every script slot (python-docx sets only ASCII/hAnsi)."""
    from docx.oxml.ns import qn

    fonts = style_or_run.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(slot), FONT)


# ---------------------------------------------------------------------------- document
def write_docx(data: ReportData, path: Path) -> Path:
    """The report as a Word document (A4, Times New Roman, Nghị định 30/2020 layout)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    section.header_distance = section.footer_distance = Cm(1)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(14)
    _fonts(style)
    style.paragraph_format.space_after = Pt(0)

    # Page numbers: top centre from page 2 on (the first page shows none).
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number._p.append(field)

    def para(where: Any, text: str = "", *, bold: bool = False, italic: bool = False,
             center: bool = False, size: float | None = None, first: bool = False,
             body: bool = False, after: float = 0, before: float = 0,
             justify: bool = True) -> Any:
        p = where.paragraphs[0] if first else where.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif body:
            if justify:
                p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            p.paragraph_format.first_line_indent = Cm(FIRST_LINE_CM)
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        p.paragraph_format.space_after = Pt(after)
        p.paragraph_format.space_before = Pt(before)
        return p

    # ------------------------------------------------------------------ header (thể thức)
    header = doc.add_table(rows=1, cols=2)
    _set_table_widths(header, HEADER_COLUMNS_CM, HEADER_PAD_CM)
    left, right = header.rows[0].cells
    room_left = HEADER_COLUMNS_CM[0] - 2 * HEADER_PAD_CM
    room_right = HEADER_COLUMNS_CM[1] - 2 * HEADER_PAD_CM
    org = data.organisation.upper()
    if data.parent:
        para(left, data.parent.upper(), center=True, size=13, first=True)
        para(left, org, bold=True, center=True, size=13)
    else:
        para(left, org, bold=True, center=True, size=13, first=True)
    _rule(left, longest_line_cm(org, 13, room_left, bold=True) * 0.4, room_left)
    para(left, data.number_symbol, center=True, size=13, before=6)

    para(right, QUOC_HIEU, bold=True, center=True, size=12, first=True)
    para(right, TIEU_NGU, bold=True, center=True, size=13)
    _rule(right, text_cm(TIEU_NGU, 13, bold=True), room_right)
    date_size = next((s for s in (14, 13, 12)
                      if text_cm(data.place_date, s, italic=True) <= room_right - 0.2), 12)
    para(right, data.place_date, italic=True, center=True, size=date_size, before=6)

    # ------------------------------------------------------------------ title and body
    para(doc, "BÁO CÁO", bold=True, center=True, before=18)
    para(doc, data.subject, bold=True, center=True)
    _rule(doc, longest_line_cm(data.subject, 14, TEXT_WIDTH_CM, bold=True) * 0.4,
          TEXT_WIDTH_CM)
    para(doc, f"Kính gửi: {data.report_to}.", center=True, before=12, after=12)
    if data.sources:
        opening = (f"Thực hiện {'; '.join(data.sources)}, {data.organisation} báo cáo kết quả "
                   f"tuyên truyền {data.period} như sau:")
    else:
        opening = f"{data.organisation} báo cáo kết quả tuyên truyền {data.period} như sau:"
    para(doc, opening, body=True, after=6)

    para(doc, "I. KẾT QUẢ THỰC HIỆN", bold=True, body=True, after=6)
    para(doc, "1. Theo kênh thông tin", bold=True, body=True, after=6)
    _table(doc, ["Kênh", "Kế hoạch", "Đã gửi", "Xác nhận phát", "Lỗi/chưa rõ", "Quá hạn",
                 "Từ ngày", "Đến ngày"],
           [[c.label, c.planned, c.sent, c.confirmed, c.failed, c.expired, _day(c.first),
             _day(c.last)] for c in data.channels])
    doc.add_picture(io.BytesIO(chart_png(data)), width=Cm(16))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    para(doc, "Biểu đồ: số bài theo kênh (kế hoạch, đã gửi, đã xác nhận phát).", italic=True,
         center=True, size=12, after=6)
    para(doc, "2. Theo đơn vị", bold=True, body=True, after=6)
    chans = [c.channel for c in data.channels]
    _table(doc, ["Đơn vị", *[channel_label(c) for c in chans], "Loa: đã phát/đã gửi"],
           [[u.name, *[u.sent.get(c, 0) for c in chans],
             f"{u.played}/{u.loudspeaker_due}" if "loudspeaker" in u.sent else ""]
            for u in data.units])
    para(doc, "3. Đơn vị chưa xác nhận đã phát trên loa truyền thanh", bold=True, body=True,
         before=6, after=6)
    if data.unconfirmed:
        for name, count in data.unconfirmed:
            para(doc, f"- {name}: {count} buổi chưa xác nhận đã phát.", body=True)
    else:
        para(doc, "Tất cả các đơn vị đã xác nhận phát đủ các buổi đã gửi.", body=True)
    _ward_sections(doc, data, para)
    para(doc, f"Trên đây là báo cáo kết quả tuyên truyền của {data.organisation}./.",
         body=True, before=6, after=12)

    # ------------------------------------------------------------------ nơi nhận, signer
    footer = doc.add_table(rows=1, cols=2)
    _set_table_widths(footer, (7.0, TEXT_WIDTH_CM - 7.0), HEADER_PAD_CM)
    left, right = footer.rows[0].cells
    para(left, "Nơi nhận:", bold=True, italic=True, size=12, first=True)
    para(left, "- Như trên;", size=11)
    para(left, f"- Lưu: VT, {data.number_symbol.rsplit('-', 1)[-1]}.", size=11)
    signer = data.signer
    if signer is not None:
        if signer.authority:
            para(right, signer.authority.upper(), bold=True, center=True, size=14, first=True)
            para(right, signer.title.upper(), bold=True, center=True, size=14)
        else:
            para(right, signer.title.upper(), bold=True, center=True, size=14, first=True)
        for _ in range(4):
            para(right, "", size=14)
        para(right, signer.name, bold=True, center=True, size=14)
    else:
        para(right, "(Quyền hạn, chức vụ của người ký)", bold=True, center=True, size=14,
             first=True)
        para(right, "(Chữ ký của người có thẩm quyền, dấu của cơ quan)", italic=True,
             center=True, size=12)
        for _ in range(3):
            para(right, "", size=14)
        para(right, "(Họ và tên)", bold=True, center=True, size=14)
    _photo_appendix(doc, data, para)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def _ward_sections(doc: Any, data: ReportData, para: Any) -> None:
    """I.4–I.6 (each form of propaganda, the wards' activities, who did not report), then the
    operator's assessment (II) and proposals (III); see :mod:`campaign.report_sections`."""
    from campaign import report_sections as sections

    view = data.wards
    para(doc, "4. Theo hình thức tuyên truyền", bold=True, body=True, before=6, after=6)
    for heading, lines in sections.form_paragraphs(data):
        para(doc, heading, italic=True, body=True)
        for line in lines:
            para(doc, f"- {line}", body=True)
    head, rows = sections.activity_table(view)
    para(doc, "5. Hoạt động do các phường, xã báo cáo", bold=True, body=True, before=6,
         after=6)
    if rows and len(head) > 3:
        _table(doc, head, rows)
    else:
        para(doc, "Chưa có đơn vị nào báo cáo hoạt động.", body=True)
    if data.unit_id is None:
        para(doc, "6. Đơn vị chưa gửi báo cáo", bold=True, body=True, before=6, after=6)
        missing = sections.missing_units(view)
        para(doc, "; ".join(missing) + "." if missing else
             "Tất cả các đơn vị đã gửi báo cáo.", body=True)
    para(doc, "II. ĐÁNH GIÁ", bold=True, body=True, before=6, after=6)
    for number, (key, title) in enumerate((("ket_qua", "Kết quả đạt được"),
                                           ("han_che", "Hạn chế, khó khăn")), start=1):
        lines = sections.assessment_text(data, key)
        if lines == [BLANK]:
            para(doc, f"{number}. {title}: {BLANK}", body=True, justify=False)
            continue
        para(doc, f"{number}. {title}:", body=True)
        for line in lines:
            para(doc, line, body=True)
    para(doc, "III. ĐỀ XUẤT, KIẾN NGHỊ", bold=True, body=True, before=6, after=6)
    for line in sections.assessment_text(data, "de_xuat"):
        para(doc, line, body=True, justify=line != BLANK)


def _photo_appendix(doc: Any, data: ReportData, para: Any) -> None:
    """A new page of evidence photos, two a row, 7.5 cm wide, each with its caption."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Cm, Pt

    from campaign import report_sections as sections

    chosen = [(sections.photo_bytes(data, key), caption)
              for key, caption, _ in sections.photo_selection(data.wards)]
    chosen = [(image, caption) for image, caption in chosen if image is not None]
    if not chosen:
        return
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    para(doc, "PHỤ LỤC", bold=True, center=True)
    para(doc, "ẢNH MINH CHỨNG DO CÁC ĐƠN VỊ GỬI VỀ", bold=True, center=True, after=12)
    grid = doc.add_table(rows=0, cols=2)
    _set_table_widths(grid, (TEXT_WIDTH_CM / 2, TEXT_WIDTH_CM / 2), TABLE_PAD_CM)
    for i in range(0, len(chosen), 2):
        cells = grid.add_row().cells
        for cell, (image, caption) in zip(cells, chosen[i:i + 2], strict=False):
            picture = cell.paragraphs[0]
            picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
            picture.add_run().add_picture(image, width=Cm(7.5))
            note = cell.add_paragraph()
            note.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = note.add_run(caption)
            run.italic = True
            run.font.size = Pt(11)
            note.paragraph_format.space_after = Pt(8)
    _set_table_widths(grid, (TEXT_WIDTH_CM / 2, TEXT_WIDTH_CM / 2), TABLE_PAD_CM)


def _day(day: Any) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def _table(doc: Any, head: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A ruled table whose column widths fit its words; numbers centred, header repeated."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    texts = [[str(v) for v in row] for row in rows]
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    _set_table_widths(table, column_widths(head, texts, TEXT_WIDTH_CM), TABLE_PAD_CM)
    repeat = OxmlElement("w:tblHeader")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    repeat.set(qn("w:val"), "true")

    def keep_whole(row: Any) -> None:
        """A row never splits across pages."""
        cant = OxmlElement("w:cantSplit")
        cant.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().insert(0, cant)

    def fill(cell: Any, text: str, *, bold: bool = False, center: bool = False) -> None:
        cell.text = ""
        p = cell.paragraphs[0]
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(text)
        run.bold = bold
        run.font.size = Pt(TABLE_PT)

    for cell, text in zip(table.rows[0].cells, head, strict=True):
        fill(cell, text, bold=True, center=True)
    for row in texts:
        new = table.add_row()
        keep_whole(new)
        cells = new.cells
        for j, (cell, value) in enumerate(zip(cells, row, strict=True)):
            fill(cell, value, center=j > 0)
