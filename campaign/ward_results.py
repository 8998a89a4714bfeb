"""What the wards did for a campaign, in one shape for the dashboard, ``campaign status`` and
the results report (so the three agree on every number).

Per unit: digital deliveries, loudspeaker broadcasts sent and confirmed (with airtime), LED
board hours, and the activities its staff reported (:data:`schedules.models.ACTIVITY_KINDS`).
The units expected to report are the campaign's targets except the centre; the ones among
them with no current report are "missing". Evidence photos are kept content-addressed under
``var/evidence`` (backed up with ``var/``, never pruned by retention).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from assets.store import MediaStore
from campaign import queries
from campaign.errors import InputError
from campaign.vncollate import vn_sort_key
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from schedules.models import ACTIVITY_KINDS, utcnow

__all__ = ["KIND_ORDER", "MAX_PHOTO_BYTES", "Overview", "UnitResult", "evidence_store",
           "EDIT_WINDOW", "correctable", "expected_units", "first_made", "kind_label", "overview", "photo_path", "results_table", "store_photo",
           "thumbnail"]

KIND_ORDER = list(ACTIVITY_KINDS)
DIGITAL_EXCLUDED = ("loudspeaker", "led")
"""Channels that are not "digital deliveries" (they have their own columns)."""
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


def kind_label(kind: str) -> str:
    return ACTIVITY_KINDS.get(kind, (kind, "", ""))[0]


@dataclass
class UnitResult:
    """One row of the unit × activity table."""

    unit_id: str
    name: str
    expected: bool
    digital: int = 0
    broadcasts_sent: int = 0
    broadcasts_played: int = 0
    airtime_minutes: float = 0.0
    led_sent: int = 0
    led_hours: float = 0.0
    activities: dict[str, list[int]] = field(default_factory=dict)
    """kind → [times, participants] summed over the unit's current reports."""
    entries: int = 0
    photos: list[str] = field(default_factory=list)

    @property
    def reported(self) -> bool:
        return self.entries > 0

    @property
    def missing(self) -> bool:
        return self.expected and not self.reported

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "expected": self.expected, "reported": self.reported,
                "digital": self.digital, "broadcasts_sent": self.broadcasts_sent,
                "broadcasts_played": self.broadcasts_played,
                "airtime_minutes": round(self.airtime_minutes, 1), "led_sent": self.led_sent,
                "led_hours": round(self.led_hours, 1), "entries": self.entries,
                "photos": len(self.photos),
                "activities": {k: {"times": v[0], "participants": v[1]}
                               for k, v in self.activities.items()}}


@dataclass
class Overview:
    campaign_id: str
    title: str
    report_due: date | None
    days_left: int | None
    units: list[UnitResult]
    reports: list[queries.WardReportRow]
    digital_by_channel: dict[str, int]

    @property
    def missing(self) -> list[UnitResult]:
        return [u for u in self.units if u.missing]

    @property
    def expected(self) -> list[UnitResult]:
        return [u for u in self.units if u.expected]

    def totals(self) -> dict[str, list[int]]:
        """kind → [times, participants, units that reported it], in table order."""
        out: dict[str, list[int]] = {}
        for kind in KIND_ORDER:
            rows = [u.activities[kind] for u in self.units if kind in u.activities]
            if rows:
                out[kind] = [sum(r[0] for r in rows), sum(r[1] for r in rows), len(rows)]
        return out

    def sums(self) -> dict[str, float]:
        keys = ("digital", "broadcasts_sent", "broadcasts_played", "airtime_minutes",
                "led_sent", "led_hours")
        return {k: sum(getattr(u, k) for u in self.units) for k in keys}

    def as_json(self) -> dict[str, Any]:
        """``campaign status --json`` → ``campaigns.ID.wards``."""
        sums = self.sums()
        return {
            "report_due": self.report_due.isoformat() if self.report_due else None,
            "days_left": self.days_left,
            "expected": [u.unit_id for u in self.expected],
            "reported": [u.unit_id for u in self.units if u.reported],
            "missing": [u.unit_id for u in self.missing],
            "entries": len(self.reports),
            "activities": {k: {"times": t, "participants": p, "units": n}
                           for k, (t, p, n) in self.totals().items()},
            "digital_by_channel": self.digital_by_channel,
            "broadcasts_sent": int(sums["broadcasts_sent"]),
            "broadcasts_played": int(sums["broadcasts_played"]),
            "airtime_minutes": round(sums["airtime_minutes"], 1),
            "led_hours": round(sums["led_hours"], 1),
            "units": {u.unit_id: u.as_json() for u in self.units},
        }


