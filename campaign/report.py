"""The results report a guidance document asks for: "Báo cáo kết quả tuyên truyền".

Laid out like an administrative document (Nghị định 30/2020/NĐ-CP): issuing body, Quốc hiệu and
tiêu ngữ, số/ký hiệu, place and date, Kính gửi, trích yếu, nơi nhận and the signer. The numbers
come from :mod:`campaign.queries` so they match the dashboard; the assessment and proposals are
left for the author, because only a person can judge how the campaign went.

This module collects the facts (:func:`build_report`); :mod:`campaign.report_docx` and
:mod:`campaign.report_xlsx` lay them out.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from campaign import queries
from campaign.directory import Directory, Organisation
from campaign.errors import InputError
from campaign.labels import channel_label, channel_sort_key
from campaign.vncollate import vn_sort_key
from campaign.workspace import Workspace
from schedules.ledger import Ledger

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
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
    first: date | None
    last: date | None


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
    signer: Any = None
    """The organisation's ``signer`` from directory.yaml (authority, title, name) or None."""
    period_start: date | None = None
    period_end: date | None = None
    notes: list[str] = field(default_factory=list)
    wards: Any = None
    """What the wards did (:class:`campaign.ward_results.Overview`), the same numbers as the
    dashboard and ``campaign status --json``."""
    assessment: dict[str, str] = field(default_factory=dict)
    """The operator's own words: ``ket_qua``, ``han_che``, ``de_xuat`` (blank lines when
    missing, to fill in Word)."""
    unit_id: str | None = None
    """A ward's own report upwards (``--unit``): only its row and its activities."""


# ---------------------------------------------------------------------------- data
def _symbol(org: Organisation) -> str:
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


_TITLE_WORD = re.compile(r"\btuyên truyền\b", re.I)
_KEEP_CAPITAL = ("Nghị quyết", "Nghị định", "Chỉ thị", "Kết luận", "Quyết định", "Luật",
                 "Thông tư", "Hiến pháp", "Đại hội", "Ngày", "Tháng", "Tết", "Bộ luật")


def report_subject(title: str) -> str:
    """Trích yếu: "Kết quả tuyên truyền <title>" without saying "tuyên truyền" twice.

    A title that already says "tuyên truyền" ("Tuyên truyền Nghị quyết 57", "Đợt tuyên truyền
    …") only gets "Kết quả" in front. The first letter is lowered as in running text, except
    for names of documents and events and for acronyms, which keep their capital.
    """
    text = unicodedata.normalize("NFC", " ".join(title.split()))
    first = text.split(" ", 1)[0]
    keep = first.isupper() or any(text.startswith(k) for k in _KEEP_CAPITAL)
    body = text if keep else text[:1].lower() + text[1:]
    if _TITLE_WORD.search(unicodedata.normalize("NFC", text)):
        return f"Kết quả {body}"
    return f"Kết quả tuyên truyền {body}"


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
                 today: date | None = None, unit: str | None = None,
                 assessment: dict[str, str] | None = None) -> ReportData:
    """Collect the report's facts; InputError in Vietnamese when the campaign is unknown.

    ``unit``: the report a ward sends upwards, from the same data (only its own figures)."""
    from campaign.ward_results import overview

    record = queries.campaign_record(ledger, campaign_id)
    if record is None:
        raise InputError.single(campaign_id, f"Chưa có chiến dịch '{campaign_id}' trong sổ.",
                                fix="Xem các chiến dịch bằng lệnh: campaign status")
    directory = ws.directory
    if unit is not None and unit not in directory.units:
        raise InputError.single("--unit", f"Không có đơn vị '{unit}' trong directory.yaml.",
                                fix="Dùng mã đơn vị (id) trong mục units.")
    zone = record["timezone"] or directory.timezone
    today = today or datetime.now(ZoneInfo(zone)).date()
    definition = record["definition"] or {}
    org = directory.data.organisation
    summary = queries.delivery_summary(ledger, campaign_id)
    if unit is not None:  # a ward's own report: its figures only, per channel as per unit
        mine = summary["by_unit"].get(unit, {})
        summary = {"by_channel": mine, "by_unit": {unit: mine} if mine else {},
                   "unconfirmed_units": {k: v for k, v in summary["unconfirmed_units"].items()
                                         if k == unit}}

    def local_day(instant: datetime | None) -> date | None:
        return instant.astimezone(ZoneInfo(zone)).date() if instant else None

    channels = []
    for channel in sorted(summary["by_channel"], key=channel_sort_key):
        b = summary["by_channel"][channel]
        channels.append(ChannelLine(channel, channel_label(channel), b["planned"],
                                    b["sent"], b["played"], b["failed"] + b["unconfirmed"],
                                    b["expired"], local_day(b["first"]), local_day(b["last"])))
    units = []
    for unit_id, chans in summary["by_unit"].items():
        known = directory.units.get(unit_id)
        loud = chans.get("loudspeaker", {})
        units.append(UnitLine(unit_id, known.name if known else unit_id,
                              {c: chans[c]["sent"] for c in chans},
                              loud.get("played", 0), loud.get("sent", 0)))
    # The centre first, then wards and communes in Vietnamese alphabetical order.
    units.sort(key=lambda u: (not _is_centre(directory, u.unit_id), vn_sort_key(u.name)))
    names = {u.unit_id: u.name for u in units}
    unconfirmed = sorted(((names.get(u, u), n) for u, n in summary["unconfirmed_units"].items()),
                         key=lambda x: vn_sort_key(x[0]))
    sources = [_source_line(s) for s in definition.get("source", [])]
    symbol = _symbol(org)
    parent, issuer, report_to, signer = org.parent, org.name, \
        definition.get("report_to") or BLANK[:20], org.signer
    if unit is not None:
        known = directory.units[unit]
        issuer = f"Ủy ban nhân dân {known.name}" if known.kind in ("ward", "commune") \
            else known.name
        report_to, signer, symbol = org.name, None, "UBND"
    return ReportData(
        campaign_id=campaign_id, title=record["title"], parent=parent,
        organisation=issuer, number_symbol=f"Số: …/BC-{symbol}",
        place_date=vn_place_date(org.place, today),
        report_to=report_to,
        subject=report_subject(record["title"]),
        sources=sources,
        period=f"từ ngày {record['period_start']:%d/%m/%Y} đến ngày {record['period_end']:%d/%m/%Y}",
        channels=channels, units=units, unconfirmed=unconfirmed, timezone=zone,
        workspace=ws, ledger=ledger, today=today, signer=signer,
        period_start=record["period_start"], period_end=record["period_end"],
        wards=overview(ws, ledger, campaign_id, unit=unit, today=today),
        assessment=dict(assessment or {}), unit_id=unit)


