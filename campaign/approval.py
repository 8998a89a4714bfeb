"""Approval: nothing goes out until a leader approves exactly what was planned.

An approval is tied to the hash of the campaign definition. Re-planning with changed content
changes the hash, so the old approval no longer covers it and delivery stops until a new one.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from campaign.errors import InputError
from schedules import operations
from schedules.ledger import Ledger
from schedules.models import Campaign as CampaignRow
from schedules.models import utcnow


@dataclass
class ApprovalResult:
    campaign_id: str
    definition_hash: str
    already: bool


def local_today(timezone: str | None, now: datetime | None = None) -> date:
    """Today's date where the campaign runs (a period is written in local dates)."""
    try:
        zone = ZoneInfo(timezone or "Asia/Ho_Chi_Minh")
    except Exception:  # noqa: BLE001 - a bad zone was refused at check; fall back safely
        zone = ZoneInfo("Asia/Ho_Chi_Minh")
    return (now or utcnow()).astimezone(zone).date()


def past_period_warning(start: date, end: date, today: date) -> str | None:
    """A Vietnamese warning when some or all of the period is already over, else None."""
    if end < today:
        return (f"Thời gian chiến dịch {start:%d/%m/%Y}–{end:%d/%m/%Y} đã qua hết: mọi bài sẽ "
                "chuyển sang quá hạn, không bài nào được gửi. Cách sửa: sửa period cho đúng "
                "thời gian tuyên truyền.")
    if start < today:
        return (f"Chiến dịch bắt đầu {start:%d/%m/%Y}, trước hôm nay {today:%d/%m/%Y}: các bài "
                "của những ngày đã qua sẽ quá hạn, không gửi muộn.")
    return None


def approve(ledger: Ledger, campaign_id: str, by: str, *, refuse_past: bool = False,
            now: datetime | None = None,
            expected_hash: str | None = None, detail: dict[str, Any] | None = None,
            ) -> ApprovalResult:
    """Approve the campaign's current definition on behalf of ``by``.

    With ``refuse_past`` (the CLI's default) a campaign whose whole period is over is refused:
    approving it would only turn every post into "expired" (usually a draft imported from an
    old document).

    ``expected_hash`` (a prefix is enough) is the definition the approver looked at (the web
    page, the Telegram preview): if the campaign was re-planned since, nothing is approved.
    """
    if not by or not by.strip():
        raise InputError.single("--by", "Phải ghi rõ người phê duyệt.",
                                fix='Thêm --by "Họ và tên người phê duyệt".')
    now = now or utcnow()

    def vet(row: CampaignRow) -> None:
        if expected_hash is not None and not row.definition_hash.startswith(expected_hash):
            raise _changed(campaign_id)
        today = local_today(row.timezone, now)
        if row.period_end is not None and row.period_end < today and refuse_past:
            raise InputError.single(
                campaign_id,
                f"Thời gian chiến dịch ({row.period_start:%d/%m/%Y}–{row.period_end:%d/%m/%Y}) "
                "đã qua hết: duyệt thì mọi bài chỉ chuyển sang quá hạn.",
                fix="Sửa period trong tệp chiến dịch rồi lập lịch lại (campaign plan), hoặc "
                    "thêm --allow-past nếu thật sự muốn duyệt.")

    done = operations.approve_campaign(ledger, campaign_id, by.strip(), vet=vet, now=now,
                                       detail=detail)
    if done is None:
        raise InputError.single(
            campaign_id, f"Chưa có chiến dịch '{campaign_id}' trong sổ.",
            fix="Lập lịch trước bằng lệnh: campaign plan campaigns/TEN_TEP.yaml")
    if expected_hash is not None and not done.definition_hash.startswith(expected_hash):
        raise _changed(campaign_id)  # already approved, but not what this approver saw
    return ApprovalResult(campaign_id, done.definition_hash, done.already)


def _changed(campaign_id: str) -> InputError:
    return InputError.single(
        campaign_id, "Nội dung chiến dịch đã thay đổi sau khi bản xem trước được gửi; "
        "chưa phê duyệt.", fix="Mở lại trang phê duyệt để xem bản mới nhất.")


def revoke(ledger: Ledger, campaign_id: str, by: str, reason: str = "", *,
           now: datetime | None = None, detail: dict[str, Any] | None = None) -> None:
    """Withdraw an approval: queued posts stop going out until someone approves again.

    Unlike cancelling, nothing is lost: approving again releases the same posts.
    """
    if not operations.revoke_approval(ledger, campaign_id, by, reason, now=now, detail=detail):
        raise InputError.single(campaign_id, f"Chưa có chiến dịch '{campaign_id}' trong sổ.")


def pending_diff(ledger: Ledger, campaign_id: str) -> list[str]:
    """Lines changed since the last approved definition (what the leader must look at)."""
    with ledger.session() as session:
        row = session.get(CampaignRow, campaign_id)
        if row is None:
            return []
        old = json.dumps(row.approved_definition or {}, ensure_ascii=False, indent=2,
                         sort_keys=True).splitlines()
        new = json.dumps(row.definition, ensure_ascii=False, indent=2,
                         sort_keys=True).splitlines()
    return list(difflib.unified_diff(old, new, "đã duyệt", "hiện tại", lineterm="", n=1))
