"""Read-only pages: campaigns, the loudspeaker grid, the calendar, the log, posts, the queue,
approvals. Sync handlers: Starlette runs them in its thread pool, so ledger reads never block
the event loop."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from campaign import queries
from campaign.web import charts, preview
from campaign.web.dashboard import CHANNEL_LABEL, CONFIRM_LABELS, Dashboard, to_int
from campaign.web.preview import led_size
from campaign.web.review import Review, build_review, preview_endpoints, summary_lines
from campaign.web.security import require
from schedules.models import EVENTS

GRID_UNITS_PER_PAGE = 40
LOG_PER_PAGE = 100
QUEUE_LIMIT = 200


GRID_STATES = [
    ("played", "✓", "Đã phát đủ"), ("some", "◐", "Phát một phần"),
    ("received", "↓", "Đã nhận, chưa báo phát"), ("not_played", "✗", "Không phát được"),
    ("none", "?", "Chưa xác nhận"), ("expired", "⌛", "Quá hạn, không gửi"),
    ("cancelled", "–", "Đã huỷ"), ("today", "●", "Hôm nay"), ("future", "·", "Sắp tới"),
]
_GRID = {key: (symbol, label) for key, symbol, label in GRID_STATES}


def cell_state(cell: dict[str, int], day: date, today: date) -> tuple[str, str, str]:
    """(state key, symbol, sentence) of one ward-day: what a manager needs from the colour,
    repeated as a symbol and a sentence so nothing depends on colour or a tooltip."""
    due, played = cell["due"], cell["played"]
    if due == 0:
        key = "cancelled"
    elif cell["not_played"]:
        key = "not_played"
    elif played == due:
        key = "played"
    elif day > today:
        key = "future"
    elif day == today:
        key = "today"
    elif played:
        key = "some"
    elif cell["expired"] == due:
        key = "expired"
    elif cell["received"]:
        key = "received"
    else:
        key = "none"
    symbol, label = _GRID[key]
    text = (f"{label}: đã phát {played}/{due} buổi, đã nhận {cell['received']}, không phát được "
            f"{cell['not_played']}, quá hạn {cell['expired']}, đã huỷ {cell['cancelled']}")
    return key, symbol, text


class Pages:
    """GET pages, each a sync handler."""

    def __init__(self, dash: Dashboard) -> None:
        self.dash = dash

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.index),
            Route("/campaigns/{cid}", self.campaign),
            Route("/campaigns/{cid}/loa", self.grid),
            Route("/campaigns/{cid}/approval", self.approval),
            Route("/calendar", self.calendar),
            Route("/log", self.log),
            Route("/posts/{pid}", self.post),
            Route("/queue", self.queue),
            Route("/approvals", self.approvals),
        ]

    def index(self, request: Request) -> Response:
        require(request, "read")
        dash = self.dash
        progress = queries.campaign_progress(dash.ledger)
        today = dash.today()
        for entry in progress.values():
            due = entry["report_due"]
            entry["days_left"] = (due - today).days if due else None
        return dash.render(request, "index.html", campaigns=list(progress.values()),
                           today=today)

    def campaign(self, request: Request) -> Response:
        require(request, "read")
        dash = self.dash
        cid = request.path_params["cid"]
        entry = dash.campaign_entry(cid)
        record = queries.campaign_record(dash.ledger, cid) or {}
        definition = record.get("definition") or {}
        problems = queries.problem_posts(dash.ledger, campaign_id=cid, limit=10)
        notes = [n for n in queries.review_notes(dash.ledger, cid, limit=10)
                 if n["event"] != "approved"
                 and n["definition_hash"] == record.get("definition_hash")]
        return dash.render(request, "campaign.html", c=entry, definition=definition,
                           problems=problems, notes=notes)

    def grid(self, request: Request) -> Response:
        require(request, "read")
        dash = self.dash
        cid = request.path_params["cid"]
        entry = dash.campaign_entry(cid, progress=False)
        all_units = queries.grid_units(dash.ledger, cid)
        page = to_int(request.query_params.get("page"), 1)
        pages = max(1, -(-len(all_units) // GRID_UNITS_PER_PAGE))
        page = min(max(1, page), pages)
        units = all_units[(page - 1) * GRID_UNITS_PER_PAGE: page * GRID_UNITS_PER_PAGE]
        cells = queries.confirmation_grid(dash.ledger, cid, units=units)
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
        today = dash.today()
        states = {key: cell_state(cell, date.fromisoformat(key[1]), today)
                  for key, cell in cells.items()}
        return dash.render(request, "grid.html", c=entry, units=units, days=days, cells=cells,
                           states=states, grid_states=GRID_STATES, today=today,
                           page=page, pages=pages, chart=chart, total_units=len(all_units))

    def calendar(self, request: Request) -> Response:
        require(request, "read")
        dash = self.dash
        days = min(max(to_int(request.query_params.get("days"), 7), 1), 31)
        cid = request.query_params.get("campaign") or None
        data = queries.upcoming(dash.ledger, dash.clock(), days=days, campaign_id=cid)
        table: dict[date, dict[str, int]] = {}
        channels: set[str] = set()
        for slot, channel, count in data["counts"]:
            day = slot.astimezone(dash.zone).date()
            table.setdefault(day, {}).setdefault(channel, 0)
            table[day][channel] += count
            channels.add(channel)
        start = dash.today()
        day_list = [start + timedelta(days=i) for i in range(days + 1)]
        ordered = [c for c in CHANNEL_LABEL if c in channels]
        chart = charts.column_chart([(f"{d:%d/%m}", table.get(d, {})) for d in day_list],
                                    [(c, CHANNEL_LABEL[c]) for c in ordered])
        titles: dict[tuple[str, str], str] = {}
        for camp in {p["campaign_id"] for p in data["posts"]}:
            definition = (queries.campaign_record(dash.ledger, camp) or {}).get("definition") or {}
            for message in definition.get("messages", []):
                titles[(camp, message.get("id"))] = message.get("title", message.get("id"))
        return dash.render(request, "calendar.html", days=day_list, table=table,
                           titles=titles, campaign_titles=dict(dash.campaign_ids()),
                           channels=ordered, chart=chart, span=days,
                           posts=sorted(data["posts"], key=lambda p: (p["slot_at"], p["id"])),
                           channel_keys=[(c, CHANNEL_LABEL[c]) for c in ordered],
                           campaign=cid, campaigns=dash.campaign_ids())

    def log(self, request: Request) -> Response:
        require(request, "read")
        dash = self.dash
        flt = dash.log_filter(request)
        page = max(1, to_int(request.query_params.get("page"), 1))
        rows, has_next = queries.log_page(dash.ledger, flt, page=page, per_page=LOG_PER_PAGE)
        query = {k: v for k, v in request.query_params.items() if k != "page" and v}
        return dash.render(request, "log.html", rows=rows, page=page, has_next=has_next,
                           describe=dash.describer(), titles=dict(dash.campaign_ids()),
                           q=query, qs=urlencode(query), events=EVENTS,
                           units=list(dash.ws.directory.units.values()),
                           campaigns=dash.campaign_ids())

    def post(self, request: Request) -> Response:
        require(request, "read")
        dash = self.dash
        pid = to_int(request.path_params["pid"], 0)
        post = queries.post_detail(dash.ledger, pid)
        if post is None:
            raise HTTPException(404, f"Không có bài #{pid}.")
        endpoint = dash.ws.directory.endpoints.get(post["endpoint_id"])
        size = led_size(endpoint) if post["channel"] == "led" else None
        photos = queries.evidence_photos(dash.ledger, post_id=pid)
        return dash.render(request, "post.html", p=post, size=size, endpoint=endpoint,
                           photos=photos, describe=dash.describer())

    def queue(self, request: Request) -> Response:
        require(request, "read")
        dash = self.dash
        cid = request.query_params.get("campaign") or None
        posts = queries.problem_posts(dash.ledger, campaign_id=cid, limit=QUEUE_LIMIT)
        return dash.render(request, "queue.html", posts=posts, campaign=cid, limit=QUEUE_LIMIT,
                           campaigns=dash.campaign_ids())

    def approvals(self, request: Request) -> Response:
        require(request, "read")
        progress = queries.campaign_progress(self.dash.ledger)
        return self.dash.render(request, "approvals.html", campaigns=list(progress.values()))

    def approval(self, request: Request) -> Response:
        require(request, "read")
        dash = self.dash
        cid = request.path_params["cid"]
        entry = dash.campaign_entry(cid, progress=False)
        record = queries.campaign_record(dash.ledger, cid) or {}
        review = build_review(record, dash.ws.directory, now=dash.clock())
        definition = record.get("definition") or {}
        boards = preview_endpoints(dash.ws.directory, definition, "led")
        sizes: dict[tuple[int, int], str] = {}
        for board in boards:  # one preview per distinct board size
            sizes.setdefault(led_size(board), board.id)
        stations = preview_endpoints(dash.ws.directory, definition, "loudspeaker")
        sounds = self._sounds(review, stations[0] if stations else None)
        notes = queries.review_notes(dash.ledger, cid)
        return dash.render(request, "approval.html", c=entry, review=review,
                           summary=summary_lines(review),
                           led_sizes=list(sizes.items())[:3], sounds=sounds, notes=notes)

    def _sounds(self, review: Review, station: Any) -> dict[str, dict[str, Any]]:
        """Per message: the duration of its loudspeaker audio (synthesised into the speech
        store now, so the player on the page starts at once) or why there is none."""
        out: dict[str, dict[str, Any]] = {}
        for message in review.messages:
            part = next((p for p in message.parts if p.channel == "loudspeaker"
                         and p.status != "removed"), None)
            if part is None:
                continue
            try:
                if part.content.get("audio"):
                    seconds = preview.recorded(self.dash.ws, str(part.content["audio"]))[1]
                else:
                    seconds = preview.speech(self.dash.ws, station,
                                             str(part.content.get("script", "")))[1]
                out[message.id] = {"seconds": seconds, "error": None}
            except preview.PreviewError as exc:
                out[message.id] = {"seconds": None, "error": exc.message}
        return out
