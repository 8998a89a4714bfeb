"""Who is asking: the login gate, roles on each route, CSRF tokens and security headers.

Anonymous requests are refused by one middleware in front of every route (a new route cannot
forget to check), and each route names the permission it needs with :func:`require`.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
    if not isinstance(user, User):  # the gate should have stopped this request already
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


class LoginGate:
    """Every path except the login page and static files needs a signed-in, active account
    whose session version (:attr:`campaign.web.users.User.session_version`) still matches the
    one in the cookie, so logout, a password change, disabling or removing an account end its
    sessions on the server, not only in the browser.

    A plain ASGI middleware (not ``BaseHTTPMiddleware``, which re-streams every response body
    and tripled the time of the big grid page). Also adds the security headers.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        user = None
        uid = request.session.get("uid")
        if uid is not None:
            # a ledger read: in the thread pool, never on the event loop
            user = await run_in_threadpool(get_user, scope["app"].state.ledger, int(uid))
            if user is None or not hmac.compare_digest(
                    str(request.session.get("ver", "")), user.session_version):
                # removed, disabled, password changed or logged out elsewhere: the signed
                # cookie alone is not enough
                user = None
                request.session.clear()
        scope.setdefault("state", {})["user"] = user
        extra = [(b"content-security-policy", CSP.encode()),
                 (b"x-content-type-options", b"nosniff"),
                 (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]
        if user is not None:
            extra.append((b"cache-control", b"private, no-store"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *[(k, v) for k, v in extra if k not in present]]
            await send(message)

        path = request.url.path
        if user is None and not path.startswith(PUBLIC_PREFIXES):
            if request.method == "GET":
                target = path + (f"?{request.url.query}" if request.url.query else "")
                response: Response = RedirectResponse(f"/login?next={quote(target)}", 303)
            else:
                response = Response("Cần đăng nhập.", status_code=401,
                                    media_type="text/plain; charset=utf-8")
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def safe_next(target: str | None) -> str:
    """Only local paths are followed after login (no open redirect to another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


# --------------------------------------------------------------------------- deployment
TRUSTED_PROXIES_ENV = "CAMPAIGN_TRUSTED_PROXIES"


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def secure_cookie(host: str, *, allow_http: bool = False) -> bool:
    """The session cookie is marked Secure (HTTPS only) unless the dashboard listens on
    loopback, where a TLS reverse proxy in front of it is the normal set-up."""
    return not is_loopback(host) and not allow_http


def trusted_proxies(option: tuple[str, ...] | list[str], setting: str | None) -> list[str]:
    """Proxy addresses from ``--trusted-proxy`` and the ``CAMPAIGN_TRUSTED_PROXIES`` setting."""
    names = [*option, *(setting or "").replace(",", " ").split()]
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))


def behind_proxies(app: ASGIApp, proxies: list[str]) -> ASGIApp:
    """Take the client address from X-Forwarded-For/-Proto only when the direct peer is one of
    ``proxies`` (uvicorn's middleware), so the login limiter counts the real client and a
    client cannot spoof its address by sending the header itself."""
    if not proxies:
        return app
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    # uvicorn types the ASGI scope/events as TypedDicts, Starlette as MutableMapping aliases;
    # both describe the same ASGI protocol, so the two libraries' annotations disagree here.
    return ProxyHeadersMiddleware(app, trusted_hosts=proxies)  # type: ignore[arg-type, return-value]


def app_version() -> str:
    """The installed version (shown in the footer and by ``campaign --version``)."""
    from importlib import metadata

    try:
        return metadata.version("campaign-scheduler")
    except metadata.PackageNotFoundError:
        return "?"
