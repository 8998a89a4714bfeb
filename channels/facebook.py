"""Facebook Page adapter (Graph API).

Posts text/link to ``/{page-id}/feed``, one photo to ``/{page-id}/photos``, several photos as
unpublished uploads attached to one ``/feed`` post. Public posts have no idempotency key, so the
adapter is at-most-once: anything that might have published is an unknown outcome, never a
transient fault. Every Graph answer is turned into a typed outcome by :func:`map_graph_response`
alone, so the mapping is reviewable in one place.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from channels.base import (
    AuthError,
    ChannelError,
    Delivery,
    EndpointConfig,
    PermanentError,
    PermissionDeniedError,
    RateLimitError,
    Receipt,
    TransientError,
    UnknownOutcomeError,
    digits_text,
    register,
)
from channels.http import HttpAdapter, HttpClient, json_body
from channels.secrets import env_reference, redact

log = logging.getLogger("channels.facebook")

DEFAULT_API_BASE = "https://graph.facebook.com/v25.0"
RATE_LIMIT_CODES = frozenset({4, 17, 32, 341, 613, 80001})
"""Application, user, page and business-use-case throttling (341: application limit)."""
TRANSIENT_CODES = frozenset({1, 2})
AUTH_CODES = frozenset({102, 190})
POLICY_BLOCK_CODE = 368
POLICY_BLOCK_RETRY = 6 * 3600.0
"""Code 368 (temporarily blocked for policy violations): Meta gives no hint; hours, not minutes."""
DEFAULT_RATE_RETRY = 600.0
USAGE_SLOW_DOWN_PCT = 90.0
REQUIRED_PERMISSIONS = ("pages_manage_posts", "pages_read_engagement")


class FacebookConfig(EndpointConfig):
    """A Facebook Page endpoint in ``directory.yaml``."""

    page_id: str = Field(pattern=r"^[0-9]{1,30}$", description="Numeric page id")
    token: str = Field(description="env:NAME of the page access token")
    api_base: str = DEFAULT_API_BASE

    _page_id_text = field_validator("page_id", mode="before")(digits_text)

    @field_validator("token")
    @classmethod
    def _token_ref(cls, value: str) -> str:
        return env_reference(value)

    @field_validator("api_base")
    @classmethod
    def _base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("api_base phải là địa chỉ http(s)://, ví dụ "
                             f"{DEFAULT_API_BASE}.")
        return value.rstrip("/")


class FacebookContent(BaseModel):
    """The facebook variant of a message as the planner hands it over."""

    model_config = ConfigDict(extra="ignore")
    title: str | None = None
    text: str = Field(min_length=1)
    link: str | None = None
    images: list[str] = Field(default_factory=list, max_length=10)


# --------------------------------------------------------------------------- answers
def parse_usage(headers: Mapping[str, str]) -> dict[str, Any]:
    """Highest usage percentage and longest regain time from Meta's usage headers.

    ``X-App-Usage``/``X-Page-Usage`` hold percentages; ``X-Business-Use-Case-Usage`` maps a
    business id to a list of per-type usages with ``estimated_time_to_regain_access`` in minutes.
    Absent headers mean "unknown", not zero; malformed ones are ignored rather than fatal.
    """
    pct = 0.0
    regain_minutes = 0.0
    seen = False

    def take(item: Any) -> None:
        nonlocal pct, regain_minutes, seen
        if not isinstance(item, dict):
            return
        for key in ("call_count", "total_cputime", "total_time"):
            value = item.get(key)
            if isinstance(value, int | float):
                pct = max(pct, float(value))
                seen = True
        eta = item.get("estimated_time_to_regain_access")
        if isinstance(eta, int | float):
            regain_minutes = max(regain_minutes, float(eta))
            seen = True

    for name in ("X-App-Usage", "X-Page-Usage", "X-Business-Use-Case-Usage"):
        raw = headers.get(name)
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        if name == "X-Business-Use-Case-Usage" and isinstance(data, dict):
            for entries in data.values():
                for item in entries if isinstance(entries, list) else [entries]:
                    take(item)
        else:
            take(data)
    if not seen:
        return {}
    return {"max_pct": pct, "regain_seconds": regain_minutes * 60.0}


def _retry_after_header(headers: Mapping[str, str]) -> float | None:
    try:
        value = float(headers.get("Retry-After", ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def map_graph_response(response: requests.Response, *, what: str, publishing: bool,
                       secrets: tuple[str, ...] = ()) -> dict[str, Any]:
    """The one place that turns a Graph API answer into data or a typed error.

    ``publishing`` is true for the call that makes a post public: an unreadable answer to that
    call is an unknown outcome (the post may exist), while for reads it is a transient fault.
    """
    body = json_body(response)
    status = response.status_code
    usage = parse_usage(response.headers)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        raise _graph_error(error, status=status, usage=usage, what=what,
                           headers=response.headers, secrets=secrets)
    if 200 <= status < 300 and isinstance(body, dict):
        return body
    detail = {"http_status": status, **({"usage": usage} if usage else {})}
    if status == 429:
        raise RateLimitError(f"Facebook yêu cầu giảm tốc độ khi {what}.", http_status=status,
                             retry_after=_retry_after_header(response.headers) or DEFAULT_RATE_RETRY)
    if status == 503 or not publishing and status >= 500:
        raise TransientError(f"Máy chủ Facebook tạm lỗi (HTTP {status}) khi {what}.",
                             http_status=status,
                             retry_after=_retry_after_header(response.headers))
    if publishing and (status >= 500 or 200 <= status < 300):
        raise UnknownOutcomeError(
            f"Facebook trả lời không đọc được (HTTP {status}) khi {what}; bài có thể đã được "
            "đăng. Hãy kiểm tra trang rồi xác nhận.", http_status=status, detail=detail)
    if 200 <= status < 300:
        raise TransientError(f"Facebook trả lời không đọc được khi {what}.", http_status=status)
    raise PermanentError(f"Facebook từ chối yêu cầu (HTTP {status}) khi {what}.",
                         http_status=status, detail=detail)


def _graph_error(error: Mapping[str, Any], *, status: int, usage: Mapping[str, Any], what: str,
                 headers: Mapping[str, str], secrets: tuple[str, ...]) -> ChannelError:
    """Graph error body → typed error carrying code, subcode, message and fbtrace_id."""
    code = error.get("code")
    subcode = error.get("error_subcode")
    platform_message = redact(str(error.get("message", "")), secrets)
    user_msg = error.get("error_user_msg")
    common: dict[str, Any] = {
        "code": code, "subcode": subcode, "http_status": status,
        "platform_message": platform_message, "trace_id": error.get("fbtrace_id"),
        "detail": {k: v for k, v in {
            "type": error.get("type"),
            "user_message": redact(str(user_msg), secrets) if user_msg else None,
            "usage": dict(usage) or None,
        }.items() if v},
    }
    if code in AUTH_CODES:
        return AuthError(
            f"Token trang Facebook không còn hiệu lực (mã {code}"
            f"{f'/{subcode}' if subcode else ''}) khi {what}. Cần kết nối lại trang bằng lệnh: "
            "campaign connect facebook", reconnect=True, **common)
    if code in RATE_LIMIT_CODES:
        wait = usage.get("regain_seconds") or _retry_after_header(headers) or DEFAULT_RATE_RETRY
        return RateLimitError(
            f"Facebook giới hạn tần suất (mã {code}) khi {what}; thử lại sau {int(wait)} giây.",
            retry_after=wait, **common)
    if code == POLICY_BLOCK_CODE:
        return RateLimitError(
            f"Trang bị Facebook tạm chặn đăng bài do chính sách (mã 368) khi {what}; sẽ thử lại "
            "sau vài giờ. Kiểm tra thông báo trên trang.", retry_after=POLICY_BLOCK_RETRY,
            **common)
    if code == 506:
        return PermanentError(
            f"Facebook từ chối vì bài trùng với bài vừa đăng (mã 506) khi {what}. Sửa nội dung "
            "nếu cần đăng lại.", **common)
    if code in TRANSIENT_CODES:
        return TransientError(f"Facebook tạm lỗi (mã {code}) khi {what}; sẽ thử lại.", **common)
    if code == 10 or isinstance(code, int) and 200 <= code <= 299:
        return PermissionDeniedError(
            f"Token trang thiếu quyền (mã {code}) khi {what}. Cần cấp quyền "
            f"{', '.join(REQUIRED_PERMISSIONS)} rồi kết nối lại trang.", **common)
    return PermanentError(f"Facebook từ chối (mã {code}) khi {what}: {platform_message}",
                          **common)


# --------------------------------------------------------------------------- adapter
@register("facebook")
class FacebookAdapter(HttpAdapter[FacebookConfig]):
    """Publishes to one Facebook Page with its page access token."""

    Config = FacebookConfig
    at_most_once = True
    log = log

    # ----------------------------------------------------------------- helpers
    def _token(self) -> str:
        return self.secret(self.config.token)

    def _url(self, path: str) -> str:
        return f"{self.config.api_base}/{path.lstrip('/')}"

    def _call(self, method: str, path: str, *, what: str, publishing: bool,
              may_act: bool | None = None, **kw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """One Graph call → (body, usage). Errors are already typed and redacted."""
        try:
            response = self.http.request(method, self._url(path), what=what,
                                         may_act=publishing if may_act is None else may_act,
                                         **kw)
            body = map_graph_response(response, what=what, publishing=publishing,
                                      secrets=tuple(self.http._secrets))  # noqa: SLF001
        except ChannelError as exc:
            log.warning("facebook %s %s: %s", self.config.id, what,
                        self.http.redact(json.dumps(exc.as_detail(), ensure_ascii=False,
                                                    default=str)))
            raise
        return body, parse_usage(response.headers)

    def _media(self, name: str) -> Path:
        """An image under the workspace's media folder; refuse paths that leave it."""
        root = self.context.media_dir.resolve()
        path = (root / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise PermanentError(f"Không tìm thấy ảnh '{name}' trong thư mục media của thư mục "
                                 "làm việc. Hãy chép ảnh vào media/ rồi lập lịch lại.")
        return path

    @staticmethod
    def _message(content: FacebookContent) -> str:
        """Posts have no title field: the title becomes the first line unless already there."""
        text = content.text.strip()
        title = (content.title or "").strip()
        if title and not text.startswith(title):
            return f"{title}\n\n{text}"
        return text

    # ----------------------------------------------------------------- contract
    def deliver(self, delivery: Delivery) -> Receipt:
        try:
            content = FacebookContent.model_validate(dict(delivery.content))
        except ValidationError as exc:
            raise PermanentError("Nội dung Facebook không hợp lệ: cần 'text' và tối đa 10 ảnh.",
                                 detail={"fields": [".".join(map(str, e["loc"]))
                                                    for e in exc.errors()]}) from None
        token = self._token()
        page = self.config.page_id
        message = self._message(content)
        images = [self._media(name) for name in content.images]
        if not images:
            data = {"message": message, "access_token": token}
            if content.link:
                data["link"] = content.link
            body, usage = self._call("POST", f"{page}/feed", data=data,
                                     what="đăng bài lên trang", publishing=True)
            post_id = body.get("id")
        elif len(images) == 1:
            with images[0].open("rb") as fh:
                data = {"caption": message, "access_token": token, "published": "true"}
                body, usage = self._call(
                    "POST", f"{page}/photos", data=data,
                    files={"source": (images[0].name, fh, _mime(images[0]))},
                    what="đăng ảnh lên trang", publishing=True)
            post_id = body.get("post_id") or body.get("id")
        else:
            media_ids: list[str] = []
            for path in images:
                with path.open("rb") as fh:
                    # Unpublished uploads are invisible: a lost answer here cannot duplicate a
                    # public post, so it is an ordinary transient fault.
                    up, _ = self._call(
                        "POST", f"{page}/photos",
                        data={"published": "false", "access_token": token},
                        files={"source": (path.name, fh, _mime(path))},
                        what=f"tải ảnh {path.name} lên (chưa đăng)", publishing=False)
                if not up.get("id"):
                    raise TransientError(f"Facebook không trả mã ảnh khi tải {path.name}.")
                media_ids.append(str(up["id"]))
            data = {"message": message, "access_token": token}
            if content.link:
                data["link"] = content.link
            for idx, media_id in enumerate(media_ids):
                data[f"attached_media[{idx}]"] = json.dumps({"media_fbid": media_id})
            body, usage = self._call("POST", f"{page}/feed", data=data,
                                     what="đăng bài nhiều ảnh lên trang", publishing=True)
            post_id = body.get("id")
        if not post_id:
            raise UnknownOutcomeError("Facebook trả lời thành công nhưng không có mã bài; hãy "
                                      "kiểm tra trang rồi xác nhận.", detail={"body_keys": sorted(body)})
        detail: dict[str, Any] = {"page_id": page}
        if usage:
            detail["usage_pct"] = usage["max_pct"]
            if usage["max_pct"] >= USAGE_SLOW_DOWN_PCT:
                detail["slow_down_seconds"] = slow_down_seconds(usage)
        log.info("facebook %s: đã đăng bài %s", self.config.id, post_id)
        return Receipt(evidence="posted", external_id=str(post_id), detail=detail)

    def check(self) -> dict[str, Any]:
        """Read the page name and the token's permissions; posts nothing."""
        token = self._token()
        page, _ = self._call("GET", self.config.page_id,
                             params={"fields": "id,name", "access_token": token},
                             what="đọc thông tin trang", publishing=False)
        result: dict[str, Any] = {"ok": True, "name": page.get("name"), "id": page.get("id")}
        try:
            info, _ = self._call("GET", "debug_token",
                                 params={"input_token": token, "access_token": token},
                                 what="kiểm tra quyền của token", publishing=False)
        except PermanentError as exc:
            # Some tokens may not inspect themselves; the page read above already proved them.
            result["permissions"] = None
            result["note"] = exc.message
            return result
        data: dict[str, Any] = info["data"] if isinstance(info.get("data"), dict) else {}
        scopes = [str(s) for s in data.get("scopes", [])]
        missing = [p for p in REQUIRED_PERMISSIONS if scopes and p not in scopes]
        result.update({"permissions": scopes, "missing": missing,
                       "token_type": data.get("type"), "expires_at": data.get("expires_at")})
        if data.get("is_valid") is False:
            raise AuthError("Token trang Facebook không còn hiệu lực. Cần kết nối lại trang bằng "
                            "lệnh: campaign connect facebook", reconnect=True)
        if missing:
            result["ok"] = False
        return result

def slow_down_seconds(usage: Mapping[str, Any]) -> float:
    """How long the engine should pause this endpoint when usage is above 90%.

    Meta's own regain estimate wins; otherwise ramp from 1 minute at 90% to 10 at 100%.
    """
    if usage.get("regain_seconds"):
        return float(usage["regain_seconds"])
    pct = min(float(usage.get("max_pct", 0.0)), 100.0)
    return 60.0 + max(pct - USAGE_SLOW_DOWN_PCT, 0.0) * 54.0


def _mime(path: Path) -> str:
    return "image/png" if path.suffix.lower() == ".png" else "image/jpeg"


# --------------------------------------------------------------------------- connect
def env_name_for(page_name: str, page_id: str) -> str:
    """``FB_TOKEN_<ASCII PAGE NAME>``: Vietnamese diacritics folded so the name is a valid var."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", page_name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(c for c in folded if not unicodedata.combining(c))
    slug = re.sub(r"[^A-Za-z0-9]+", "_", ascii_name).strip("_").upper()
    return f"FB_TOKEN_{slug or page_id}"[:60]


def connect_facebook(api_base: str, user_token: str, session: requests.Session | None = None,
                     *, app_id: str | None = None, app_secret: str | None = None,
                     timeout: float = 20.0) -> list[dict[str, Any]]:
    """The pages a user token manages, with their page tokens and the .env line for each.

    With ``app_id``/``app_secret`` the user token is first exchanged for a long-lived one, so
    the page tokens derived from it do not expire. Returns a list of
    ``{"page_id", "name", "tasks", "env_name", "token", "env_line"}``; secrets are in it on
    purpose (the operator copies them to .env) and must not be logged.
    """
    http = HttpClient(timeout=timeout, logger=log, session=session, secrets=[user_token])
    base = api_base.rstrip("/")
    secrets = (user_token, *(s for s in [app_secret] if s))
    http.remember(*secrets)
    token = user_token
    if app_id and app_secret:
        response = http.request("GET", f"{base}/oauth/access_token", what="đổi token dài hạn",
                                may_act=False, params={
                                    "grant_type": "fb_exchange_token", "client_id": app_id,
                                    "client_secret": app_secret, "fb_exchange_token": user_token})
        body = map_graph_response(response, what="đổi token dài hạn", publishing=False,
                                  secrets=secrets)
        token = str(body.get("access_token") or user_token)
        http.remember(token)
    pages: list[dict[str, Any]] = []
    params: dict[str, Any] = {"fields": "id,name,access_token,tasks", "limit": 100,
                              "access_token": token}
    for _ in range(50):  # pagination guard: 5,000 pages is more than any centre runs
        response = http.request("GET", f"{base}/me/accounts", what="lấy danh sách trang",
                                may_act=False, params=params)
        body = map_graph_response(response, what="lấy danh sách trang", publishing=False,
                                  secrets=tuple(http._secrets))  # noqa: SLF001
        for item in body.get("data") or []:
            name = str(item.get("name", ""))
            page_id = str(item.get("id", ""))
            env_name = env_name_for(name, page_id)
            page_token = str(item.get("access_token", ""))
            pages.append({"page_id": page_id, "name": name, "tasks": item.get("tasks") or [],
                          "env_name": env_name, "token": page_token,
                          "env_line": f"{env_name}={page_token}"})
        after = ((body.get("paging") or {}).get("cursors") or {}).get("after")
        if not (body.get("paging") or {}).get("next") or not after:
            break
        params = {**params, "after": after}
    http.close()
    if not pages:
        raise PermissionDeniedError("Tài khoản này không quản lý trang Facebook nào (hoặc token "
                                    "thiếu quyền pages_show_list).")
    return pages
