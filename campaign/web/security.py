"""Who is asking: the login gate, roles on each route, CSRF tokens and security headers.

Anonymous requests are refused by one middleware in front of every route (a new route cannot
forget to check), and each route names the permission it needs with :func:`require`.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from campaign.web.users import User, get_user

PUBLIC_PREFIXES = ("/login", "/static/")
CSP = ("default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; "
       "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use), put in every form."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def checked_form(request: Request) -> FormData:
    """The posted form, after checking its CSRF token against the session's (403 otherwise)."""
    form = await request.form()
    sent = str(form.get("csrf", ""))
    expected = request.session.get("csrf", "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "Phiên làm việc không hợp lệ hoặc đã hết hạn (thiếu mã CSRF). "
                                 "Hãy tải lại trang rồi thử lại.")
    return form


def current_user(request: Request) -> User:
    user = getattr(request.state, "user", None)
    if user is None:  # the gate should have stopped this request already
        raise HTTPException(401, "Cần đăng nhập.")
    return user


def require(request: Request, permission: str) -> User:
    """The signed-in user if their role grants ``permission``; 403 in Vietnamese otherwise."""
    user = current_user(request)
    if not user.can(permission):
        names = {"read": "xem", "operate": "vận hành", "approve": "phê duyệt"}
        raise HTTPException(403, f"Tài khoản '{user.name}' (vai trò {user.role}) không có quyền "
                                 f"{names.get(permission, permission)}.")
    return user


class LoginGate(BaseHTTPMiddleware):
    """Every path except the login page and static files needs a signed-in, active account."""

    async def dispatch(self, request: Request,
                       call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        path = request.url.path
        user = None
        uid = request.session.get("uid")
        if uid is not None:
            user = get_user(request.app.state.ledger, int(uid))
            if user is None:
                request.session.clear()
        request.state.user = user
        if user is None and not path.startswith(PUBLIC_PREFIXES):
            if request.method == "GET":
                target = path + (f"?{request.url.query}" if request.url.query else "")
                response: Response = RedirectResponse(f"/login?next={quote(target)}", 303)
            else:
                response = Response("Cần đăng nhập.", status_code=401,
                                    media_type="text/plain; charset=utf-8")
        else:
            response = await call_next(request)
        headers: dict[str, Any] = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if user is not None:
            headers.setdefault("Cache-Control", "private, no-store")
        return response


def safe_next(target: str | None) -> str:
    """Only local paths are followed after login (no open redirect to another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
