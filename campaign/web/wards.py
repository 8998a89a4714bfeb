"""What the wards did: their own report form (the ``ward`` role) and the managers' results
page, gallery and exports.

A ``ward`` account is bound to one unit (``campaign user add NAME --role ward --unit ID``) and
every route here checks it on the server: a ward sees only campaigns that target its unit,
only its own reports and photos, and can only report or correct for its unit — whatever the
form or the address says. Managers (``read``) see every unit; nobody else sees anything here.
Ward accounts have no ``read`` permission, so every other page of the dashboard refuses them.
"""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from campaign import queries, ward_results
from campaign.errors import InputError
from campaign.web.dashboard import Dashboard
from campaign.web.exports import spreadsheet_cell
from campaign.web.security import checked_form, current_user, require
from campaign.web.users import User
from schedules.models import ACTIVITY_KINDS
from schedules.operations import OperationError, WardReportEntry, record_ward_report

MAX_UPLOADS = 10


def ward_of(request: Request) -> User:
    """The signed-in ward account (403 for every other role)."""
    user = current_user(request)
    if user.role != "ward" or not user.unit:
        raise HTTPException(403, "Chỉ tài khoản phường/xã mới gửi báo cáo kết quả ở đây.")
    return user


class Wards:
    """Routes for ward reports (form, photos) and the managers' results page and exports."""

    def __init__(self, dash: Dashboard) -> None:
        self.dash = dash

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/phuong", self.home),
            Route("/phuong/anh/{key}", self.photo),
            Route("/phuong/{cid}", self.form, methods=["GET"]),
            Route("/phuong/{cid}", self.submit, methods=["POST"]),
            Route("/campaigns/{cid}/ket-qua", self.results),
            Route("/campaigns/{cid}/ket-qua.{fmt:str}", self.export),
        ]

    # ------------------------------------------------------------------ helpers
    def _ward_campaign(self, user: User, cid: str) -> dict[str, Any]:
        """The campaign if it targets the ward's unit (404 otherwise: no hint it exists)."""
        record = queries.campaign_record(self.dash.ledger, cid)
        targets = list((record or {}).get("definition", {}).get("targets") or [])
        if record is None or user.unit not in ward_results.expected_units(self.dash.ws, targets):
            raise HTTPException(404, f"Không có chiến dịch '{cid}' cho đơn vị của bạn.")
        return record

    # ------------------------------------------------------------------ pages
    def home(self, request: Request) -> Response:
        user = current_user(request)
        dash = self.dash
        if user.role != "ward":
            require(request, "read")
            return dash.render(request, "ward_home.html", campaigns=dash.campaign_ids(),
                               ward=None)
        ward_of(request)
        camps = ward_results.campaigns_for_unit(dash.ws, dash.ledger, user.unit or "",
                                                dash.today())
        return dash.render(request, "ward_home.html", ward=dash.unit_name(user.unit),
                           campaigns=[(c["id"], c["title"]) for c in camps], today=dash.today())

    def form(self, request: Request) -> Response:
        user = ward_of(request)
        return self._form(request, user, request.path_params["cid"])

    def _form(self, request: Request, user: User, cid: str, *, error: str | None = None,
              status: int = 200, values: dict[str, Any] | None = None) -> Response:
        dash = self.dash
        record = self._ward_campaign(user, cid)
        history = queries.ward_reports(dash.ledger, cid, unit=user.unit, current_only=False)
        now = dash.clock()
        editable = {r.id for r in history
                    if ward_results.correctable(dash.ledger, r, now) is None}
        values = dict(values or {})
        fix = request.query_params.get("sua")
        if fix and fix.isdigit() and not values:
            old = next((r for r in history if r.id == int(fix) and r.id in editable), None)
            if old is None:
                raise HTTPException(404, "Không sửa được báo cáo này (không phải của đơn vị "
                                         "bạn, đã được sửa hoặc đã quá 24 giờ).")
            values = {"kind": old.kind, "day": old.day.isoformat(), "times": old.times,
                      "participants": old.participants if old.participants is not None else "",
                      "note": old.note, "corrects": old.id}
        values.setdefault("day", dash.today().isoformat())
        return dash.render(request, "ward_form.html", status=status, c=record,
                           ward=dash.unit_name(user.unit), kinds=ACTIVITY_KINDS,
                           history=history, editable=editable, values=values, error=error,
                           due_left=(record["report_due"] - dash.today()).days
                           if record["report_due"] else None)

    async def submit(self, request: Request) -> Response:
        user = ward_of(request)
        form = await checked_form(request)
        uploads = []
        for item in form.getlist("photos"):
            if isinstance(item, UploadFile) and item.filename:
                uploads.append(await item.read(ward_results.MAX_PHOTO_BYTES + 1))
        return await run_in_threadpool(self._submit, request, user, form, uploads)

    def _submit(self, request: Request, user: User, form: FormData,
                uploads: list[bytes]) -> Response:
        dash = self.dash
        cid = request.path_params["cid"]
        self._ward_campaign(user, cid)
        values = {k: str(form.get(k, "")).strip() for k in
                  ("kind", "day", "times", "participants", "note", "corrects")}
        try:
            entry = self._entry(user, cid, values, uploads)
            report_id = record_ward_report(dash.ledger, entry, now=dash.clock())
        except (InputError, OperationError) as exc:
            message = exc.message if isinstance(exc, OperationError) else \
                "; ".join(p.message + (f" {p.fix}" if p.fix else "") for p in exc.problems)
            return self._form(request, user, cid, error=message, status=400, values=values)
        done = f"Đã lưu báo cáo #{report_id}." if entry.corrects is None else \
            f"Đã lưu báo cáo #{report_id} (sửa #{entry.corrects})."
        return dash.back(request, f"/phuong/{cid}", done)

    def _entry(self, user: User, cid: str, values: dict[str, str],
               uploads: list[bytes]) -> WardReportEntry:
        """The form as an entry; InputError (Vietnamese) for anything a person typed wrong."""
        dash = self.dash
        if values["kind"] not in ACTIVITY_KINDS:
            raise InputError.single("kind", "Chọn một loại hoạt động.")
        try:
            day = date.fromisoformat(values["day"])
        except ValueError:
            raise InputError.single("day", "Ngày không hợp lệ.") from None
        if day > dash.today():
            raise InputError.single("day", "Ngày hoạt động ở tương lai.")

        def number(name: str, label: str, *, optional: bool) -> int | None:
            text = values[name].replace(".", "").replace(",", "")
            if optional and not text:
                return None
            if not text.isdigit() or len(text) > 7:
                raise InputError.single(name, f"{label} phải là một số (ví dụ 3).")
            return int(text)

        times = number("times", "Số lượng", optional=False)
        participants = number("participants", "Số người", optional=True)
        corrects = int(values["corrects"]) if values["corrects"].isdigit() else None
        photos: list[str] = []
        if corrects is not None:
            old = queries.ward_report(dash.ledger, corrects)
            if old is None or old.unit_id != user.unit or old.campaign_id != cid:
                raise InputError.single("corrects", "Báo cáo cần sửa không thuộc đơn vị của bạn.")
            why = ward_results.correctable(dash.ledger, old, dash.clock())
            if why:
                raise InputError.single("corrects", why)
            photos = list(old.photos)
        if len(uploads) > MAX_UPLOADS:
            raise InputError.single("photos", f"Tối đa {MAX_UPLOADS} ảnh một lần.")
        for data in uploads:
            key = ward_results.store_photo(dash.ws, data)
            if key not in photos:
                photos.append(key)
        assert times is not None
        return WardReportEntry(
            campaign_id=cid, unit_id=user.unit or "", kind=values["kind"], day=day, times=times,
            participants=participants, note=values["note"][:500], photos=tuple(photos),
            reporter=user.display, via="web", web_user=user.name, corrects=corrects)

    def photo(self, request: Request) -> Response:
        """An evidence photo (``?nho=1``: a thumbnail); a ward only gets its own unit's."""
        user = current_user(request)
        dash = self.dash
        key = request.path_params["key"]
        if user.role == "ward":
            ward_of(request)
            mine = {p for r in queries.ward_reports(dash.ledger, unit=user.unit,
                                                    current_only=False) for p in r.photos}
            if key not in mine:
                raise HTTPException(404, "Không có ảnh này.")
        else:
            require(request, "read")
        if request.query_params.get("nho"):
            data = ward_results.thumbnail(dash.ws, key)
            if data is None:
                raise HTTPException(404, "Không có ảnh này.")
            return Response(data, media_type="image/jpeg",
                            headers={"Cache-Control": "private, max-age=86400"})
        path = ward_results.photo_path(dash.ws, key)
        if path is None:
            raise HTTPException(404, "Không có ảnh này.")
        types = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
        return FileResponse(path, media_type=types[path.suffix])

    # ------------------------------------------------------------------ managers
    def results(self, request: Request) -> Response:
        require(request, "read")
        dash = self.dash
        cid = request.path_params["cid"]
        entry = dash.campaign_entry(cid, progress=False)
        view = ward_results.overview(dash.ws, dash.ledger, cid, today=dash.today())
        head, rows = ward_results.results_table(view)
        gallery = [(r, p) for r in reversed(view.reports) for p in r.photos][:60]
        return dash.render(request, "ward_results.html", c=entry, view=view, head=head,
                           rows=rows, totals=view.totals(), gallery=gallery,
                           kind_label=ward_results.kind_label)

    def export(self, request: Request) -> Response:
        require(request, "read")
        dash = self.dash
        cid = request.path_params["cid"]
        fmt = request.path_params["fmt"]
        if fmt not in ("csv", "xlsx"):
            raise HTTPException(404, "Chỉ xuất được dạng csv hoặc xlsx.")
        dash.campaign_entry(cid, progress=False)
        view = ward_results.overview(dash.ws, dash.ledger, cid, today=dash.today())
        head, rows = ward_results.results_table(view)
        name = f"ket-qua-phuong-{cid}.{fmt}"
        if fmt == "csv":
            buf = io.StringIO()
            buf.write("\ufeff")
            writer = csv.writer(buf)
            writer.writerow(head)
            writer.writerows([[spreadsheet_cell(v) for v in row] for row in rows])
            return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        from openpyxl import Workbook
        from openpyxl.styles import Font, PatternFill

        wb = Workbook()
        sheet = wb.worksheets[0]  # the one sheet a new workbook starts with
        sheet.title = "Kết quả phường xã"
        sheet.append(head)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        missing = PatternFill("solid", fgColor="FDE2E1")
        for row in rows:
            sheet.append([spreadsheet_cell(v) for v in row])
            if row[-1] == "Chưa báo cáo":
                for cell in sheet[sheet.max_row]:
                    cell.fill = missing
        sheet.column_dimensions["A"].width = 28
        handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
        handle.close()
        path = Path(handle.name)
        wb.save(str(path))
        return FileResponse(path, filename=name, background=BackgroundTask(path.unlink),
                            media_type="application/vnd.openxmlformats-officedocument."
                                       "spreadsheetml.sheet")

