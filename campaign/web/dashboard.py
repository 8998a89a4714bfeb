"""What every router of the dashboard shares: the workspace, the ledger, templates, helpers.

The routers (:mod:`~campaign.web.pages`, :mod:`~campaign.web.actions`,
:mod:`~campaign.web.exports`, :mod:`~campaign.web.media`) each take one :class:`Dashboard` and
return their Starlette routes; :mod:`campaign.web.app` only assembles them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from campaign import queries
from campaign.queries import LogFilter
from campaign.web import charts
from campaign.web.review import FIELD_LABEL, as_text
from campaign.web.security import app_version, csrf_token
from campaign.web.users import ROLE_LABEL, LoginLimiter
from campaign.workspace import Workspace
from schedules.calendar import fmt_local
from schedules.ledger import Ledger
from schedules.models import EVENT_LABEL, EVENTS, STATE_LABEL, utcnow

CHANNEL_LABEL = {"facebook": "Facebook", "zalo": "Zalo", "led": "Bảng LED",
                 "loudspeaker": "Loa truyền thanh", "telegram": "Telegram"}
PROGRESS_LABELS = [("sent", "Đã gửi"), ("confirmed", "Đã xác nhận phát"), ("failed", "Lỗi"),
                   ("unconfirmed", "Chưa rõ kết quả"), ("expired", "Quá hạn"),
                   ("open", "Chờ gửi")]
CONFIRM_LABELS = [("played", "Đã phát"), ("received", "Đã nhận, chưa báo phát"),
                  ("not_played", "Không phát được"), ("none", "Chưa xác nhận")]


class Dashboard:
    """State bound to one workspace and ledger (kept on ``app.state``), shared by the routers."""

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
        self.env.filters.update(local=self.local, day=day_label, event=event_label,
                                state=state_label, channel=channel_label,
                                unit=self.unit_name, pretty=pretty, duration=duration,
                                plain=as_text)
        self.env.globals.update(role_label=ROLE_LABEL, progress_labels=PROGRESS_LABELS,
                                confirm_labels=CONFIRM_LABELS, charts=charts,
                                channel_label=CHANNEL_LABEL, field_label=FIELD_LABEL)
        self.env.globals["version"] = app_version()

    # ------------------------------------------------------------------ helpers
    def local(self, instant: datetime | None, with_date: bool = True) -> str:
        return fmt_local(instant, self.zone, with_date)

    def describer(self) -> Callable[[dict[str, Any]], Any]:
        """A function giving each log row its sentence, evidence link and actor's name (the
        accounts' names are read once per page)."""
        from campaign.web.logtext import describe
        from campaign.web.users import list_users

        people = {str(u["name"]): str(u["full_name"] or u["name"]) for u in list_users(self.ledger)}
        settings = self.ws.directory.data.telegram
        telegram = {a.telegram_id: a.name for a in (settings.approvers if settings else [])}
        return lambda row: describe(row, self.local, people, telegram)

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

    def campaign_entry(self, cid: str, *, progress: bool = True) -> dict[str, Any]:
        """The campaign's facts, with progress counts only when the page shows them (they
        cost a pass over the campaign's posts); 404 when there is no such campaign."""
        # A merged view (progress row or campaign record, plus days_left) for the templates.
        entry: dict[str, Any] | None
        if progress:
            row = queries.campaign_progress(self.ledger, cid).get(cid)
            entry = None if row is None else dict(row)
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

    def campaign_ids(self) -> list[tuple[str, str]]:
        return queries.campaign_titles(self.ledger)

    def log_filter(self, request: Request) -> LogFilter:
        """The log page's and the exports' filter, from the query string."""
        q = request.query_params
        event = q.get("event") or None
        if event and event not in EVENTS:
            event = None
        until = self.local_day_start(q.get("until"))
        return LogFilter(campaign=q.get("campaign") or None, unit=q.get("unit") or None,
                         channel=q.get("channel") or None, event=event,
                         since=self.local_day_start(q.get("since")),
                         until=until + timedelta(days=1) if until else None, limit=None)

    def error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        titles = {403: "Không có quyền", 404: "Không tìm thấy", 401: "Cần đăng nhập"}
        return self.render(request, "error.html", status=exc.status_code,
                           title=titles.get(exc.status_code, "Lỗi"), detail=exc.detail)


# ---------------------------------------------------------------------- small helpers
def to_int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def day_label(value: date | None) -> str:
    return "" if value is None else f"{value:%d/%m/%Y}"


def event_label(event: str | None) -> str:
    return EVENT_LABEL.get(event or "", event or "")


def state_label(state: str | None) -> str:
    return STATE_LABEL.get(state or "", state or "")


def channel_label(channel: str | None) -> str:
    return CHANNEL_LABEL.get(channel or "", channel or "")


def pretty(value: Any) -> str:
    if not value:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items() if v not in (None, "", [], {}))
    return str(value)


def duration(seconds: float | None) -> str:
    """``1 phút 05 giây`` (how a broadcast's length is said)."""
    if seconds is None:
        return ""
    total = round(seconds)
    minutes, rest = divmod(total, 60)
    return f"{minutes} phút {rest:02d} giây" if minutes else f"{rest} giây"
