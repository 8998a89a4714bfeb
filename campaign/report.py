"""The results report a guidance document asks for: "Báo cáo kết quả tuyên truyền".

Laid out like an administrative document (Nghị định 30/2020/NĐ-CP): issuing body, Quốc hiệu and
tiêu ngữ, số/ký hiệu, place and date, Kính gửi, trích yếu. The numbers come from
:mod:`campaign.queries` so they match the dashboard; the assessment and proposals are left for
the author, because only a person can judge how the campaign went.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from campaign import queries
from campaign.errors import InputError
from campaign.workspace import Workspace
from schedules.calendar import fmt_local
from schedules.ledger import Ledger
from schedules.models import EVENT_LABEL

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
CHANNEL_LABEL = {"facebook": "Facebook", "zalo": "Zalo", "led": "Bảng LED",
                 "loudspeaker": "Loa truyền thanh"}
CHANNEL_ORDER = ("facebook", "zalo", "led", "loudspeaker")
BLANK = "…" * 40
LOG_FIELDS = [("at", "Thời điểm"), ("event", "Sự kiện"), ("campaign", "Chiến dịch"),
              ("post_id", "Bài"), ("unit", "Đơn vị"), ("channel", "Kênh"),
              ("endpoint", "Điểm nhận"), ("message", "Tin"), ("actor", "Người/máy"),
              ("detail", "Chi tiết")]


@dataclass
class ChannelLine:
    channel: str
    label: str
    planned: int
    sent: int
    confirmed: int
    failed: int
    expired: int
    first: str
    last: str


@dataclass
class UnitLine:
    unit_id: str
    name: str
    sent: dict[str, int]
    played: int
    loudspeaker_due: int


@dataclass
class ReportData:
    """Everything the documents print, already in words and local dates."""

    campaign_id: str
    title: str
    parent: str | None
    organisation: str
    number_symbol: str
    place_date: str
    report_to: str
    subject: str
    sources: list[str]
    period: str
    channels: list[ChannelLine]
    units: list[UnitLine]
    unconfirmed: list[tuple[str, int]]
    timezone: str
    workspace: Workspace
    ledger: Ledger
    today: date
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- data
def _symbol(org: Any) -> str:
    """Ký hiệu of the issuing body: its short name, else the initials of its name."""
    if org.short_name:
        return org.short_name
    name = re.split(r"\b(thành phố|tỉnh|huyện|quận|thị xã)\b", org.name, flags=re.I)[0]
    ascii_name = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", ascii_name.encode(
        "ascii", "ignore").decode()))
    return initials.upper() or "TT"


def vn_place_date(place: str | None, day: date) -> str:
    """'Biên Hòa, ngày 05 tháng 02 năm 2025': day below 10 and months 1–2 take a leading zero."""
    dd = f"{day.day:02d}" if day.day < 10 else str(day.day)
    mm = f"{day.month:02d}" if day.month < 3 else str(day.month)
    text = f"ngày {dd} tháng {mm} năm {day.year}"
    return f"{place}, {text}" if place else text.capitalize()


def _source_line(src: dict[str, Any]) -> str:
    kind = src.get("kind") or "Văn bản"
    parts = [f"{kind} số {src['number']}" if src.get("number") else kind]
    if src.get("date"):
        parts.append(f"ngày {date.fromisoformat(str(src['date'])):%d/%m/%Y}")
    if src.get("issuer"):
        parts.append(f"của {src['issuer']}")
    line = " ".join(parts)
    if src.get("subject"):
        line += f" về {src['subject'][:1].lower()}{src['subject'][1:]}"
    return line


def build_report(ws: Workspace, ledger: Ledger, campaign_id: str, *,
                 today: date | None = None) -> ReportData:
    """Collect the report's facts; InputError in Vietnamese when the campaign is unknown."""
    record = queries.campaign_record(ledger, campaign_id)
    if record is None:
        raise InputError.single(campaign_id, f"Chưa có chiến dịch '{campaign_id}' trong sổ.",
                                fix="Xem các chiến dịch bằng lệnh: campaign status")
    directory = ws.directory
    zone = record["timezone"] or directory.timezone
    today = today or datetime.now(ZoneInfo(zone)).date()
    definition = record["definition"] or {}
    org = directory.data.organisation
    summary = queries.delivery_summary(ledger, campaign_id)

    def local_day(instant: datetime | None) -> str:
        return fmt_local(instant, zone)[:10] if instant else ""

    channels = []
    for channel in sorted(summary["by_channel"], key=lambda c: (
            CHANNEL_ORDER.index(c) if c in CHANNEL_ORDER else 99, c)):
        b = summary["by_channel"][channel]
        channels.append(ChannelLine(channel, CHANNEL_LABEL.get(channel, channel), b["planned"],
                                    b["sent"], b["played"], b["failed"] + b["unconfirmed"],
                                    b["expired"], local_day(b["first"]), local_day(b["last"])))
    units = []
    order = {u: i for i, u in enumerate(directory.units)}
    for unit_id in sorted(summary["by_unit"], key=lambda u: (order.get(u, 1 << 30), u)):
        chans = summary["by_unit"][unit_id]
        unit = directory.units.get(unit_id)
        loud = chans.get("loudspeaker", {})
        units.append(UnitLine(unit_id, unit.name if unit else unit_id,
                              {c: chans[c]["sent"] for c in chans},
                              loud.get("played", 0), loud.get("sent", 0)))
    names = {u.unit_id: u.name for u in units}
    unconfirmed = sorted(((names.get(u, u), n) for u, n in summary["unconfirmed_units"].items()),
                         key=lambda x: (-x[1], x[0]))
    sources = [_source_line(s) for s in definition.get("source", [])]
    symbol = _symbol(org)
    return ReportData(
        campaign_id=campaign_id, title=record["title"], parent=org.parent,
        organisation=org.name, number_symbol=f"Số: …/BC-{symbol}",
        place_date=vn_place_date(org.place, today),
        report_to=definition.get("report_to") or BLANK[:20],
        subject=f"Kết quả tuyên truyền {record['title'][:1].lower()}{record['title'][1:]}",
        sources=sources,
        period=f"từ ngày {record['period_start']:%d/%m/%Y} đến ngày {record['period_end']:%d/%m/%Y}",
        channels=channels, units=units, unconfirmed=unconfirmed, timezone=zone,
        workspace=ws, ledger=ledger, today=today)


