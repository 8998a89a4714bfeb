"""The delivery log as sentences a manager reads: what happened, why, the evidence as a link,
who did it by name. The raw detail stays one click away for the technician.

Pure functions over one row of :func:`campaign.queries.log_page` (or a post's history).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any

REASONS = {
    "operator_retry": "Cán bộ yêu cầu gửi lại",
    "lease_expired": "Máy chủ gửi bài dừng giữa chừng, bài được xếp lại",
    "endpoint_paused": "Điểm nhận đang tạm dừng do nền tảng yêu cầu gửi chậm lại",
    "replanned": "Kế hoạch đã sửa, bài không còn trong lịch",
    "operator": "Cán bộ huỷ bài",
    "unknown_chat": "Nhóm Telegram chưa đăng ký",
    "unknown_user": "Người bấm chưa được đăng ký cho đài này",
    "unknown_approver": "Người bấm không phải người phê duyệt đã đăng ký",
    "stale": "Nút phê duyệt của bản nội dung cũ",
    "malformed": "Nút không hợp lệ",
    "unknown_post": "Không tìm thấy bài",
    "wrong_chat": "Bài không thuộc đài của nhóm này",
    "not_sent": "Bài chưa được gửi hoặc đã huỷ",
    "shutdown": "Máy chủ gửi bài dừng, bài được xếp lại",
    "preempted": "Tin khẩn cấp chen ngang, bài được xếp lại",
    "lease_lost": "Máy khác đã nhận bài này",
}
EVIDENCE = {"posted": "bài đã lên trang", "pushed": "nền tảng/thiết bị đã nhận",
            "written": "đã ghi tệp vào thư mục", "sent": "đã gửi tới người nhận",
            "streamed": "đã phát lên luồng âm thanh"}
ERRORS = {"config": "cấu hình sai hoặc thiếu", "auth": "mã truy cập hết hạn hoặc bị từ chối",
          "rate_limit": "nền tảng yêu cầu gửi chậm lại", "transient": "lỗi mạng tạm thời",
          "unknown": "không rõ kết quả", "permanent": "nền tảng từ chối bài",
          "permission": "tài khoản thiếu quyền"}
CONFIRM = {"received": "đã nhận bài", "played": "đã phát", "not_played": "không phát được"}
WORKER = re.compile(r"[\w.-]+:\d+")
TELEGRAM = re.compile(r"telegram:(\d+)\s*(.*)")


@dataclass(frozen=True)
class Evidence:
    label: str
    url: str | None = None


@dataclass(frozen=True)
class Described:
    sentence: str
    evidence: Evidence | None
    actor: str


def _when(value: Any, local: Callable[[datetime], str]) -> str:
    try:
        return local(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def evidence(row: dict[str, Any]) -> Evidence | None:
    """The proof of a delivery as a link: the post's URL, its audio, its LED frame."""
    detail = row.get("detail") or {}
    external = str(detail.get("external_id") or "")
    channel, pid = row.get("channel"), row.get("post_id")
    if external.startswith(("http://", "https://")):
        return Evidence("Xem bài đã đăng", external)
    if channel == "facebook" and external:
        return Evidence("Xem bài trên Facebook", f"https://www.facebook.com/{external}")
    if channel == "loudspeaker" and pid:
        return Evidence("Nghe âm thanh đã gửi", f"/posts/{pid}/audio")
    if channel == "led" and pid:
        return Evidence("Xem khung hình LED", f"/posts/{pid}/led/0.png")
    if external:
        name = PurePath(external).name if "/" in external else external
        return Evidence(f"Mã trên nền tảng: {name}")
    return None


