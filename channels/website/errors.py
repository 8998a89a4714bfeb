"""The one place where website platforms' answers become data or typed errors.

WordPress answers errors with an HTTP status and ``{"code", "message", "data": {"status"}}``;
NukeViet's ``api.php`` answers HTTP 200 with ``{"status": "error", "code": "00NN", "message"}``.
Both publish without an idempotency key, so a call that may have published (``publishing``)
and got no readable answer is an unknown outcome, never something to retry by itself.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Any

import requests

from channels.base import (
    AuthError,
    ChannelError,
    ConfigError,
    PermanentError,
    PermissionDeniedError,
    RateLimitError,
    TransientError,
    UnknownOutcomeError,
)
from channels.http import json_body
from channels.secrets import redact

DEFAULT_RETRY = 60.0


def retry_after(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` as seconds: a number or an HTTP date (RFC 9110)."""
    raw = (headers.get("Retry-After") or "").strip()
    if not raw:
        return None
    try:
        return max(float(raw), 1.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 1.0)


# --------------------------------------------------------------------------- WordPress
WP_PERMISSION_CODES = frozenset({"rest_cannot_create", "rest_cannot_publish",
                                 "rest_cannot_assign_term", "rest_cannot_edit_others",
                                 "rest_cannot_create_terms", "rest_forbidden",
                                 "rest_upload_user_quota_exceeded"})


def map_wordpress(response: requests.Response, *, what: str, publishing: bool,
                  secrets: tuple[str, ...] = ()) -> Any:
    """A WordPress REST answer → its JSON body, or the typed error it means.

    401: the Application Password was refused (AuthError). 403: logged in, but the user lacks
    a capability (PermissionDeniedError). 429/503: slow down (Retry-After honoured). Other 5xx:
    transient for reads and uploads, unknown for the call that publishes. Other 4xx: permanent,
    with WordPress's own ``code`` and ``message``.
    """
    status = response.status_code
    body = json_body(response)
    if 200 <= status < 300 and body is not None:
        return body
    code = body.get("code") if isinstance(body, dict) else None
    message = redact(str(body.get("message", "")), secrets) if isinstance(body, dict) else None
    common: dict[str, Any] = {"code": code, "http_status": status, "platform_message": message}
    hint = retry_after(response.headers)
    if status == 401:
        return _raise(AuthError(
            f"WordPress từ chối đăng nhập (HTTP 401{f', {code}' if code else ''}) khi {what}. "
            "Kiểm tra tên người dùng và mật khẩu ứng dụng (Application Password) trong .env.",
            reconnect=True, **common))
    if status == 403:
        return _raise(PermissionDeniedError(
            f"Tài khoản WordPress không đủ quyền (HTTP 403{f', {code}' if code else ''}) khi "
            f"{what}. Cần vai trò Biên tập viên hoặc Tác giả có quyền đăng bài và tải tệp.",
            **common))
    if status in (429, 503):
        wait = hint or DEFAULT_RETRY
        return _raise(RateLimitError(
            f"Trang web yêu cầu giảm tốc độ (HTTP {status}) khi {what}; thử lại sau "
            f"{int(wait)} giây.", retry_after=wait, **common))
    if status == 404 and code in (None, "rest_no_route"):
        return _raise(ConfigError(
            f"Không tìm thấy REST API của WordPress (HTTP 404) khi {what}. Kiểm tra địa chỉ "
            "trang (url) và việc bật REST API / đường dẫn tĩnh (permalink).", **common))
    if status >= 500 or 200 <= status < 300:
        if publishing:
            return _raise(UnknownOutcomeError(
                f"WordPress trả lời không đọc được (HTTP {status}) khi {what}; bài có thể đã "
                "được đăng. Hãy kiểm tra trang rồi xác nhận.", **common))
        return _raise(TransientError(
            f"Máy chủ trang web tạm lỗi (HTTP {status}) khi {what}; sẽ thử lại.",
            retry_after=hint, **common))
    if code in WP_PERMISSION_CODES:
        return _raise(PermissionDeniedError(
            f"Tài khoản WordPress không đủ quyền ({code}) khi {what}: {message}", **common))
    return _raise(PermanentError(
        f"WordPress từ chối (HTTP {status}{f', {code}' if code else ''}) khi {what}: "
        f"{message or 'không có lời giải thích'}", **common))