def expected_units(ws: Workspace, targets: list[str]) -> list[str]:
    """The units that owe a report: the campaign's targets except the centre."""
    directory = ws.directory
    return [u for u in directory.resolve_targets(targets)
            if directory.units[u].kind != "centre"]


def overview(ws: Workspace, ledger: Ledger, campaign_id: str, *, unit: str | None = None,
             today: date | None = None) -> Overview:
    """The unit × activity table of a campaign (only ``unit``'s row when given)."""
    record = queries.campaign_record(ledger, campaign_id)
    if record is None:
        raise InputError.single(campaign_id, f"Chưa có chiến dịch '{campaign_id}' trong sổ.",
                                fix="Xem các chiến dịch bằng lệnh: campaign status")
    directory = ws.directory
    zone = ZoneInfo(record["timezone"] or directory.timezone)
    today = today or utcnow().astimezone(zone).date()
    expected = set(expected_units(ws, list((record["definition"] or {}).get("targets") or [])))
    summary = queries.delivery_summary(ledger, campaign_id)
    measures = queries.broadcast_measures(ledger, campaign_id)
    reports = queries.ward_reports(ledger, campaign_id, unit=unit)
    rows: dict[str, UnitResult] = {}

    def row(unit_id: str) -> UnitResult:
        if unit_id not in rows:
            known = directory.units.get(unit_id)
            rows[unit_id] = UnitResult(unit_id, known.name if known else unit_id,
                                       unit_id in expected)
        return rows[unit_id]

    for unit_id in sorted(expected):
        row(unit_id)
    digital_by_channel: dict[str, int] = {}
    for unit_id, chans in summary["by_unit"].items():
        if unit is not None and unit_id != unit:
            continue
        r = row(unit_id)
        for channel, b in chans.items():
            if channel == "loudspeaker":
                r.broadcasts_sent += b["sent"]
                r.broadcasts_played += b["played"]
            elif channel == "led":
                r.led_sent += b["sent"]
            else:
                r.digital += b["sent"]
                digital_by_channel[channel] = digital_by_channel.get(channel, 0) + b["sent"]
        m = measures.get(unit_id, {})
        r.airtime_minutes = m.get("airtime_seconds", 0.0) / 60
        r.led_hours = m.get("led_hours", 0.0)
    for report in reports:
        r = row(report.unit_id)
        r.entries += 1
        cell = r.activities.setdefault(report.kind, [0, 0])
        cell[0] += report.times
        cell[1] += report.participants or 0
        r.photos.extend(p for p in report.photos if p not in r.photos)
    units = [r for r in rows.values() if unit is None or r.unit_id == unit]
    units.sort(key=lambda r: (directory.units[r.unit_id].kind != "centre"
                              if r.unit_id in directory.units else True, vn_sort_key(r.name)))
    due = record["report_due"]
    return Overview(campaign_id, record["title"], due, (due - today).days if due else None,
                    units, reports, digital_by_channel)


def results_table(view: Overview) -> tuple[list[str], list[list[Any]]]:
    """The unit × activity table as plain cells (the page, CSV and XLSX share it)."""
    kinds = [k for k in KIND_ORDER if any(k in u.activities for u in view.units)]
    head = ["Đơn vị", "Tin bài số đã đăng", "Buổi loa đã gửi", "Buổi loa xác nhận phát",
            "Phút phát loa", "Giờ bảng LED",
            *[kind_label(k) for k in kinds], "Số báo cáo", "Ảnh", "Tình trạng"]
    rows = []
    for u in view.units:
        state = "Chưa báo cáo" if u.missing else ("Đã báo cáo" if u.reported else "")
        rows.append([u.name, u.digital, u.broadcasts_sent, u.broadcasts_played,
                     round(u.airtime_minutes, 1), round(u.led_hours, 1),
                     *[u.activities.get(k, [0, 0])[0] for k in kinds], u.entries,
                     len(u.photos), state])
    return head, rows


