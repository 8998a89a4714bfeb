"""Zalo Official Account adapter (OA Open API, OAuth v4).

Publishes an article (create → token, verify → article id) and, if asked, one broadcast to
followers about it. An article cover is a public image URL (``photo_url``): Zalo fetches it
itself. A cover that is a file in the workspace's ``media/`` becomes the URL under which the
endpoint's ``media_base_url`` serves that folder; without one it is refused before anything is
posted, because the image upload API only makes message attachments, never a cover URL. Zalo reports errors with HTTP 200 and ``error != 0``; :func:`map_zalo_body` is the one
place that types them.

Credentials: the access token lives ~25 h; the refresh token is single-use and rotates on every
refresh. A rotated refresh token that is lost cannot be recovered (an operator must authorise the
OA again), so :meth:`ZaloAdapter.refresh` stores the new one through ``context.tokens`` — durable
before it returns — before the new access token is used, and never overwrites the stored token
when a refresh fails. The stored token wins over the initial one named in ``directory.yaml``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import logging
import secrets as pysecrets
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import requests
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from channels.base import (
    AdapterContext,
    AuthError,
    ChannelError,
    Delivery,
    EndpointConfig,
    MemoryTokenStore,
    PermanentError,
    RateLimitError,
    Receipt,
    TokenStore,
    TransientError,
    UnknownOutcomeError,
    digits_text,
    register,
    zone_name,
)
from channels.http import HttpAdapter, HttpClient, json_body
from channels.secrets import env_reference, redact

log = logging.getLogger("channels.zalo")

DEFAULT_API_BASE = "https://openapi.zalo.me"
DEFAULT_OAUTH_BASE = "https://oauth.zaloapp.com"
AUTH_CODES = frozenset({-216, -220, -124})
RATE_LIMIT_CODE = -32
QUOTA_CODE = -211
QUIET_HOURS_CODE = -234
MESSAGE_BAN = (22, 6)
"""Zalo refuses messages to followers from 22:00 to 06:00 local time."""
BROADCAST_PATH = "/v2.0/oa/message"
"""Broadcast of articles to followers (the notice); v3's /message/promotion is per user."""
ACCESS_MARGIN = timedelta(minutes=10)
"""Refresh this long before the access token expires, so a delivery never straddles expiry."""

TOKEN_REFRESH = "zalo_refresh_token"
TOKEN_ACCESS = "zalo_access_token"
TOKEN_ACCESS_EXPIRES = "zalo_access_expires_at"
NOTIFY_DAY = "zalo_notify_day"
"""Local date of the last notice to followers: one broadcast per follower per day."""


