"""Forms that change something: login, logout, resolve, retry, approve.

Reading and checking the form (CSRF) is async; everything after it — argon2, ledger writes
through :mod:`schedules.operations` and :mod:`campaign.approval` — runs in Starlette's thread
pool (``run_in_threadpool``), so a slow hash or a locked ledger never stalls other requests.
"""

from __future__ import annotations

import secrets
import time

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from campaign import queries
from campaign.approval import approve
from campaign.errors import InputError
from campaign.web.dashboard import Dashboard, state_label, to_int
from campaign.web.security import checked_form, current_user, require, safe_next
from campaign.web.users import authenticate, change_password, end_sessions, get_user
from schedules.operations import OperationError, record_review, resolve, retry_failed


class Actions:
    """POST handlers (and the login page, which is both a page and a form)."""

    def __init__(self, dash: Dashboard) -> None:
        self.dash = dash

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/login", self.login, methods=["GET", "POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/account", self.account, methods=["GET", "POST"]),
            Route("/campaigns/{cid}/approve", self.approve_campaign, methods=["POST"]),
            Route("/campaigns/{cid}/review", self.review_campaign, methods=["POST"]),
            Route("/campaigns/{cid}/retry", self.retry_campaign, methods=["POST"]),
            Route("/posts/{pid}/resolve", self.resolve_post, methods=["POST"]),
            Route("/posts/{pid}/retry", self.retry_post, methods=["POST"]),
        ]

    # ------------------------------------------------------------------ login
    async def login(self, request: Request) -> Response:
        dash = self.dash
        next_url = safe_next(request.query_params.get("next"))
        if request.method == "GET":
            if getattr(request.state, "user", None) is not None:
                return RedirectResponse(next_url, 303)
            return dash.render(request, "login.html", next=next_url)
        form = await checked_form(request)
        return await run_in_threadpool(self._login, request, form)

    def _login(self, request: Request, form: FormData) -> Response:
        dash = self.dash
        name = str(form.get("name", "")).strip()
        password = str(form.get("password", ""))
        next_url = safe_next(str(form.get("next", "/")))
        address = request.client.host if request.client else "?"
        now = time.monotonic()
        wait = dash.limiter.blocked_for(name, address, now)
        if wait > 0:
            minutes = max(1, round(wait / 60))
            return dash.render(request, "login.html", status=429, next=next_url, name=name,
                               error=f"Đăng nhập sai quá nhiều lần. Thử lại sau khoảng "
                                     f"{minutes} phút.")
        user = authenticate(dash.ledger, name, password) if name and password else None
        if user is None:
            dash.limiter.failed(name, address, now)
            return dash.render(request, "login.html", status=401, next=next_url, name=name,
                               error="Sai tên đăng nhập hoặc mật khẩu.")
        dash.limiter.succeeded(name, address)
        request.session.clear()  # a fresh session: no fixation, a fresh CSRF token
        request.session.update(uid=user.id, ver=user.session_version,
                               csrf=secrets.token_urlsafe(32))
        if user.role == "ward" and next_url == "/":  # wards have only their report pages
            next_url = "/phuong"
        return RedirectResponse(next_url, 303)

    async def logout(self, request: Request) -> Response:
        """Ends the session on the server too: the account's session version moves on, so a
        copied cookie is worthless (this logs the account out on every device)."""
        await checked_form(request)
        user = getattr(request.state, "user", None)
        if user is not None:
            await run_in_threadpool(end_sessions, self.dash.ledger, user.id)
        request.session.clear()
        return RedirectResponse("/login", 303)

    # ------------------------------------------------------------------ own account
    async def account(self, request: Request) -> Response:
        if request.method == "GET":
            current_user(request)
            return self.dash.render(request, "account.html")
        form = await checked_form(request)
        return await run_in_threadpool(self._change_password, request, form)

    def _change_password(self, request: Request, form: FormData) -> Response:
        dash = self.dash
        user = current_user(request)
        new = str(form.get("new", ""))
        if new != str(form.get("again", "")):
            return dash.render(request, "account.html", status=400,
                               error="Hai lần nhập mật khẩu mới không khớp.")
        try:
            change_password(dash.ledger, user.id, str(form.get("current", "")), new)
        except InputError as exc:
            return dash.render(request, "account.html", status=400,
                               error="; ".join(p.message for p in exc.problems))
        fresh = get_user(dash.ledger, user.id)
        request.session.update(ver=fresh.session_version if fresh else "")
        return dash.back(request, "/account", "Đã đổi mật khẩu. Các phiên đăng nhập khác của "
                                              "tài khoản này đã kết thúc.")

    # ------------------------------------------------------------------ posts
    async def resolve_post(self, request: Request) -> Response:
        form = await checked_form(request)
        return await run_in_threadpool(self._resolve_post, request, form)

    def _resolve_post(self, request: Request, form: FormData) -> Response:
        dash = self.dash
        user = require(request, "operate")
        pid = to_int(request.path_params["pid"], 0)
        outcome = str(form.get("outcome", ""))
        back_to = safe_next(str(form.get("back", "/queue")))
        if outcome not in ("sent", "resend"):
            return dash.back(request, back_to, "Chọn kết quả: đã lên trang hoặc gửi lại.", "error")
        try:
            state = resolve(dash.ledger, pid, outcome, user.name,  # type: ignore[arg-type]
                            note=str(form.get("note", ""))[:500], now=dash.clock())
        except OperationError as exc:
            return dash.back(request, back_to, exc.message, "error")
        return dash.back(request, back_to,
                         f"Bài #{pid}: đã xử lý, trạng thái mới: {state_label(state)}.")

    async def retry_post(self, request: Request) -> Response:
        form = await checked_form(request)
        return await run_in_threadpool(self._retry_post, request, form)

    def _retry_post(self, request: Request, form: FormData) -> Response:
        dash = self.dash
        user = require(request, "operate")
        pid = to_int(request.path_params["pid"], 0)
        back_to = safe_next(str(form.get("back", "/queue")))
        changed = retry_failed(dash.ledger, user.name, post_ids=[pid], now=dash.clock())
        if not changed.count:
            return dash.back(request, back_to, f"Bài #{pid} không ở trạng thái lỗi.", "error")
        after = queries.post_detail(dash.ledger, pid) or {}
        if after.get("state") == "expired":
            return dash.back(request, back_to, f"Bài #{pid} đã quá khung giờ gửi nên không gửi "
                                               "lại được (chuyển sang Quá hạn).", "error")
        return dash.back(request, back_to, f"Bài #{pid} đã được xếp gửi lại.")

    # ------------------------------------------------------------------ campaigns
    async def retry_campaign(self, request: Request) -> Response:
        form = await checked_form(request)
        return await run_in_threadpool(self._retry_campaign, request, form)

    def _retry_campaign(self, request: Request, form: FormData) -> Response:
        dash = self.dash
        user = require(request, "operate")
        cid = request.path_params["cid"]
        changed = retry_failed(dash.ledger, user.name, campaign_id=cid, now=dash.clock())
        back_to = safe_next(str(form.get("back", "/queue")))
        return dash.back(request, back_to, f"Đã xếp gửi lại {changed.count} bài lỗi.")

    async def approve_campaign(self, request: Request) -> Response:
        form = await checked_form(request)
        return await run_in_threadpool(self._approve_campaign, request, form)

    def _approve_campaign(self, request: Request, form: FormData) -> Response:
        dash = self.dash
        user = require(request, "approve")
        cid = request.path_params["cid"]
        seen = str(form.get("hash", "")).strip() or None
        try:
            result = approve(dash.ledger, cid, user.display, now=dash.clock(),
                             expected_hash=seen, detail={"via": "web", "user": user.name})
        except InputError as exc:
            return dash.back(request, f"/campaigns/{cid}/approval",
                             "; ".join(p.message for p in exc.problems), "error")
        text = "Chiến dịch đã được phê duyệt từ trước." if result.already else \
            "Đã phê duyệt. Các bài sẽ được gửi theo lịch."
        return dash.back(request, f"/campaigns/{cid}/approval", text)

    async def review_campaign(self, request: Request) -> Response:
        form = await checked_form(request)
        return await run_in_threadpool(self._review_campaign, request, form)

    def _review_campaign(self, request: Request, form: FormData) -> Response:
        """Ask for changes or reject, with a comment, about the definition on the page."""
        dash = self.dash
        user = require(request, "approve")
        cid = request.path_params["cid"]
        back_to = f"/campaigns/{cid}/approval"
        decision = str(form.get("decision", ""))
        seen = str(form.get("hash", "")).strip()
        record = queries.campaign_record(dash.ledger, cid)
        if record is None:
            return dash.back(request, "/approvals", f"Không có chiến dịch '{cid}'.", "error")
        if not seen or not record["definition_hash"].startswith(seen):
            return dash.back(request, back_to, "Nội dung chiến dịch đã thay đổi sau khi bạn mở "
                                               "trang; hãy xem lại bản mới nhất.", "error")
        try:
            record_review(dash.ledger, cid, decision, user.display,
                          comment=str(form.get("comment", "")),
                          definition_hash=record["definition_hash"], now=dash.clock())
        except OperationError as exc:
            return dash.back(request, back_to, exc.message, "error")
        text = ("Đã gửi yêu cầu sửa; cán bộ vận hành sẽ thấy ý kiến trên trang chiến dịch."
                if decision == "change_request" else "Đã ghi nhận: không duyệt nội dung này.")
        return dash.back(request, back_to, text)
