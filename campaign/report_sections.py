"""The parts of the results report that answer the guidance form by form: figures per form of
propaganda, the wards' activities per unit, the units that did not report, the operator's
assessment, and a photo appendix.

The sentences are built once (:func:`form_paragraphs`) and laid out by
:mod:`campaign.report_docx` and :mod:`campaign.report_xlsx`; every figure comes from
``data.wards`` (:func:`campaign.ward_results.overview`), the numbers the dashboard and
``campaign status --json`` show.
"""

from __future__ import annotations

import io
from typing import Any

from campaign.labels import channel_label
from campaign.report import BLANK, ReportData
from campaign.ward_results import KIND_ORDER, Overview, kind_label, thumbnail
from schedules.models import ACTIVITY_KINDS

__all__ = ["APPENDIX_PHOTOS", "activity_table", "assessment_text", "form_paragraphs",
           "missing_units", "photo_selection"]

APPENDIX_PHOTOS = 12
"""At most this many photos in the appendix (a selection: at most 3 per unit, units in turn)."""
PER_UNIT_PHOTOS = 3
PHOTO_PIXELS = 1200
"""Long side of an appendix photo: sharp at 7.5 cm wide (400 dpi), small in the file."""
REACH_NOTE = ("Số lượt tiếp cận: các nền tảng chưa trả số liệu này qua kết nối hiện có; xem "
              "trên trang quản trị của từng nền tảng nếu cần.")


def _n(value: float) -> str:
    """Vietnamese number: thousands with ".", one decimal with ","."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def _kind(view: Overview, kind: str) -> tuple[int, int, int]:
    times, people, units = view.totals().get(kind, [0, 0, 0])
    return times, people, units


def _kind_line(view: Overview, kind: str) -> str:
    label, count_word, people_word = ACTIVITY_KINDS[kind]
    times, people, units = _kind(view, kind)
    if not times:
        return f"{label}: chưa có đơn vị báo cáo."
    line = f"{label}: {_n(times)} {count_word}"
    if people_word and people:
        line += f", {_n(people)} {people_word}"
    return f"{line} ({units} đơn vị báo cáo)."


def form_paragraphs(data: ReportData) -> list[tuple[str, list[str]]]:
    """(heading, sentences) per form of propaganda, in the order the guidance names them."""
    view: Overview = data.wards
    sums = view.sums()
    out: list[tuple[str, list[str]]] = []
    loud = [f"Đã gửi {_n(sums['broadcasts_sent'])} buổi phát tới các đài; "
            f"{_n(sums['broadcasts_played'])} buổi được cán bộ xác nhận đã phát, thời lượng "
            f"khoảng {_n(round(sums['airtime_minutes'], 1))} phút."]
    if _kind(view, "loa_them")[0]:
        loud.append(_kind_line(view, "loa_them"))
    out.append(("a) Hệ thống truyền thanh cơ sở", loud))
    digital = [f"{channel_label(c)}: {_n(n)} tin, bài đã đăng."
               for c, n in view.digital_by_channel.items()]
    out.append(("b) Mạng xã hội, trang thông tin điện tử",
                [*(digital or ["Không có tin, bài đăng trong chiến dịch."]), REACH_NOTE]))
    out.append(("c) Bảng điện tử LED",
                [f"{_n(sums['led_sent'])} lượt trình chiếu khẩu hiệu, tổng khoảng "
                 f"{_n(round(sums['led_hours'], 1))} giờ hiển thị."]))
    out.append(("d) Băng rôn, pano, áp phích và tờ rơi",
                [_kind_line(view, "bang_ron"), _kind_line(view, "to_roi")]))
    out.append(("đ) Hội nghị, sinh hoạt chi bộ, báo cáo viên",
                [_kind_line(view, k) for k in ("hoi_nghi", "chi_bo", "bao_cao_vien")]))
    out.append(("e) Thông tin lưu động và hoạt động khác",
                [_kind_line(view, "luu_dong"), _kind_line(view, "khac")]))
    return out


def activity_table(view: Overview) -> tuple[list[str], list[list[Any]]]:
    """Units × reported activities (quantity, and people where it applies)."""
    kinds = [k for k in KIND_ORDER if any(k in u.activities for u in view.units)]
    head = ["Đơn vị", *[kind_label(k) for k in kinds], "Số người tham dự", "Ảnh"]
    rows = []
    for u in view.units:
        if not u.expected and not u.reported:
            continue
        people = sum(v[1] for v in u.activities.values())
        rows.append([u.name, *[_n(u.activities.get(k, [0, 0])[0]) for k in kinds],
                     _n(people), len(u.photos)])
    return head, rows


def missing_units(view: Overview) -> list[str]:
    return [u.name for u in view.missing]


def assessment_text(data: ReportData, key: str) -> list[str]:
    """The operator's paragraphs for ``key``, or a blank line to fill in Word."""
    text = (data.assessment or {}).get(key, "").strip()
    return [line.strip() for line in text.splitlines() if line.strip()] or [BLANK]


def photo_selection(view: Overview) -> list[tuple[str, str, str]]:
    """(photo key, caption) chosen for the appendix: units in table order take turns, at most
    3 each, at most 12 in all; each photo once."""
    names = {u.unit_id: u.name for u in view.units}
    per_unit: dict[str, list[tuple[str, str, str]]] = {}
    seen: set[str] = set()
    for report in view.reports:
        for key in report.photos:
            if key in seen:
                continue
            seen.add(key)
            caption = (f"{names.get(report.unit_id, report.unit_id)} — "
                       f"{kind_label(report.kind)}, ngày {report.day:%d/%m/%Y}")
            per_unit.setdefault(report.unit_id, []).append((key, caption, report.unit_id))
    queues = [per_unit[u.unit_id][:PER_UNIT_PHOTOS] for u in view.units if u.unit_id in per_unit]
    out: list[tuple[str, str, str]] = []
    while any(queues) and len(out) < APPENDIX_PHOTOS:
        for queue in queues:
            if queue and len(out) < APPENDIX_PHOTOS:
                out.append(queue.pop(0))
    return out


def photo_bytes(data: ReportData, key: str) -> io.BytesIO | None:
    """The photo re-encoded for print (JPEG, long side 1200 px), or None when missing."""
    small = thumbnail(data.workspace, key, PHOTO_PIXELS)
    return io.BytesIO(small) if small else None
