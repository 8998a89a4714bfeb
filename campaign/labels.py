"""The words people see for the ledger's channel names, in one place.

The CLI (plan, status, log), the report and the dashboard all say the same thing for a channel;
an unknown channel is shown as it is stored rather than hidden.
"""

from __future__ import annotations

import json
from typing import Any

CHANNEL_LABEL = {"facebook": "Facebook", "zalo": "Zalo", "led": "Bảng LED",
                 "loudspeaker": "Loa truyền thanh", "telegram": "Telegram"}
CHANNEL_ORDER = ("facebook", "zalo", "led", "loudspeaker")
"""The order channels are listed in: public pages first, then the street."""


def channel_label(channel: str | None) -> str:
    """Vietnamese name of a channel ('' for none, the stored name for an unknown one)."""
    return CHANNEL_LABEL.get(channel or "", channel or "")


def channel_sort_key(channel: str) -> tuple[int, str]:
    """Sort key putting channels in :data:`CHANNEL_ORDER`, unknown ones last by name."""
    return (CHANNEL_ORDER.index(channel) if channel in CHANNEL_ORDER else len(CHANNEL_ORDER),
            channel)


ERROR_KIND_LABEL = {"auth": "lỗi xác thực", "rate_limit": "bị giới hạn tần suất",
                    "transient": "lỗi tạm thời", "permanent": "bị từ chối",
                    "unknown": "chưa rõ kết quả", "config": "lỗi cấu hình"}
EVIDENCE_LABEL = {"posted": "đã đăng", "written": "đã ghi vào thư mục", "pushed": "đã đẩy lên",
                  "streamed": "đã phát trực tuyến", "messaged": "đã nhắn"}
REASON_LABEL = {"lease_expired": "máy gửi dừng giữa chừng", "shutdown": "máy gửi tắt",
                "endpoint_paused": "điểm nhận đang tạm dừng",
                "operator_retry": "người vận hành cho gửi lại", "operator": "người vận hành"}
_DETAIL_LABEL = {"error": "Loại lỗi", "code": "Mã lỗi", "subcode": "Mã phụ",
                 "http_status": "HTTP", "platform_message": "Nền tảng báo",
                 "trace_id": "Mã truy vết", "evidence": "Kết quả",
                 "external_id": "Mã trên nền tảng", "duration_ms": "Thời gian xử lý",
                 "retry_at": "Gửi lại lúc", "expires_at": "Hết hạn lúc", "reason": "Lý do",
                 "previous_owner": "Máy gửi trước", "notify": "Thông báo người quan tâm",
                 "gave_up": "Đã thôi gửi lại", "reconnect": "Cần kết nối lại"}


def detail_text(detail: dict[str, Any] | None, fmt_instant: Any = None) -> str:
    """A log row's detail as one Vietnamese sentence-like line instead of raw JSON.

    ``message`` (already Vietnamese) comes first; known keys get their Vietnamese name and
    value; unknown keys are kept as ``key: value`` so nothing recorded is hidden.
    ``fmt_instant`` turns an ISO instant into local time for people.
    """
    if not detail:
        return ""
    parts: list[str] = []
    if detail.get("message"):
        parts.append(str(detail["message"]).rstrip("."))
    for key, value in detail.items():
        if key == "message" or value is None or value == "":
            continue
        label = _DETAIL_LABEL.get(key, key)
        if key == "error":
            text = ERROR_KIND_LABEL.get(str(value), str(value))
        elif key == "evidence":
            text = EVIDENCE_LABEL.get(str(value), str(value))
        elif key == "reason":
            text = REASON_LABEL.get(str(value), str(value))
        elif key == "duration_ms" and isinstance(value, int | float):
            text = f"{value / 1000:.1f}".replace(".", ",") + " giây"
        elif key in ("retry_at", "expires_at") and fmt_instant is not None:
            text = str(fmt_instant(value))
        elif isinstance(value, bool):
            text = "có" if value else "không"
        elif isinstance(value, dict | list):
            text = json.dumps(value, ensure_ascii=False)
        else:
            text = str(value)
        parts.append(f"{label}: {text}")
    return "; ".join(parts)
