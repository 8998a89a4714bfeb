"""The managers' dashboard: server-rendered Vietnamese pages over the ledger.

Every number comes from :mod:`campaign.queries` (the same read path as the CLI and the report);
every change goes through :mod:`schedules.operations` or :mod:`campaign.approval`, which log who
did it. No JavaScript and nothing from the internet: centres often sit behind poor links.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from campaign import queries
from campaign.approval import approve, pending_diff
from campaign.errors import InputError
from campaign.queries import LogFilter
from campaign.web import charts
from campaign.web.security import (
    LoginGate,
    app_version,
    checked_form,
    csrf_token,
    require,
    safe_next,
)
from campaign.web.users import ROLE_LABEL, LoginLimiter, authenticate
from campaign.workspace import Workspace
from schedules.calendar import fmt_local
from schedules.ledger import Ledger
from schedules.models import EVENT_LABEL, EVENTS, STATE_LABEL, utcnow
from schedules.operations import OperationError, resolve, retry_failed

CHANNEL_LABEL = {"facebook": "Facebook", "zalo": "Zalo", "led": "Bảng LED",
                 "loudspeaker": "Loa truyền thanh", "telegram": "Telegram"}
PROGRESS_LABELS = [("sent", "Đã gửi"), ("confirmed", "Đã xác nhận phát"), ("failed", "Lỗi"),
                   ("unconfirmed", "Chưa rõ kết quả"), ("expired", "Quá hạn"),
                   ("open", "Chờ gửi")]
CONFIRM_LABELS = [("played", "Đã phát"), ("received", "Đã nhận, chưa báo phát"),
                  ("not_played", "Không phát được"), ("none", "Chưa xác nhận")]
GRID_UNITS_PER_PAGE = 40
LOG_PER_PAGE = 100
QUEUE_LIMIT = 200
STATIC = Path(__file__).with_name("static")
EXPORT_FIELDS = [("at", "Thời điểm"), ("event", "Sự kiện"), ("campaign", "Chiến dịch"),
                 ("post_id", "Bài"), ("unit", "Đơn vị"), ("channel", "Kênh"),
                 ("endpoint", "Điểm nhận"), ("message", "Tin"), ("actor", "Người/máy"),
                 ("detail", "Chi tiết")]


class Dashboard:
    """Routes bound to one workspace and ledger (kept on ``app.state``)."""

    def __init__(self, workspace: Workspace, ledger: Ledger, *,
                 clock: Callable[[], datetime] = utcnow,
                 limiter: LoginLimiter | None = None) -> None:
        self.ws = workspace
        self.ledger = ledger
        self.clock = clock
        self.limiter = limiter or LoginLimiter()
        self.zone = ZoneInfo(workspace.directory.timezone)
        self.env = Environment(loader=PackageLoader("campaign.web", "templates"),
                               autoescape=select_autoescape(["html", "svg"], default=True),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.filters.update(local=self.local, day=_day, event=_event_label,
                                state=_state_label, channel=_channel_label,
                                unit=self.unit_name, pretty=_pretty)
        self.env.globals.update(role_label=ROLE_LABEL, progress_labels=PROGRESS_LABELS,
                                confirm_labels=CONFIRM_LABELS, charts=charts,
                                channel_label=CHANNEL_LABEL)
        self.env.globals["version"] = app_version()

    # ------------------------------------------------------------------ helpers
    def local(self, instant: datetime | None, with_date: bool = True) -> str:
        return fmt_local(instant, self.zone, with_date)

    def unit_name(self, unit_id: str | None) -> str:
        if not unit_id:
            return ""
        unit = self.ws.directory.units.get(unit_id)
        return unit.name if unit else unit_id

    def today(self) -> date:
        return self.clock().astimezone(self.zone).date()

    def render(self, request: Request, template: str, status: int = 200,
               **context: Any) -> HTMLResponse:
        user = getattr(request.state, "user", None)
        flash = request.session.pop("flash", None) if "flash" in request.session else None
        html = self.env.get_template(template).render(
            request=request, user=user, csrf=csrf_token(request), flash=flash,
            now_local=self.local(self.clock()), path=request.url.path, **context)
        return HTMLResponse(html, status_code=status)

    @staticmethod
    def back(request: Request, target: str, message: str, kind: str = "ok") -> Response:
        request.session["flash"] = {"kind": kind, "text": message}
        return RedirectResponse(target, 303)

    def local_day_start(self, value: str | None) -> datetime | None:
        if not value:
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return None
        return datetime.combine(day, datetime.min.time(), tzinfo=self.zone).astimezone(UTC)

    # ------------------------------------------------------------------ login
    async def login(self, request: Request) -> Response:
        next_url = safe_next(request.query_params.get("next"))
        if request.method == "GET":
            if getattr(request.state, "user", None) is not None:
                return RedirectResponse(next_url, 303)
            return self.render(request, "login.html", next=next_url)
        form = await checked_form(request)
        name = str(form.get("name", "")).strip()
        password = str(form.get("password", ""))
        next_url = safe_next(str(form.get("next", "/")))
        address = request.client.host if request.client else "?"
        now = time.monotonic()
        wait = self.limiter.blocked_for(name, address, now)
        if wait > 0:
            minutes = max(1, round(wait / 60))
            return self.render(request, "login.html", status=429, next=next_url, name=name,
                               error=f"Đăng nhập sai quá nhiều lần. Thử lại sau khoảng "
                                     f"{minutes} phút.")
        user = authenticate(self.ledger, name, password) if name and password else None
        if user is None:
            self.limiter.failed(name, address, now)
            return self.render(request, "login.html", status=401, next=next_url, name=name,
                               error="Sai tên đăng nhập hoặc mật khẩu.")
        self.limiter.succeeded(name)
        request.session.clear()  # a fresh session: no fixation, a fresh CSRF token
        request.session.update(uid=user.id, csrf=secrets.token_urlsafe(32))
        return RedirectResponse(next_url, 303)

    async def logout(self, request: Request) -> Response:
        await checked_form(request)
        request.session.clear()
        return RedirectResponse("/login", 303)

    # ------------------------------------------------------------------ pages
    def index(self, request: Request) -> Response:
        require(request, "read")
        progress = queries.campaign_progress(self.ledger)
        today = self.today()
        for entry in progress.values():
            due = entry["report_due"]
            entry["days_left"] = (due - today).days if due else None
        return self.render(request, "index.html", campaigns=list(progress.values()),
                           today=today)

    def _campaign(self, cid: str, *, progress: bool = True) -> dict[str, Any]:
        """The campaign's facts, with progress counts only when the page shows them (they
        cost a pass over the campaign's posts)."""
        if progress:
            entry = queries.campaign_progress(self.ledger, cid).get(cid)
        else:
            record = queries.campaign_record(self.ledger, cid)
            entry = None if record is None else {
                **record, "report_to": (record["definition"] or {}).get("report_to"),
                "ever_approved": record["approved_definition"] is not None}
        if entry is None:
            raise HTTPException(404, f"Không có chiến dịch '{cid}'.")
        due = entry["report_due"]
        entry["days_left"] = (due - self.today()).days if due else None
        return entry

    def campaign(self, request: Request) -> Response:
        require(request, "read")
        cid = request.path_params["cid"]
        entry = self._campaign(cid)
        record = queries.campaign_record(self.ledger, cid) or {}
        definition = record.get("definition") or {}
        problems = queries.problem_posts(self.ledger, campaign_id=cid, limit=10)
        return self.render(request, "campaign.html", c=entry, definition=definition,
                           problems=problems)

    def grid(self, request: Request) -> Response:
        require(request, "read")
        cid = request.path_params["cid"]
        entry = self._campaign(cid, progress=False)
        all_units = queries.grid_units(self.ledger, cid)
        page = _int(request.query_params.get("page"), 1)
        pages = max(1, -(-len(all_units) // GRID_UNITS_PER_PAGE))
        page = min(max(1, page), pages)
        units = all_units[(page - 1) * GRID_UNITS_PER_PAGE: page * GRID_UNITS_PER_PAGE]
        cells = queries.confirmation_grid(self.ledger, cid, units=units)
        days = []
        day = entry["period_start"]
        while day <= entry["period_end"]:
            days.append(day)
            day += timedelta(days=1)
        per_day: dict[str, dict[str, int]] = {}
        for (_unit, iso), cell in cells.items():
            bucket = per_day.setdefault(iso, {})
            for key, _ in CONFIRM_LABELS:
                bucket[key] = bucket.get(key, 0) + cell[key]
        chart = charts.column_chart([(f"{d:%d/%m}", per_day.get(d.isoformat(), {}))
                                     for d in days], CONFIRM_LABELS)
        return self.render(request, "grid.html", c=entry, units=units, days=days, cells=cells,
                           page=page, pages=pages, chart=chart, total_units=len(all_units))

    def calendar(self, request: Request) -> Response:
        require(request, "read")
        days = min(max(_int(request.query_params.get("days"), 7), 1), 31)
        cid = request.query_params.get("campaign") or None
        data = queries.upcoming(self.ledger, self.clock(), days=days, campaign_id=cid)
        table: dict[date, dict[str, int]] = {}
        channels: set[str] = set()
        for slot, channel, count in data["counts"]:
            day = slot.astimezone(self.zone).date()
            table.setdefault(day, {}).setdefault(channel, 0)
            table[day][channel] += count
            channels.add(channel)
        start = self.today()
        day_list = [start + timedelta(days=i) for i in range(days + 1)]
        ordered = [c for c in CHANNEL_LABEL if c in channels]
        chart = charts.column_chart([(f"{d:%d/%m}", table.get(d, {})) for d in day_list],
                                    [(c, CHANNEL_LABEL[c]) for c in ordered])
        return self.render(request, "calendar.html", days=day_list, table=table,
                           channels=ordered, posts=data["posts"], chart=chart, span=days,
                           campaign=cid, campaigns=self._campaign_ids())

    def _campaign_ids(self) -> list[tuple[str, str]]:
        return queries.campaign_titles(self.ledger)

    def _log_filter(self, request: Request) -> LogFilter:
        q = request.query_params
        event = q.get("event") or None
        if event and event not in EVENTS:
            event = None
        return LogFilter(campaign=q.get("campaign") or None, unit=q.get("unit") or None,
                         channel=q.get("channel") or None, event=event,
                         since=self.local_day_start(q.get("since")),
                         until=(self.local_day_start(q.get("until")) + timedelta(days=1)
                                if self.local_day_start(q.get("until")) else None),
                         limit=None)

    def log(self, request: Request) -> Response:
        require(request, "read")
        flt = self._log_filter(request)
        page = max(1, _int(request.query_params.get("page"), 1))
        rows, has_next = queries.log_page(self.ledger, flt, page=page, per_page=LOG_PER_PAGE)
        query = {k: v for k, v in request.query_params.items() if k != "page" and v}
        return self.render(request, "log.html", rows=rows, page=page, has_next=has_next,
                           q=query, qs=_qs(query), events=EVENTS,
                           units=list(self.ws.directory.units.values()),
                           campaigns=self._campaign_ids())

    def _export_rows(self, request: Request) -> Iterator[dict[str, Any]]:
        for row in queries.iter_log(self.ledger, self._log_filter(request)):
            yield {**row, "at": self.local(row["at"]), "event": _event_label(row["event"]),
                   "unit": self.unit_name(row["unit"]), "channel": _channel_label(row["channel"]),
                   "detail": json.dumps(row["detail"], ensure_ascii=False) if row["detail"]
                   else ""}

    def log_csv(self, request: Request) -> Response:
        require(request, "read")
        rows = self._export_rows(request)

        def body() -> Iterator[str]:
            buf = io.StringIO()
            writer = csv.writer(buf)
            buf.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
            writer.writerow([label for _, label in EXPORT_FIELDS])
            for n, row in enumerate(rows, 1):
                writer.writerow([_cell(row.get(k)) for k, _ in EXPORT_FIELDS])
                if n % 1000 == 0:
                    yield buf.getvalue()
                    buf.seek(0)
                    buf.truncate()
            yield buf.getvalue()

        name = f"nhat-ky-{self.today():%Y%m%d}.csv"
        return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": f'attachment; filename="{name}"'})

    def log_xlsx(self, request: Request) -> Response:
        require(request, "read")
        from campaign.report import write_log_xlsx

        handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
        handle.close()
        path = Path(handle.name)
        write_log_xlsx(path, self._export_rows(request),
                       [(k, label) for k, label in EXPORT_FIELDS])
        name = f"nhat-ky-{self.today():%Y%m%d}.xlsx"
        return FileResponse(path, filename=name, background=BackgroundTask(path.unlink),
                            media_type="application/vnd.openxmlformats-officedocument."
                                       "spreadsheetml.sheet")

    def post(self, request: Request) -> Response:
        require(request, "read")
        pid = _int(request.path_params["pid"], 0)
        post = queries.post_detail(self.ledger, pid)
        if post is None:
            raise HTTPException(404, f"Không có bài #{pid}.")
        endpoint = self.ws.directory.endpoints.get(post["endpoint_id"])
        size = _led_size(endpoint) if post["channel"] == "led" else None
        return self.render(request, "post.html", p=post, size=size,
                           endpoint=endpoint)

    def led_png(self, request: Request) -> Response:
        require(request, "read")
        from PIL import Image

        from assets.led import render_frames

        pid = _int(request.path_params["pid"], 0)
        index = _int(request.path_params["idx"], -1)
        post = queries.post_detail(self.ledger, pid)
        slogans = (post or {}).get("content", {}).get("slogans", []) if post else []
        if post is None or post["channel"] != "led" or not 0 <= index < len(slogans):
            raise HTTPException(404, "Không có khung hình này.")
        endpoint = self.ws.directory.endpoints.get(post["endpoint_id"])
        width, height = _led_size(endpoint)
        extra = _endpoint_options(endpoint)
        frames = render_frames(str(slogans[index]), width, height,
                               colors=str(extra.get("colors", "mono")),
                               color=str(extra.get("color", "red")))
        gap = 4
        sheet = Image.new("RGB", (width, len(frames) * (height + gap) - gap), (40, 40, 40))
        for i, frame in enumerate(frames):
            sheet.paste(frame.convert("RGB"), (0, i * (height + gap)))
        out = io.BytesIO()
        sheet.save(out, "PNG")
        return Response(out.getvalue(), media_type="image/png",
                        headers={"Cache-Control": "private, max-age=3600"})

    def audio(self, request: Request) -> Response:
        require(request, "read")
        pid = _int(request.path_params["pid"], 0)
        post = queries.post_detail(self.ledger, pid)
        if post is None or post["channel"] != "loudspeaker":
            raise HTTPException(404, "Không có âm thanh cho bài này.")
        content = post["content"]
        recorded = content.get("audio")
        if recorded:
            path = (self.ws.media_dir / str(recorded)).resolve()
            if not path.is_relative_to(self.ws.media_dir.resolve()) or not path.is_file():
                raise HTTPException(404, "Không tìm thấy tệp âm thanh.")
            return FileResponse(path)
        from assets.speech.audio import synthesize_cached
        from assets.store import MediaStore

        try:
            info = synthesize_cached(str(content.get("script", "")),
                                     MediaStore(self.ws.var_dir / "media"))
        except Exception as exc:  # noqa: BLE001 - no espeak/ffmpeg on this machine
            raise HTTPException(503, f"Không tạo được âm thanh: {exc}") from None
        return FileResponse(info.path, media_type="audio/mpeg")

    def queue(self, request: Request) -> Response:
        require(request, "read")
        cid = request.query_params.get("campaign") or None
        posts = queries.problem_posts(self.ledger, campaign_id=cid, limit=QUEUE_LIMIT)
        return self.render(request, "queue.html", posts=posts, campaign=cid, limit=QUEUE_LIMIT,
                           campaigns=self._campaign_ids())

    async def resolve_post(self, request: Request) -> Response:
        form = await checked_form(request)
        user = require(request, "operate")
        pid = _int(request.path_params["pid"], 0)
        outcome = str(form.get("outcome", ""))
        back_to = safe_next(str(form.get("back", "/queue")))
        if outcome not in ("sent", "resend"):
            return self.back(request, back_to, "Chọn kết quả: đã lên trang hoặc gửi lại.", "error")
        try:
            state = resolve(self.ledger, pid, outcome, user.name,  # type: ignore[arg-type]
                            note=str(form.get("note", ""))[:500], now=self.clock())
        except OperationError as exc:
            return self.back(request, back_to, exc.message, "error")
        return self.back(request, back_to,
                         f"Bài #{pid}: đã xử lý, trạng thái mới: {_state_label(state)}.")

    async def retry_post(self, request: Request) -> Response:
        form = await checked_form(request)
        user = require(request, "operate")
        pid = _int(request.path_params["pid"], 0)
        back_to = safe_next(str(form.get("back", "/queue")))
        changed = retry_failed(self.ledger, user.name, post_ids=[pid], now=self.clock())
        if not changed.count:
            return self.back(request, back_to, f"Bài #{pid} không ở trạng thái lỗi.", "error")
        after = queries.post_detail(self.ledger, pid) or {}
        if after.get("state") == "expired":
            return self.back(request, back_to, f"Bài #{pid} đã quá khung giờ gửi nên không gửi "
                                               "lại được (chuyển sang Quá hạn).", "error")
        return self.back(request, back_to, f"Bài #{pid} đã được xếp gửi lại.")

    async def retry_campaign(self, request: Request) -> Response:
        form = await checked_form(request)
        user = require(request, "operate")
        cid = request.path_params["cid"]
        changed = retry_failed(self.ledger, user.name, campaign_id=cid, now=self.clock())
        back_to = safe_next(str(form.get("back", "/queue")))
        return self.back(request, back_to, f"Đã xếp gửi lại {changed.count} bài lỗi.")

    def approvals(self, request: Request) -> Response:
        require(request, "read")
        progress = queries.campaign_progress(self.ledger)
        return self.render(request, "approvals.html", campaigns=list(progress.values()))

    def approval(self, request: Request) -> Response:
        require(request, "read")
        cid = request.path_params["cid"]
        entry = self._campaign(cid, progress=False)
        diff = pending_diff(self.ledger, cid)
        return self.render(request, "approval.html", c=entry, diff=diff)

    async def approve_campaign(self, request: Request) -> Response:
        await checked_form(request)
        user = require(request, "approve")
        cid = request.path_params["cid"]
        try:
            result = approve(self.ledger, cid, user.display, now=self.clock())
        except InputError as exc:
            return self.back(request, f"/campaigns/{cid}/approval",
                             "; ".join(p.message for p in exc.problems), "error")
        text = "Chiến dịch đã được phê duyệt từ trước." if result.already else \
            "Đã phê duyệt. Các bài sẽ được gửi theo lịch."
        return self.back(request, f"/campaigns/{cid}/approval", text)

    def report_file(self, request: Request) -> Response:
        require(request, "read")
        from campaign.report import build_report, write_docx, write_xlsx

        cid = request.path_params["cid"]
        fmt = request.path_params["fmt"]
        if fmt not in ("docx", "xlsx"):
            raise HTTPException(404, "Chỉ có báo cáo dạng docx hoặc xlsx.")
        self._campaign(cid, progress=False)
        data = build_report(self.ws, self.ledger, cid, today=self.today())
        handle = tempfile.NamedTemporaryFile(suffix=f".{fmt}", delete=False)  # noqa: SIM115
        handle.close()
        path = Path(handle.name)
        (write_docx if fmt == "docx" else write_xlsx)(data, path)
        return FileResponse(path, filename=f"bao-cao-{cid}.{fmt}",
                            background=BackgroundTask(path.unlink))

    def error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        titles = {403: "Không có quyền", 404: "Không tìm thấy", 401: "Cần đăng nhập"}
        return self.render(request, "error.html", status=exc.status_code,
                           title=titles.get(exc.status_code, "Lỗi"), detail=exc.detail)


def create_app(workspace: Workspace, ledger: Ledger, *, secret: str,
               https_only: bool = False, clock: Callable[[], datetime] = utcnow,
               limiter: LoginLimiter | None = None, session_hours: int = 8) -> Starlette:
    """The dashboard as an ASGI app. ``secret`` signs the session cookie: keep it stable
    across restarts (or everybody is logged out) and out of the code."""
    if len(secret) < 16:
        raise ValueError("secret must be at least 16 characters")
    dash = Dashboard(workspace, ledger, clock=clock, limiter=limiter)
    routes = [
        Route("/login", dash.login, methods=["GET", "POST"]),
        Route("/logout", dash.logout, methods=["POST"]),
        Route("/", dash.index),
        Route("/campaigns/{cid}", dash.campaign),
        Route("/campaigns/{cid}/loa", dash.grid),
        Route("/campaigns/{cid}/approval", dash.approval),
        Route("/campaigns/{cid}/approve", dash.approve_campaign, methods=["POST"]),
        Route("/campaigns/{cid}/retry", dash.retry_campaign, methods=["POST"]),
        Route("/campaigns/{cid}/report.{fmt:str}", dash.report_file),
        Route("/calendar", dash.calendar),
        Route("/log", dash.log),
        Route("/log.csv", dash.log_csv),
        Route("/log.xlsx", dash.log_xlsx),
        Route("/posts/{pid}", dash.post),
        Route("/posts/{pid}/led/{idx}.png", dash.led_png),
        Route("/posts/{pid}/audio", dash.audio),
        Route("/posts/{pid}/resolve", dash.resolve_post, methods=["POST"]),
        Route("/posts/{pid}/retry", dash.retry_post, methods=["POST"]),
        Route("/queue", dash.queue),
        Route("/approvals", dash.approvals),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [
        Middleware(SessionMiddleware, secret_key=secret, session_cookie="campaign_session",
                   max_age=session_hours * 3600, same_site="lax", https_only=https_only),
        Middleware(LoginGate),
    ]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: dash.error})
    app.state.ledger = ledger
    app.state.dashboard = dash
    return app


# ---------------------------------------------------------------------- small helpers
def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _qs(params: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


def _cell(value: Any) -> Any:
    return "" if value is None else value


def _day(value: date | None) -> str:
    return "" if value is None else f"{value:%d/%m/%Y}"


def _event_label(event: str | None) -> str:
    return EVENT_LABEL.get(event or "", event or "")


def _state_label(state: str | None) -> str:
    return STATE_LABEL.get(state or "", state or "")


def _channel_label(channel: str | None) -> str:
    return CHANNEL_LABEL.get(channel or "", channel or "")


def _pretty(value: Any) -> str:
    if not value:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items() if v not in (None, "", [], {}))
    return str(value)


def _endpoint_options(endpoint: Any) -> dict[str, Any]:
    if endpoint is None:
        return {}
    options = dict(endpoint.model_extra or {})
    for name in ("size", "colors", "color"):
        if hasattr(endpoint, name):
            options[name] = getattr(endpoint, name)
    return options


def _led_size(endpoint: Any) -> tuple[int, int]:
    size = str(_endpoint_options(endpoint).get("size", "192x96"))
    try:
        width, height = (int(v) for v in size.lower().split("x"))
    except ValueError:
        width, height = 192, 96
    return width, height