# ---------------------------------------------------------------------------- chart
def chart_png(data: ReportData, *, width: int = 1200, height: int = 560) -> bytes:
    """Grouped bars per channel (planned, sent, confirmed), drawn with Pillow so the .docx
    carries a picture that every word processor shows."""
    from PIL import Image, ImageDraw, ImageFont

    from assets.led.render import DEFAULT_FONT

    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(DEFAULT_FONT), 22)
    small = ImageFont.truetype(str(DEFAULT_FONT), 18)
    series = [("Kế hoạch", (144, 202, 249)), ("Đã gửi", (46, 125, 50)),
              ("Đã xác nhận phát", (21, 101, 192))]
    draw.text((20, 14), "Số bài theo kênh", fill="black", font=font)
    for i, (label, color) in enumerate(series):
        x = width - 620 + i * 200
        draw.rectangle((x, 20, x + 18, 38), fill=color)
        draw.text((x + 26, 16), label, fill="black", font=small)
    left, top, bottom = 80, 70, height - 60
    draw.line((left, bottom, width - 20, bottom), fill="black", width=2)
    peak = max((max(c.planned, c.sent, c.confirmed) for c in data.channels), default=0) or 1
    n = max(1, len(data.channels))
    group_w = (width - left - 40) / n
    bar_w = group_w / 4
    for i, line in enumerate(data.channels):
        x0 = left + i * group_w + bar_w / 2
        for j, value in enumerate((line.planned, line.sent, line.confirmed)):
            h = (bottom - top) * value / peak
            x = x0 + j * bar_w
            draw.rectangle((x, bottom - h, x + bar_w - 6, bottom), fill=series[j][1])
            draw.text((x + 2, bottom - h - 22), str(value), fill="black", font=small)
        draw.text((x0, bottom + 12), line.label, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# ---------------------------------------------------------------------------- docx
def write_docx(data: ReportData, path: Path) -> Path:
    """The report as a Word document (A4, Times New Roman 13–14, administrative layout)."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(14)

    def para(cell_or_doc: Any, text: str = "", *, bold: bool = False, italic: bool = False,
             center: bool = False, size: float | None = None, first: bool = False) -> Any:
        p = cell_or_doc.paragraphs[0] if first else cell_or_doc.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        p.paragraph_format.space_after = Pt(2)
        return p

    header = doc.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = header.rows[0].cells
    left.width, right.width = Cm(7), Cm(9.5)
    para(left, (data.parent or "").upper(), center=True, size=13, first=True)
    para(left, data.organisation.upper(), bold=True, center=True, size=13)
    para(left, data.number_symbol, center=True, size=13)
    para(right, QUOC_HIEU, bold=True, center=True, size=12, first=True)
    para(right, TIEU_NGU, bold=True, center=True, size=14)
    para(right, data.place_date, italic=True, center=True, size=14)

    para(doc, "")
    para(doc, "BÁO CÁO", bold=True, center=True)
    para(doc, data.subject, bold=True, center=True)
    para(doc, f"Kính gửi: {data.report_to}.", center=True)
    if data.sources:
        para(doc, f"Thực hiện {'; '.join(data.sources)}, {data.organisation} báo cáo kết quả "
                  f"tuyên truyền {data.period} như sau:")
    else:
        para(doc, f"{data.organisation} báo cáo kết quả tuyên truyền {data.period} như sau:")

    para(doc, "I. KẾT QUẢ THỰC HIỆN", bold=True)
    para(doc, "1. Theo kênh thông tin", bold=True)
    _docx_table(doc, ["Kênh", "Kế hoạch", "Đã gửi", "Xác nhận phát", "Lỗi/chưa rõ",
                      "Quá hạn", "Từ ngày", "Đến ngày"],
                [[c.label, c.planned, c.sent, c.confirmed, c.failed, c.expired, c.first, c.last]
                 for c in data.channels])
    doc.add_picture(io.BytesIO(chart_png(data)), width=Cm(16))
    para(doc, "Biểu đồ: số bài theo kênh (kế hoạch, đã gửi, đã xác nhận phát).", italic=True,
         center=True, size=12)
    para(doc, "2. Theo đơn vị", bold=True)
    chans = [c.channel for c in data.channels]
    _docx_table(doc, ["Đơn vị", *[CHANNEL_LABEL.get(c, c) for c in chans],
                      "Loa: đã phát/đã gửi"],
                [[u.name, *[u.sent.get(c, 0) for c in chans],
                  f"{u.played}/{u.loudspeaker_due}" if "loudspeaker" in u.sent else ""]
                 for u in data.units])
    para(doc, "3. Đơn vị chưa xác nhận đã phát trên loa truyền thanh", bold=True)
    if data.unconfirmed:
        for name, count in data.unconfirmed:
            para(doc, f"- {name}: {count} buổi chưa xác nhận đã phát.")
    else:
        para(doc, "Tất cả các đơn vị đã xác nhận phát đủ các buổi đã gửi.")
    para(doc, "II. ĐÁNH GIÁ", bold=True)
    para(doc, "1. Ưu điểm: " + BLANK)
    para(doc, "2. Hạn chế, khó khăn: " + BLANK)
    para(doc, "III. ĐỀ XUẤT, KIẾN NGHỊ", bold=True)
    para(doc, BLANK)
    para(doc, f"Trên đây là báo cáo kết quả tuyên truyền của {data.organisation}./.")

    footer = doc.add_table(rows=1, cols=2)
    left, right = footer.rows[0].cells
    para(left, "Nơi nhận:", bold=True, italic=True, size=12, first=True)
    para(left, "- Như trên;", size=11)
    para(left, "- Lưu: VT.", size=11)
    para(right, "THỦ TRƯỞNG CƠ QUAN", bold=True, center=True, size=14, first=True)
    para(right, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, center=True, size=13)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def _docx_table(doc: Any, head: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    from docx.shared import Pt

    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(text))
        run.bold = True
        run.font.size = Pt(12)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(str(value)).font.size = Pt(12)


# ---------------------------------------------------------------------------- xlsx
def write_log_xlsx(path: Path, rows: Iterable[dict[str, Any]],
                   fields: Sequence[tuple[str, str]] = LOG_FIELDS, *,
                   title: str = "Nhật ký gửi") -> Path:
    """A workbook with one sheet of log rows (already formatted), streamed in write-only mode
    so a million rows do not sit in memory."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    _log_sheet(wb, rows, fields, title)
    wb.save(str(path))
    return Path(path)


def _log_sheet(wb: Any, rows: Iterable[dict[str, Any]], fields: Sequence[tuple[str, str]],
               title: str) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    sheet = wb.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHIJ", (17, 16, 18, 8, 22, 14, 20, 14, 18, 60), strict=False):
        sheet.column_dimensions[col].width = width
    head = []
    for _, label in fields:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = Font(bold=True)
        head.append(cell)
    sheet.append(head)
    for row in rows:
        sheet.append([_xl(row.get(k)) for k, _ in fields])


def _xl(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # never let a log text become a spreadsheet formula
    return value


def write_xlsx(data: ReportData, path: Path) -> Path:
    """The report as a workbook: the summary with a native bar chart, units, unconfirmed
    units, and the campaign's full delivery log."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("Báo cáo")
    sheet.column_dimensions["A"].width = 34
    for col in "BCDEFGH":
        sheet.column_dimensions[col].width = 14

    def line(*values: Any, bold: bool = False, italic: bool = False) -> None:
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            cell.font = Font(bold=bold, italic=italic)
            cell.alignment = Alignment(wrap_text=False)
            cells.append(cell)
        sheet.append(cells)

    line((data.parent or "").upper(), "", "", "", QUOC_HIEU, bold=False)
    line(data.organisation.upper(), "", "", "", TIEU_NGU, bold=True)
    line(data.number_symbol, "", "", "", data.place_date, italic=False)
    line()
    line("BÁO CÁO", bold=True)
    line(data.subject, bold=True)
    line(f"Kính gửi: {data.report_to}")
    for src in data.sources:
        line(f"Thực hiện {src}")
    line(f"Thời gian: {data.period}")
    line()
    line("I. KẾT QUẢ THEO KÊNH", bold=True)
    head_row = 11 + len(data.sources)  # the row of the table header below
    line("Kênh", "Kế hoạch", "Đã gửi", "Xác nhận phát", "Lỗi/chưa rõ", "Quá hạn", "Từ ngày",
         "Đến ngày", bold=True)
    for c in data.channels:
        sheet.append([c.label, c.planned, c.sent, c.confirmed, c.failed, c.expired, c.first,
                      c.last])
    if data.channels:
        chart = BarChart()
        chart.type = "col"
        chart.title = "Số bài theo kênh"
        chart.y_axis.title = "Số bài"
        values = Reference(sheet, min_col=2, max_col=4, min_row=head_row,
                           max_row=head_row + len(data.channels))
        cats = Reference(sheet, min_col=1, min_row=head_row + 1,
                         max_row=head_row + len(data.channels))
        chart.add_data(values, titles_from_data=True)
        chart.set_categories(cats)
        chart.width, chart.height = 18, 8
        sheet.add_chart(chart, f"J{head_row}")
    line()
    line("II. ĐÁNH GIÁ (người lập báo cáo điền)", bold=True)
    line(BLANK)
    line("III. ĐỀ XUẤT, KIẾN NGHỊ", bold=True)
    line(BLANK)

    units = wb.create_sheet("Theo đơn vị")
    chans = [c.channel for c in data.channels]
    units.append(["Đơn vị", *[CHANNEL_LABEL.get(c, c) for c in chans], "Loa: đã phát",
                  "Loa: đã gửi"])
    for u in data.units:
        units.append([u.name, *[u.sent.get(c, 0) for c in chans], u.played, u.loudspeaker_due])
    missing = wb.create_sheet("Chưa xác nhận phát")
    missing.append(["Đơn vị", "Số buổi đã gửi nhưng chưa xác nhận phát"])
    for name, count in data.unconfirmed:
        missing.append([name, count])

    directory = data.workspace.directory
    zone = data.timezone

    def log_rows() -> Iterable[dict[str, Any]]:
        flt = queries.LogFilter(campaign=data.campaign_id, limit=None)
        for row in queries.iter_log(data.ledger, flt, oldest_first=True):
            unit = directory.units.get(row["unit"] or "")
            yield {**row, "at": fmt_local(row["at"], zone),
                   "event": EVENT_LABEL.get(row["event"], row["event"]),
                   "unit": unit.name if unit else (row["unit"] or ""),
                   "channel": CHANNEL_LABEL.get(row["channel"] or "", row["channel"] or "")}

    _log_sheet(wb, log_rows(), LOG_FIELDS, "Nhật ký gửi")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return path


def write_report(ws: Workspace, ledger: Ledger, campaign_id: str, out: Path, *,
                 today: date | None = None) -> Path:
    """Write the report in the format named by ``out``'s suffix (.docx or .xlsx)."""
    suffix = Path(out).suffix.lower()
    if suffix not in (".docx", ".xlsx"):
        raise InputError.single(out, "Chỉ xuất được báo cáo dạng .docx hoặc .xlsx.",
                                fix="Đặt tên tệp kết thúc bằng .docx hoặc .xlsx.")
    data = build_report(ws, ledger, campaign_id, today=today)
    return write_docx(data, out) if suffix == ".docx" else write_xlsx(data, out)
