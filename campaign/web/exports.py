"""Downloads: the delivery log as CSV or XLSX, the results report as DOCX or XLSX.

Sync handlers (run in the thread pool). Exported cells never become spreadsheet formulas: a
log text starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe, as the
XLSX export does, so opening the file in Excel or LibreOffice runs nothing.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from campaign import queries
from campaign.web.dashboard import Dashboard, channel_label, event_label
from campaign.web.security import require

EXPORT_FIELDS = [("at", "Thời điểm"), ("event", "Sự kiện"), ("campaign", "Chiến dịch"),
                 ("post_id", "Bài"), ("unit", "Đơn vị"), ("channel", "Kênh"),
                 ("endpoint", "Điểm nhận"), ("message", "Tin"), ("actor", "Người/máy"),
                 ("detail", "Chi tiết")]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)."""


def spreadsheet_cell(value: Any) -> Any:
    """A value safe to put in a spreadsheet cell: None → "", formula-like text → 'text."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class Exports:
    """CSV/XLSX log exports and report files."""

    def __init__(self, dash: Dashboard) -> None:
        self.dash = dash

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/log.csv", self.log_csv),
            Route("/log.xlsx", self.log_xlsx),
            Route("/campaigns/{cid}/report.{fmt:str}", self.report_file),
        ]

    def _rows(self, request: Request) -> Iterator[dict[str, Any]]:
        dash = self.dash
        for row in queries.iter_log(dash.ledger, dash.log_filter(request)):
            yield {**row, "at": dash.local(row["at"]), "event": event_label(row["event"]),
                   "unit": dash.unit_name(row["unit"]), "channel": channel_label(row["channel"]),
                   "detail": json.dumps(row["detail"], ensure_ascii=False) if row["detail"]
                   else ""}

    def log_csv(self, request: Request) -> Response:
        require(request, "read")
        rows = self._rows(request)

        def body() -> Iterator[str]:
            buf = io.StringIO()
            writer = csv.writer(buf)
            buf.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
            writer.writerow([label for _, label in EXPORT_FIELDS])
            for n, row in enumerate(rows, 1):
                writer.writerow([spreadsheet_cell(row.get(k)) for k, _ in EXPORT_FIELDS])
                if n % 1000 == 0:
                    yield buf.getvalue()
                    buf.seek(0)
                    buf.truncate()
            yield buf.getvalue()

        name = f"nhat-ky-{self.dash.today():%Y%m%d}.csv"
        return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="{name}"'})

    def log_xlsx(self, request: Request) -> Response:
        require(request, "read")
        from campaign.report import write_log_xlsx

        handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
        handle.close()
        path = Path(handle.name)
        write_log_xlsx(path, self._rows(request), [(k, label) for k, label in EXPORT_FIELDS])
        name = f"nhat-ky-{self.dash.today():%Y%m%d}.xlsx"
        return FileResponse(path, filename=name, background=BackgroundTask(path.unlink),
                            media_type="application/vnd.openxmlformats-officedocument."
                                       "spreadsheetml.sheet")

    def report_file(self, request: Request) -> Response:
        require(request, "read")
        from campaign.report import build_report, write_docx, write_xlsx

        dash = self.dash
        cid = request.path_params["cid"]
        fmt = request.path_params["fmt"]
        if fmt not in ("docx", "xlsx"):
            raise HTTPException(404, "Chỉ có báo cáo dạng docx hoặc xlsx.")
        dash.campaign_entry(cid, progress=False)
        data = build_report(dash.ws, dash.ledger, cid, today=dash.today())
        handle = tempfile.NamedTemporaryFile(suffix=f".{fmt}", delete=False)  # noqa: SIM115
        handle.close()
        path = Path(handle.name)
        (write_docx if fmt == "docx" else write_xlsx)(data, path)
        return FileResponse(path, filename=f"bao-cao-{cid}.{fmt}",
                            background=BackgroundTask(path.unlink))