def _raise(exc: ChannelError) -> Any:
    raise exc


# --------------------------------------------------------------------------- NukeViet
NV_AUTH = {"0013": "không tìm thấy khoá API", "0014": "sai mã bí mật",
           "0019": "địa chỉ IP của máy chủ chiến dịch chưa được cho phép"}
NV_CONFIG = {"0011": "Remote API đang tắt (Cấu hình → Cấu hình chung → bật Remote API)",
             "0015": "thiếu tên lệnh (action)", "0016": "ngôn ngữ chưa được cấp quyền API",
             "0017": "sai ngôn ngữ dữ liệu (language)",
             "0018": "trang đa ngôn ngữ: cần khai báo language",
             "0020": "lệch giờ giữa máy này và máy chủ quá 5 giây (đồng bộ giờ NTP)"}
NV_PERMISSION = {"0004": "lệnh API không có hoặc chưa được cấp quyền",
                 "0005": "module không có hoặc chưa được cấp quyền API",
                 "0009": "tài khoản quản trị không quản lý module này",
                 "0010": "cấp quản trị không đủ để gọi lệnh này"}


def map_nukeviet(response: requests.Response, *, what: str, publishing: bool,
                 secrets: tuple[str, ...] = ()) -> dict[str, Any]:
    """A NukeViet ``api.php`` answer → its JSON body, or the typed error it means.

    NukeViet checks the credential (0013/0014/0019/0020) before it looks at the action, so those
    codes prove nothing was published. ``0012`` is a database fault during that check.
    """
    status = response.status_code
    body = json_body(response)
    if status in (429, 503):
        wait = retry_after(response.headers) or DEFAULT_RETRY
        raise RateLimitError(f"Cổng thông tin yêu cầu giảm tốc độ (HTTP {status}) khi {what}.",
                             retry_after=wait, http_status=status)
    if not isinstance(body, dict) or "status" not in body:
        if publishing and (status >= 500 or 200 <= status < 300):
            raise UnknownOutcomeError(
                f"Cổng thông tin trả lời không đọc được (HTTP {status}) khi {what}; bài có thể "
                "đã được đăng. Hãy kiểm tra cổng rồi xác nhận.", http_status=status)
        if status >= 500 or 200 <= status < 300:
            raise TransientError(f"Cổng thông tin tạm lỗi (HTTP {status}) khi {what}.",
                                 http_status=status, retry_after=retry_after(response.headers))
        if status == 404:
            raise ConfigError(f"Không tìm thấy api.php (HTTP 404) khi {what}. Kiểm tra url.",
                              http_status=status)
        raise PermanentError(f"Cổng thông tin từ chối (HTTP {status}) khi {what}.",
                             http_status=status)
    if body.get("status") == "success":
        return body
    code = str(body.get("code") or "0000")
    message = redact(str(body.get("message") or ""), secrets)
    common: dict[str, Any] = {"code": code, "http_status": status, "platform_message": message}
    if code in NV_AUTH:
        raise AuthError(f"NukeViet từ chối xác thực (mã {code}: {NV_AUTH[code]}) khi {what}. "
                        "Kiểm tra apikey/apisecret trong Quản trị → Quyền truy cập API.",
                        reconnect=True, **common)
    if code in NV_CONFIG:
        raise ConfigError(f"NukeViet: {NV_CONFIG[code]} (mã {code}) khi {what}.", **common)
    if code in NV_PERMISSION:
        raise PermissionDeniedError(f"NukeViet: {NV_PERMISSION[code]} (mã {code}) khi {what}.",
                                    **common)
    if code == "0012":
        raise TransientError(f"NukeViet báo lỗi hệ thống (mã 0012) khi {what}; sẽ thử lại.",
                             **common)
    raise PermanentError(f"NukeViet từ chối bài (mã {code}) khi {what}: "
                         f"{message or 'không có lời giải thích'}", **common)
