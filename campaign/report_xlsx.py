"""The results report as a workbook: summary with a native chart, units, unconfirmed units and
the full delivery log.

Dates and instants are real spreadsheet dates (local time, shown ``dd/mm/yyyy`` and
``dd/mm/yyyy hh:mm``), so people can sort and filter them; a log row's detail is a readable
Vietnamese line (:func:`campaign.labels.detail_text`), not raw JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from campaign import queries
from campaign.labels import channel_label, detail_text
from campaign.report import LOG_FIELDS, QUOC_HIEU, TIEU_NGU, ReportData
from schedules.calendar import fmt_local
from schedules.models import EVENT_LABEL

DATE_FORMAT = "dd/mm/yyyy"
INSTANT_FORMAT = "dd/mm/yyyy hh:mm"
LOG_WIDTHS = (17, 16, 18, 8, 22, 16, 20, 14, 18, 80)


def write_log_xlsx(path: Path, rows: Iterable[dict[str, Any]],
                   fields: Sequence[tuple[str, str]] = LOG_FIELDS, *,
                   title: str = "Nhật ký gửi") -> Path:
    """A workbook with one sheet of log rows, streamed in write-only mode so a million rows do
    not sit in memory."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    _log_sheet(wb, rows, fields, title)
    wb.save(str(path))
    return Path(path)


def _log_sheet(wb: Any, rows: Iterable[dict[str, Any]], fields: Sequence[tuple[str, str]],
               title: str) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = wb.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for i, width in enumerate(LOG_WIDTHS[:len(fields)], start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    head = []
    for _, label in fields:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = Font(bold=True)
        head.append(cell)
    sheet.append(head)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        cells = []
        for key, _ in fields:
            value = _xl(row.get(key))
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, datetime):
                cell.number_format = INSTANT_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            if key == "detail":
                cell.alignment = wrap
            cells.append(cell)
        sheet.append(cells)


def _xl(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.isoformat(" ", "minutes")  # spreadsheets have no time zones
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

    written = [0]  # rows appended so far: the chart refers to the table by row number

    def line(*values: Any, bold: bool = False, italic: bool = False) -> None:
        written[0] += 1
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            cell.font = Font(bold=bold, italic=italic)
            cell.alignment = Alignment(wrap_text=False)
            if isinstance(value, date):
                cell.number_format = DATE_FORMAT
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
    line("Thời gian từ ngày", data.period_start)
    line("đến ngày", data.period_end)
    line("Ngày báo cáo", data.today)
    line()
    line("I. KẾT QUẢ THEO KÊNH", bold=True)
    head_row = written[0] + 1  # the row of the table header below
    line("Kênh", "Kế hoạch", "Đã gửi", "Xác nhận phát", "Lỗi/chưa rõ", "Quá hạn", "Từ ngày",
         "Đến ngày", bold=True)
    for c in data.channels:
        line(c.label, c.planned, c.sent, c.confirmed, c.failed, c.expired, c.first or "",
             c.last or "")
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
    from campaign import report_sections as sections

    line("THEO HÌNH THỨC TUYÊN TRUYỀN", bold=True)
    for heading, texts in sections.form_paragraphs(data):
        line(heading, italic=True)
        for text in texts:
            line(f"- {text}")
    if data.unit_id is None:
        missing = sections.missing_units(data.wards)
        line("Đơn vị chưa gửi báo cáo", bold=True)
        line("; ".join(missing) if missing else "Tất cả các đơn vị đã gửi báo cáo.")
    line()
    line("II. ĐÁNH GIÁ", bold=True)
    for key, title in (("ket_qua", "1. Kết quả đạt được"), ("han_che", "2. Hạn chế, khó khăn")):
        line(title, italic=True)
        for text in sections.assessment_text(data, key):
            line(text)
    line("III. ĐỀ XUẤT, KIẾN NGHỊ", bold=True)
    for text in sections.assessment_text(data, "de_xuat"):
        line(text)

    units = wb.create_sheet("Theo đơn vị")
    units.column_dimensions["A"].width = 30
    chans = [c.channel for c in data.channels]
    units.append(["Đơn vị", *[channel_label(c) for c in chans], "Loa: đã phát",
                  "Loa: đã gửi"])
    for u in data.units:
        units.append([u.name, *[u.sent.get(c, 0) for c in chans], u.played, u.loudspeaker_due])
    from campaign.ward_results import results_table

    wards = wb.create_sheet("Phường xã báo cáo")
    wards.column_dimensions["A"].width = 30
    head, rows = results_table(data.wards)
    wards.append(head)
    for row in rows:
        wards.append([_xl(v) for v in row])
    entries = wb.create_sheet("Các báo cáo hoạt động")
    entries.append(["#", "Đơn vị", "Hoạt động", "Ngày", "Số lượng", "Số người", "Ghi chú",
                    "Ảnh", "Người báo cáo", "Qua", "Sửa báo cáo #"])
    names = {u.unit_id: u.name for u in data.wards.units}
    from campaign.ward_results import kind_label

    for r in data.wards.reports:
        entries.append([r.id, names.get(r.unit_id, r.unit_id), kind_label(r.kind), r.day,
                        r.times, r.participants, _xl(r.note), len(r.photos), _xl(r.reporter),
                        r.via, r.corrects])
    missing = wb.create_sheet("Chưa xác nhận phát")
    missing.column_dimensions["A"].width = 30
    missing.append(["Đơn vị", "Số buổi đã gửi nhưng chưa xác nhận phát"])
    for name, count in data.unconfirmed:
        missing.append([name, count])

    directory = data.workspace.directory
    zone = ZoneInfo(data.timezone)

    def local(instant: datetime | str) -> str:
        when = datetime.fromisoformat(instant) if isinstance(instant, str) else instant
        return fmt_local(when, data.timezone)

    def log_rows() -> Iterable[dict[str, Any]]:
        flt = queries.LogFilter(campaign=data.campaign_id, limit=None)
        for row in queries.iter_log(data.ledger, flt, oldest_first=True):
            unit = directory.units.get(row["unit"] or "")
            yield {**row, "at": row["at"].astimezone(zone).replace(tzinfo=None),
                   "event": EVENT_LABEL.get(row["event"], row["event"]),
                   "unit": unit.name if unit else (row["unit"] or ""),
                   "channel": channel_label(row["channel"]),
                   "detail": detail_text(row["detail"], local)}

    _log_sheet(wb, log_rows(), LOG_FIELDS, "Nhật ký gửi")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return path