class ZaloConfig(EndpointConfig):
    """A Zalo OA endpoint in ``directory.yaml``."""

    oa_id: str = Field(pattern=r"^[0-9]{1,30}$")
    app_id: str = Field(pattern=r"^[0-9]{1,30}$")
    secret_key: str = Field(description="env:NAME of the app's secret key")
    refresh_token: str = Field(description="env:NAME of the first refresh token")
    api_base: str = DEFAULT_API_BASE
    oauth_base: str = DEFAULT_OAUTH_BASE
    author: str | None = Field(default=None, max_length=50)
    timezone: str = "Asia/Ho_Chi_Minh"
    media_base_url: str | None = Field(
        default=None, description="public https address where the workspace's media/ is "
        "served, e.g. the ward website's; needed for covers given as media files")

    _digits_text = field_validator("oa_id", "app_id", mode="before")(digits_text)
    _zone = field_validator("timezone")(zone_name)

    @field_validator("secret_key", "refresh_token")
    @classmethod
    def _secret_ref(cls, value: str) -> str:
        return env_reference(value)

    @field_validator("api_base", "oauth_base", "media_base_url")
    @classmethod
    def _base(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("Địa chỉ phải bắt đầu bằng http:// hoặc https://.")
        return value.rstrip("/")


class ZaloContent(BaseModel):
    """The zalo variant of a message as the planner hands it over."""

    model_config = ConfigDict(extra="ignore")
    title: str = Field(min_length=1, max_length=150)
    text: str = Field(min_length=1)
    description: str | None = None
    cover: str | None = None
    author: str | None = None
    notify: bool = False


# --------------------------------------------------------------------------- time rules
def _next_at(now_local: datetime, hour: int, *, days_ahead: int = 0) -> datetime:
    base = now_local.replace(hour=hour, minute=0, second=0, microsecond=0)
    base += timedelta(days=days_ahead)
    return base if base > now_local else base + timedelta(days=1)


def in_message_ban(now_local: datetime) -> bool:
    """True between 22:00 and 06:00 local, when Zalo refuses notices to followers."""
    start, end = MESSAGE_BAN
    return now_local.hour >= start or now_local.hour < end


def seconds_until_morning(now_local: datetime) -> float:
    """Seconds until the next 06:00 local."""
    return (_next_at(now_local, MESSAGE_BAN[1]) - now_local).total_seconds()


def seconds_until_next_day_morning(now_local: datetime) -> float:
    """Seconds until 06:00 on the next calendar day (daily quotas reset at midnight)."""
    tomorrow = (now_local + timedelta(days=1)).replace(hour=MESSAGE_BAN[1], minute=0, second=0,
                                                       microsecond=0)
    return (tomorrow - now_local).total_seconds()


# --------------------------------------------------------------------------- answers
def map_zalo_body(response: requests.Response, *, what: str, may_act: bool,
                  now_local: datetime, secrets: tuple[str, ...] = ()) -> dict[str, Any]:
    """The one place that turns an Open API answer into its ``data`` or a typed error.

    Mapping (decided with the platform's documented codes):
    -216/-220/-124 → AuthError (refresh, then retry once); -32 → RateLimitError;
    -211 (quota used up) → RateLimitError until 06:00 the next day: the quota is daily, so the
    same post will succeed tomorrow and nobody needs to act; -234 (22:00–06:00 ban) →
    RateLimitError until 06:00; anything else → PermanentError with Zalo's message kept.
    """
    status = response.status_code
    body = json_body(response)
    if not isinstance(body, dict):
        if status == 429:
            raise RateLimitError(f"Zalo yêu cầu giảm tốc độ khi {what}.", http_status=status)
        if may_act and (status >= 500 or status < 300):
            raise UnknownOutcomeError(
                f"Zalo trả lời không đọc được (HTTP {status}) khi {what}; bài có thể đã được "
                "tạo. Hãy kiểm tra trang quản trị OA rồi xác nhận.", http_status=status)
        if status >= 500 or status < 300:
            raise TransientError(f"Máy chủ Zalo tạm lỗi (HTTP {status}) khi {what}.",
                                 http_status=status)
        raise PermanentError(f"Zalo từ chối yêu cầu (HTTP {status}) khi {what}.",
                             http_status=status)
    code = body.get("error", 0)
    with contextlib.suppress(TypeError, ValueError):  # keep an unknown non-numeric value
        code = int(code)
    if code == 0:
        data = body.get("data")
        return data if isinstance(data, dict) else {}
    platform_message = redact(str(body.get("message") or body.get("error_description") or ""),
                              secrets)
    common: dict[str, Any] = {"code": code, "http_status": status,
                              "platform_message": platform_message}
    if code in AUTH_CODES:
        return_error: ChannelError = AuthError(
            f"Access token Zalo không hợp lệ hoặc đã hết hạn (mã {code}) khi {what}.", **common)
    elif code == RATE_LIMIT_CODE:
        return_error = RateLimitError(
            f"Zalo giới hạn tần suất gọi (mã {code}) khi {what}; thử lại sau.",
            retry_after=60.0, **common)
    elif code == QUOTA_CODE:
        wait = seconds_until_next_day_morning(now_local)
        return_error = RateLimitError(
            f"OA đã dùng hết hạn mức gửi trong ngày (mã {code}) khi {what}; sẽ gửi lại sau "
            "06:00 ngày mai.", retry_after=wait, **common)
    elif code == QUIET_HOURS_CODE:
        return_error = RateLimitError(
            f"Zalo không cho gửi tin từ 22:00 đến 06:00 (mã {code}) khi {what}; sẽ gửi lúc "
            "06:00.", retry_after=seconds_until_morning(now_local), **common)
    else:
        return_error = PermanentError(f"Zalo từ chối (mã {code}) khi {what}: {platform_message}",
                                      **common)
    raise return_error


def map_oauth_body(response: requests.Response, *, what: str,
                   secrets: tuple[str, ...] = ()) -> dict[str, Any]:
    """OAuth v4 answers: tokens on success, ``error``/``error_name``/``error_description``
    otherwise. A refused refresh or code can only be fixed by authorising the OA again."""
    body = json_body(response)
    status = response.status_code
    if isinstance(body, dict) and body.get("access_token") and not body.get("error"):
        return body
    if not isinstance(body, dict):
        if status >= 500 or status == 429:
            raise TransientError(f"Máy chủ xác thực Zalo tạm lỗi (HTTP {status}) khi {what}.",
                                 http_status=status)
        raise AuthError(f"Máy chủ xác thực Zalo trả lời không đọc được khi {what}.",
                        http_status=status, reconnect=True)
    description = " ".join(str(body.get(k) or "") for k in
                           ("error_name", "error_reason", "error_description")).strip()
    raise AuthError(
        f"Zalo từ chối cấp token (mã {body.get('error')}) khi {what}. Cần cấp quyền lại cho "
        "OA bằng lệnh: campaign connect zalo", reconnect=True, code=body.get("error"),
        http_status=status, platform_message=redact(description, secrets))


# --------------------------------------------------------------------------- body
def body_blocks(text: str) -> list[dict[str, str]]:
    """Article body: one text block per paragraph (blank-line separated), HTML-escaped."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return [{"type": "text", "content": html.escape(p).replace("\n", "<br>")}
            for p in paragraphs]


# --------------------------------------------------------------------------- adapter
@register("zalo")
class ZaloAdapter(HttpAdapter[ZaloConfig]):
    """Publishes articles on one Zalo Official Account."""

    Config = ZaloConfig
    at_most_once = True
    log = log

    def __init__(self, endpoint: ZaloConfig, context: AdapterContext,
                 session: requests.Session | None = None) -> None:
        super().__init__(endpoint, context, session)
        self._lock = threading.Lock()
        self._access: tuple[str, datetime] | None = None

    # ----------------------------------------------------------------- time
    def _now(self) -> datetime:
        now = self.context.now() if self.context.now else datetime.now(UTC)
        return now if now.tzinfo else now.replace(tzinfo=UTC)

    def _local(self) -> datetime:
        return self._now().astimezone(ZoneInfo(self.config.timezone))

    # ----------------------------------------------------------------- tokens
    @property
    def _tokens(self) -> TokenStore:
        return self.context.tokens

    def _secret(self, reference: str) -> str:
        return self.secret(reference)

    def _current_refresh_token(self) -> str:
        stored = self._tokens.get(self.config.id, TOKEN_REFRESH)
        if stored:
            self.http.remember(stored)
            return stored
        return self._secret(self.config.refresh_token)

    def refresh(self) -> None:
        """Trade the refresh token for a new pair; persist the new refresh token first."""
        with self._lock:
            self._refresh_locked()

    def _refresh_locked(self) -> None:
        secret_key = self._secret(self.config.secret_key)
        refresh_token = self._current_refresh_token()
        what = "làm mới token Zalo"
        # A refresh changes nothing public; an unanswered one may still have consumed the
        # token, which no retry can undo: the stored token is kept and the next attempt tells.
        response = self.http.request(
            "POST", f"{self.config.oauth_base}/v4/oa/access_token", what=what, may_act=False,
            headers={"secret_key": secret_key},
            data={"app_id": self.config.app_id, "grant_type": "refresh_token",
                  "refresh_token": refresh_token})
        try:
            body = map_oauth_body(response, what=what, secrets=self._known())
        except ChannelError as exc:
            log.warning("zalo %s: làm mới token thất bại: %s", self.config.id,
                        self.http.redact(str(exc.as_detail())))
            raise
        access = str(body["access_token"])
        new_refresh = str(body.get("refresh_token") or "")
        self.http.remember(access, new_refresh)
        try:
            expires_in = float(body.get("expires_in") or 90000)
        except (TypeError, ValueError):
            expires_in = 90000.0
        expires_at = self._now() + timedelta(seconds=expires_in)
        if new_refresh:
            try:
                self._tokens.put(self.config.id, TOKEN_REFRESH, new_refresh)
            except Exception as exc:  # noqa: BLE001 - any store failure means the token is lost
                raise AuthError(
                    "Không lưu được refresh token mới của Zalo; token cũ đã bị vô hiệu. Cần cấp "
                    "quyền lại cho OA bằng lệnh: campaign connect zalo", reconnect=True,
                    detail={"store_error": self.http.redact(type(exc).__name__)}) from None
        self._tokens.put(self.config.id, TOKEN_ACCESS, access)
        self._tokens.put(self.config.id, TOKEN_ACCESS_EXPIRES, expires_at.isoformat())
        self._access = (access, expires_at)
        log.info("zalo %s: đã làm mới token, hết hạn lúc %s", self.config.id,
                 expires_at.isoformat())

    def _access_token(self) -> str:
        """A valid access token: memory, then the store, then a refresh."""
        with self._lock:
            now = self._now()
            if self._access and self._access[1] - ACCESS_MARGIN > now:
                return self._access[0]
            stored = self._tokens.get(self.config.id, TOKEN_ACCESS)
            expires = self._tokens.get(self.config.id, TOKEN_ACCESS_EXPIRES)
            if stored and expires:
                try:
                    when = datetime.fromisoformat(expires)
                except ValueError:
                    when = now
                if when - ACCESS_MARGIN > now:
                    self.http.remember(stored)
                    self._access = (stored, when)
                    return stored
            self._refresh_locked()
            assert self._access is not None
            return self._access[0]

    def _known(self) -> tuple[str, ...]:
        return tuple(self.http._secrets)  # noqa: SLF001

    # ----------------------------------------------------------------- calls
    def _api(self, method: str, path: str, *, what: str, may_act: bool,
             **kw: Any) -> dict[str, Any]:
        token = self._access_token()
        headers = {"access_token": token, **kw.pop("headers", {})}
        try:
            response = self.http.request(method, f"{self.config.api_base}{path}", what=what,
                                         may_act=may_act, headers=headers, **kw)
            return map_zalo_body(response, what=what, may_act=may_act,
                                 now_local=self._local(), secrets=self._known())
        except AuthError:
            # The token we held is dead for Zalo: forget it so the engine's refresh is real.
            self._access = None
            self._tokens.put(self.config.id, TOKEN_ACCESS_EXPIRES, self._now().isoformat())
            raise
        except ChannelError as exc:
            log.warning("zalo %s %s: %s", self.config.id, what,
                        self.http.redact(str(exc.as_detail())))
            raise

    def _cover(self, cover: str | None) -> dict[str, Any] | None:
        """The documented photo cover: ``photo_url`` only. A media file is named by its public
        address under ``media_base_url``; it must exist here, so a typo fails before posting."""
        if not cover:
            return None
        if cover.startswith(("http://", "https://")):
            return {"cover_type": "photo", "photo_url": cover, "status": "show"}
        root = self.context.media_dir.resolve()
        path = (root / cover).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise PermanentError(f"Không tìm thấy ảnh bìa '{cover}' trong thư mục media. Hãy "
                                 "chép ảnh vào media/ rồi lập lịch lại.")
        if not self.config.media_base_url:
            raise PermanentError(
                f"Ảnh bìa Zalo '{cover}' là tệp trong media/ nhưng điểm nhận "
                f"{self.config.id} chưa khai báo media_base_url. Zalo chỉ nhận ảnh bìa bằng địa "
                "chỉ công khai: thêm media_base_url (địa chỉ https nơi thư mục media/ được đăng, "
                "ví dụ trang thông tin điện tử của phường) vào directory.yaml, hoặc ghi cover "
                "bằng một địa chỉ https.")
        relative = path.relative_to(root).as_posix()
        return {"cover_type": "photo", "status": "show",
                "photo_url": f"{self.config.media_base_url}/{quote(relative)}"}

    # ----------------------------------------------------------------- contract
    def deliver(self, delivery: Delivery) -> Receipt:
        try:
            content = ZaloContent.model_validate(dict(delivery.content))
        except ValidationError as exc:
            raise PermanentError("Nội dung Zalo không hợp lệ: cần 'title' (≤ 150 ký tự) và "
                                 "'text'.", detail={"fields": [".".join(map(str, e["loc"]))
                                                               for e in exc.errors()]}) from None
        local = self._local()
        if content.notify and in_message_ban(local):
            # Nothing is posted yet: postponing keeps the article and its notice together.
            raise RateLimitError("Zalo không cho gửi thông báo tới người quan tâm từ 22:00 đến "
                                 "06:00; bài sẽ được đăng lúc 06:00.",
                                 retry_after=seconds_until_morning(local))
        cover = self._cover(content.cover)
        author = (content.author or self.config.author or delivery.unit_name)[:50]
        description = (content.description or content.text.strip())[:300]
        article: dict[str, Any] = {
            "type": "normal", "title": content.title, "author": author,
            "description": description, "body": body_blocks(content.text),
            "status": "show", "comment": "show",
        }
        if cover:
            article["cover"] = cover
        created = self._api("POST", "/v2.0/article/create", what="tạo bài viết Zalo",
                            may_act=True, json_data=article)
        article_token = created.get("token")
        if not article_token:
            raise UnknownOutcomeError("Zalo nhận bài nhưng không trả mã xử lý; hãy kiểm tra "
                                      "trang quản trị OA rồi xác nhận.")
        article_id = self._verify(str(article_token))
        detail: dict[str, Any] = {"oa_id": self.config.oa_id}
        if content.notify:
            detail.update(self._notify(article_id, content))
        log.info("zalo %s: đã đăng bài %s", self.config.id, article_id)
        return Receipt(evidence="posted", external_id=article_id, detail=detail)

    def _verify(self, article_token: str) -> str:
        """Article id for a created article. The article exists already, so any failure here is
        an unknown outcome: re-delivering would publish it twice."""
        try:
            data = self._api("POST", "/v2.0/article/verify", what="lấy mã bài viết Zalo",
                             may_act=True, json_data={"token": article_token})
        except ChannelError as exc:
            if isinstance(exc, UnknownOutcomeError):
                exc.detail["article_token"] = article_token
                raise
            raise UnknownOutcomeError(
                "Bài Zalo đã được tạo nhưng không lấy được mã bài; hãy kiểm tra trang quản trị "
                "OA rồi xác nhận.", code=exc.code, platform_message=exc.platform_message,
                detail={"article_token": article_token, "cause": exc.kind}) from None
        article_id = data.get("id")
        if not article_id:
            raise UnknownOutcomeError("Zalo không trả mã bài sau khi tạo; hãy kiểm tra trang "
                                      "quản trị OA rồi xác nhận.",
                                      detail={"article_token": article_token})
        return str(article_id)

    def _notify(self, article_id: str, content: ZaloContent) -> dict[str, Any]:
        """Send the notice; never raises, because the article is already public.

        Rules: not between 22:00 and 06:00; one notice per local day (a broadcast reaches every
        follower, so one per OA per day is one per follower per day); only with quota left.
        """
        local = self._local()
        today = local.date().isoformat()
        if in_message_ban(local):
            return {"notify": "skipped", "notify_reason": "Ngoài giờ cho phép (22:00–06:00)."}
        previous = self._tokens.get(self.config.id, NOTIFY_DAY)
        if previous == today:
            return {"notify": "skipped",
                    "notify_reason": "Hôm nay OA đã gửi một thông báo tới người quan tâm."}
        try:
            quota = self._api("POST", "/v2.0/oa/quota/message", what="xem hạn mức gửi tin",
                              may_act=False, json_data={"quota_owner": "OA",
                                                        "quota_type": "promotion"})
        except ChannelError as exc:
            return {"notify": "failed", "notify_error": exc.as_detail()}
        remain = _first_number(quota, ("remain", "remaining", "remain_quota"))
        if remain is not None and remain <= 0:
            return {"notify": "skipped", "notify_reason": "OA đã hết hạn mức gửi tin hôm nay.",
                    "quota": quota}
        # Mark the day before sending: a lost answer must not lead to a second broadcast.
        self._tokens.put(self.config.id, NOTIFY_DAY, today)
        # A broadcast with no target criteria: every follower of the OA.
        message = {
            "recipient": {"target": {}},
            "message": {"attachment": {"type": "template", "payload": {
                "template_type": "media",
                "elements": [{"media_type": "article", "attachment_id": article_id}],
            }}},
        }
        try:
            sent = self._api("POST", BROADCAST_PATH,
                             what="gửi thông báo bài viết tới người quan tâm", may_act=True,
                             json_data=message)
        except UnknownOutcomeError as exc:
            return {"notify": "unknown", "notify_error": exc.as_detail()}
        except ChannelError as exc:
            self._tokens.put(self.config.id, NOTIFY_DAY, previous or "")
            return {"notify": "failed", "notify_error": exc.as_detail()}
        return {"notify": "sent", "message_id": sent.get("message_id"), "quota_remain": remain}

    def check(self) -> dict[str, Any]:
        """Read the OA's profile. Refreshing rotates the refresh token, so without a durable
        token store it only checks the configuration instead of losing the token."""
        self._secret(self.config.secret_key)
        self._current_refresh_token()
        have_access = self._tokens.get(self.config.id, TOKEN_ACCESS)
        if isinstance(self._tokens, MemoryTokenStore) and not have_access:
            return {"ok": True, "name": None,
                    "note": "Đã đọc được khoá bí mật và refresh token; chưa gọi Zalo vì chưa có "
                            "kho lưu token bền vững (làm mới token sẽ làm mất token cũ)."}
        data = self._api("GET", "/v2.0/oa/getoa", what="đọc thông tin OA", may_act=False)
        return {"ok": True, "name": data.get("name"), "id": data.get("oa_id"),
                "followers": data.get("num_follower"),
                "token_expires_at": self._access[1].isoformat() if self._access else None}

def _first_number(data: Mapping[str, Any], keys: tuple[str, ...]) -> float | None:
    for key in keys:
        value = data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return float(value)
    return None


# --------------------------------------------------------------------------- connect
def pkce_pair() -> tuple[str, str]:
    """(code_verifier, code_challenge): 43-char verifier, S256 challenge, base64url unpadded."""
    verifier = base64.urlsafe_b64encode(pysecrets.token_bytes(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorization_url(oauth_base: str, app_id: str, redirect_uri: str, code_challenge: str,
                      state: str) -> str:
    """Where the OA admin approves the app (OAuth v4 permission page)."""
    query = urlencode({"app_id": app_id, "redirect_uri": redirect_uri,
                       "code_challenge": code_challenge, "state": state})
    return f"{oauth_base.rstrip('/')}/v4/oa/permission?{query}"


def exchange_code(oauth_base: str, app_id: str, secret_key: str, code: str, code_verifier: str,
                  session: requests.Session | None = None,
                  timeout: float = 20.0) -> dict[str, Any]:
    """First authorisation: code + verifier → access and refresh tokens (secrets!)."""
    http = HttpClient(timeout=timeout, logger=log, session=session,
                      secrets=[secret_key, code, code_verifier])
    what = "đổi mã cấp quyền Zalo lấy token"
    response = http.request(
        "POST", f"{oauth_base.rstrip('/')}/v4/oa/access_token", what=what, may_act=False,
        headers={"secret_key": secret_key},
        data={"app_id": app_id, "grant_type": "authorization_code", "code": code,
              "code_verifier": code_verifier})
    body = map_oauth_body(response, what=what, secrets=(secret_key, code, code_verifier))
    http.close()
    if not body.get("refresh_token"):
        raise AuthError("Zalo không trả refresh token; hãy cấp quyền lại.", reconnect=True)
    return body


def store_initial_tokens(tokens: TokenStore, endpoint_id: str, body: Mapping[str, Any],
                         now: datetime | None = None) -> None:
    """Persist the tokens from :func:`exchange_code` the same way a refresh does."""
    now = now or datetime.now(UTC)
    tokens.put(endpoint_id, TOKEN_REFRESH, str(body["refresh_token"]))
    try:
        expires_in = float(body.get("expires_in") or 90000)
    except (TypeError, ValueError):
        expires_in = 90000.0
    tokens.put(endpoint_id, TOKEN_ACCESS, str(body["access_token"]))
    tokens.put(endpoint_id, TOKEN_ACCESS_EXPIRES,
               (now + timedelta(seconds=expires_in)).isoformat())


__all__ = ["ZaloAdapter", "ZaloConfig", "authorization_url", "exchange_code", "map_zalo_body",
           "pkce_pair", "store_initial_tokens"]