# --------------------------------------------------------------------------- evidence photos
def evidence_store(ws: Workspace) -> MediaStore:
    return MediaStore(ws.var_dir / "evidence")


def store_photo(ws: Workspace, data: bytes) -> str:
    """Keep an evidence photo (JPEG, PNG or WebP, checked by decoding it) and return its key.

    InputError in Vietnamese when the bytes are not a picture or are too big."""
    from PIL import Image, UnidentifiedImageError

    from assets.store import digest

    if len(data) > MAX_PHOTO_BYTES:
        raise InputError.single("ảnh", f"Ảnh lớn quá {MAX_PHOTO_BYTES // 1024 // 1024} MB.",
                                fix="Gửi ảnh nhỏ hơn (chụp ở chế độ thường).")
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format or ""
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InputError.single("ảnh", "Tệp gửi lên không phải là ảnh.",
                                fix="Gửi ảnh dạng JPEG hoặc PNG.") from None
    if fmt not in PHOTO_FORMATS:
        raise InputError.single("ảnh", f"Chưa nhận ảnh dạng {fmt or 'này'}.",
                                fix="Gửi ảnh dạng JPEG hoặc PNG.")
    key = digest(data)
    evidence_store(ws).get_or_create(key, PHOTO_FORMATS[fmt], lambda p: p.write_bytes(data))
    return key


def photo_path(ws: Workspace, key: str) -> Path | None:
    """The stored file of a photo key (None when unknown or the key is not a hex digest)."""
    if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
        return None
    store = evidence_store(ws)
    for suffix in PHOTO_FORMATS.values():
        path = store.path_for(key, suffix)
        if path.is_file():
            return path
    return None


def thumbnail(ws: Workspace, key: str, size: int = 320) -> bytes | None:
    """A JPEG no larger than ``size`` pixels a side (cached beside the originals)."""
    from PIL import Image, ImageOps

    source = photo_path(ws, key)
    if source is None:
        return None

    def make(path: Path) -> None:
        with Image.open(source) as image:
            small = ImageOps.exif_transpose(image).convert("RGB")
            small.thumbnail((size, size))
            small.save(path, "JPEG", quality=82)

    return MediaStore(ws.var_dir / "evidence-thumbs").get_or_create(
        f"{key}-{size}", ".jpg", make).read_bytes()


# --------------------------------------------------------------------------- corrections
EDIT_WINDOW = timedelta(hours=24)
"""A report may be corrected (a new entry) for this long after it was first made."""


def first_made(ledger: Ledger, report: queries.WardReportRow) -> datetime:
    """When the first entry of a correction chain was made (the edit window runs from it, so
    correcting a correction does not extend the window)."""
    at, previous = report.created_at, report.corrects
    for _ in range(100):
        if previous is None:
            break
        row = queries.ward_report(ledger, previous)
        if row is None:
            break
        at, previous = row.created_at, row.corrects
    return at


def correctable(ledger: Ledger, report: queries.WardReportRow, now: datetime) -> str | None:
    """Why ``report`` cannot be corrected now (Vietnamese), or None when it can."""
    if report.corrected_by is not None:
        return f"Báo cáo #{report.id} đã được sửa thành #{report.corrected_by}."
    if now - first_made(ledger, report) > EDIT_WINDOW:
        return (f"Báo cáo #{report.id} đã quá 24 giờ, không sửa được nữa. Hãy gửi báo cáo "
                "mới hoặc liên hệ Trung tâm.")
    return None


REPORT_GRACE = timedelta(days=60)
"""Wards may still report (late) this long after the report deadline or the period's end."""


def campaigns_for_unit(ws: Workspace, ledger: Ledger, unit: str,
                       today: date) -> list[dict[str, Any]]:
    """Campaigns ``unit`` owes a report for and may report on now: it is among the targets,
    the period has begun, and the deadline (or the period's end) is less than 60 days past."""
    out = []
    for camp in queries.reportable_campaigns(ledger):
        if unit not in expected_units(ws, camp["targets"]):
            continue
        end = camp["report_due"] or camp["period_end"]
        if camp["period_start"] <= today <= end + REPORT_GRACE:
            out.append(camp)
    return out