def _is_centre(directory: Directory, unit_id: str) -> bool:
    unit = directory.units.get(unit_id)
    return bool(unit and unit.kind == "centre")


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
            bar_x = x0 + j * bar_w
            draw.rectangle((bar_x, bottom - h, bar_x + bar_w - 6, bottom), fill=series[j][1])
            draw.text((bar_x + 2, bottom - h - 22), str(value), fill="black", font=small)
        draw.text((x0, bottom + 12), line.label, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# ---------------------------------------------------------------------------- writers
def write_docx(data: ReportData, path: Path) -> Path:
    """The report as a Word document (see :mod:`campaign.report_docx`)."""
    from campaign.report_docx import write_docx as write

    return write(data, path)


def write_xlsx(data: ReportData, path: Path) -> Path:
    """The report as a workbook (see :mod:`campaign.report_xlsx`)."""
    from campaign.report_xlsx import write_xlsx as write

    return write(data, path)


def write_log_xlsx(path: Path, rows: Iterable[dict[str, Any]],
                   fields: Sequence[tuple[str, str]] = LOG_FIELDS, *,
                   title: str = "Nhật ký gửi") -> Path:
    """A workbook with one sheet of log rows (see :mod:`campaign.report_xlsx`)."""
    from campaign.report_xlsx import write_log_xlsx as write

    return write(path, rows, fields, title=title)


ASSESSMENT_KEYS = {"ket_qua": "Kết quả", "han_che": "Hạn chế", "de_xuat": "Đề xuất"}


def read_assessment(path: Path) -> dict[str, str]:
    """The operator's assessment from a YAML file (``ket_qua``, ``han_che``, ``de_xuat``: text
    or a list of points); InputError naming the file when it is not that shape."""
    from campaign import yamlsrc

    source = yamlsrc.load(Path(path))
    data = source.data
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError.single(path, "Tệp đánh giá phải có các mục ket_qua, han_che, de_xuat.",
                                line=1, fix="Ví dụ:\nket_qua: |\n  Các phường đã …")
    out: dict[str, str] = {}
    for key, value in data.items():
        if key not in ASSESSMENT_KEYS:
            raise InputError.single(path, f"Mục '{key}' không dùng được.",
                                    line=source.line_of([key]),
                                    fix="Chỉ dùng ket_qua, han_che, de_xuat.")
        if isinstance(value, list):
            value = "\n".join(f"- {v}" for v in value)
        if not isinstance(value, str | int | float) and value is not None:
            raise InputError.single(path, f"Mục '{key}' phải là đoạn văn hoặc danh sách ý.",
                                    line=source.line_of([key]))
        out[key] = str(value or "").strip()
    return out


def write_report(ws: Workspace, ledger: Ledger, campaign_id: str, out: Path, *,
                 today: date | None = None, unit: str | None = None,
                 assessment: dict[str, str] | None = None) -> Path:
    """Write the report in the format named by ``out``'s suffix (.docx or .xlsx)."""
    suffix = Path(out).suffix.lower()
    if suffix not in (".docx", ".xlsx"):
        raise InputError.single(out, "Chỉ xuất được báo cáo dạng .docx hoặc .xlsx.",
                                fix="Đặt tên tệp kết thúc bằng .docx hoặc .xlsx.")
    data = build_report(ws, ledger, campaign_id, today=today, unit=unit, assessment=assessment)
    return write_docx(data, out) if suffix == ".docx" else write_xlsx(data, out)