def sentence(row: dict[str, Any], local: Callable[[datetime], str]) -> str:
    """One Vietnamese sentence for a log row."""
    event, d = row.get("event"), row.get("detail") or {}
    reason = REASONS.get(str(d.get("reason", "")), d.get("reason"))
    error = ERRORS.get(str(d.get("error", "")), "")
    message = str(d.get("platform_message") or d.get("message") or "").strip()
    why = f"{error}{': ' if error and message else ''}{message}" if error or message else ""
    via = " qua Telegram" if d.get("via") == "telegram" else ""
    if event == "planned":
        return "Đã lập lịch bài."
    if event == "approved":
        if d.get("revoked"):
            return f"Rút lại phê duyệt{': ' + str(d.get('reason')) if d.get('reason') else ''}."
        return f"Phê duyệt nội dung{via} (mã {str(d.get('definition_hash', ''))[:12]})."
    if event in ("change_request", "rejected"):
        head = "Yêu cầu sửa" if event == "change_request" else "Không duyệt"
        return f"{head}{via}: «{d.get('comment', '')}»"
    if event == "claimed":
        return "Máy chủ nhận bài để gửi."
    if event == "sent":
        seconds = d.get("duration_ms")
        took = f" (mất {seconds / 1000:.1f} giây)" if isinstance(seconds, int | float) else ""
        return f"Đã gửi: {EVIDENCE.get(str(d.get('evidence')), 'nền tảng đã nhận')}{took}."
    if event == "failed":
        return f"Gửi lỗi — {why or 'không rõ nguyên nhân'}."
    if event == "retry":
        if reason:
            return f"{reason}."
        at = f" lúc {_when(d['retry_at'], local)}" if d.get("retry_at") else ""
        return f"Sẽ thử gửi lại{at}{' — ' + why if why else ''}."
    if event == "unconfirmed":
        return ("Không rõ bài đã lên hay chưa" + (f" ({why})" if why else "")
                + "; cần người kiểm tra trên trang rồi xác nhận.")
    if event == "resolved":
        head = "Cán bộ xác nhận bài đã lên trang" if d.get("outcome") == "sent" \
            else "Cán bộ kiểm tra thấy bài chưa lên, cho gửi lại"
        return f"{head}{': ' + str(d['note']) if d.get('note') else ''}."
    if event in CONFIRM:
        button = " (bấm nút trên Telegram)" if d.get("via") == "telegram" else ""
        return f"Cán bộ phường báo {CONFIRM[event]}{button}."
    if event == "cancelled":
        return f"Huỷ bài: {reason or 'không ghi lý do'}."
    if event == "expired":
        at = f" (hết hạn lúc {_when(d['expires_at'], local)})" if d.get("expires_at") else ""
        return f"Quá khung giờ gửi, bài không được gửi{at}."
    if event == "interrupted":
        return f"Việc gửi bị ngắt giữa chừng: {reason or 'không rõ lý do'}."
    if event == "refused":
        return f"Từ chối thao tác: {reason or 'không hợp lệ'}."
    if event == "reminded":
        kind = d.get("kind")
        if kind == "approval":
            return "Nhắc lãnh đạo phê duyệt qua Telegram."
        if kind == "before":
            return "Nhắc cán bộ phường xác nhận đã nhận bài trước buổi phát."
        if kind == "after":
            return "Nhắc cán bộ phường xác nhận đã phát sau buổi phát."
        return "Đã gửi lời nhắc."
    return f"{reason}." if reason else ""


def actor_name(actor: str | None, people: dict[str, str], telegram: dict[int, str]) -> str:
    """Who did it, as people know them: operators by full name, Telegram users by the name
    we registered (or the one Telegram gave), workers as "máy chủ gửi bài"."""
    if not actor:
        return ""
    if actor in people:
        return people[actor]
    match = TELEGRAM.fullmatch(actor)
    if match:
        known = telegram.get(int(match.group(1)))
        return f"{known or match.group(2) or 'Người dùng Telegram'} (Telegram)"
    if actor == "bot":
        return "Bot Telegram"
    if WORKER.fullmatch(actor):
        return f"Máy chủ gửi bài ({actor})"
    return actor


def describe(row: dict[str, Any], local: Callable[[datetime], str], people: dict[str, str],
             telegram: dict[int, str]) -> Described:
    shown = evidence(row) if row.get("event") == "sent" else None
    return Described(sentence(row, local), shown,
                     actor_name(row.get("actor"), people, telegram))
