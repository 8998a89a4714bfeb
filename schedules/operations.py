"""What people do to posts after planning: approve, resolve, retry, cancel, confirm a broadcast.

Every operation is a compare-and-set on the post's state plus one log entry, in one
transaction, so two operators clicking at once cannot both win.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from schedules.ledger import Ledger, log
from schedules.models import (
    CANCELLED,
    CLAIMED,
    EXPIRED,
    FAILED,
    OPEN_STATES,
    PENDING,
    SENT,
    UNCONFIRMED,
    Post,
    rowcount,
    utcnow,
)
from schedules.models import Campaign as CampaignRow

CONFIRMATIONS = ("received", "played", "not_played")


class OperationError(Exception):
    """The post is not in a state that allows this; ``message`` is Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Changed:
    count: int
    post_ids: list[int]


def _post(session: Session, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise OperationError(f"Không có bài #{post_id}.")
    return post


def resolve(ledger: Ledger, post_id: int, outcome: Literal["sent", "resend"], actor: str,
            *, note: str = "", now: datetime | None = None,
            detail: dict[str, Any] | None = None) -> str:
    """Settle an unconfirmed post after a person checked the platform.

    ``sent``: it did go out (the operator saw it on the page). ``resend``: it did not; queue it
    again now. Only a person may decide this for public posting channels.
    """
    now = now or utcnow()
    with ledger.session() as session:
        post = _post(session, post_id)
        if post.state != UNCONFIRMED:
            raise OperationError(f"Bài #{post_id} đang ở trạng thái '{post.state}', chỉ xử lý "
                                 "được bài 'chưa rõ kết quả' (unconfirmed).")
        state = SENT if outcome == "sent" else PENDING
        values: dict[str, Any] = {"state": state, "updated_at": now}
        if state == PENDING:
            values["available_at"] = now
            if post.expires_at is not None and post.expires_at <= now:
                values.pop("available_at")
                values["state"] = state = EXPIRED
        done = session.execute(update(Post).where(Post.id == post_id,
                                                  Post.state == UNCONFIRMED).values(**values))
        if not rowcount(done):
            raise OperationError(f"Bài #{post_id} vừa được người khác xử lý.")
        log(session, "resolved", campaign_id=post.campaign_id, post_id=post_id,
            endpoint_id=post.endpoint_id, actor=actor, at=now,
            detail={**(detail or {}), "outcome": outcome, "note": note, "state": state})
    return state


def retry_failed(ledger: Ledger, actor: str, *, campaign_id: str | None = None,
                 post_ids: list[int] | None = None, now: datetime | None = None,
                 detail: dict[str, Any] | None = None) -> Changed:
    """Queue failed posts again (after an operator fixed a token or a setting)."""
    now = now or utcnow()
    stmt = select(Post.id, Post.campaign_id, Post.endpoint_id, Post.expires_at).where(
        Post.state == FAILED)
    if campaign_id:
        stmt = stmt.where(Post.campaign_id == campaign_id)
    if post_ids is not None:
        stmt = stmt.where(Post.id.in_(post_ids))
    changed: list[int] = []
    with ledger.session() as session:
        for row in session.execute(stmt).all():
            late = row.expires_at is not None and row.expires_at <= now
            state = EXPIRED if late else PENDING
            done = session.execute(update(Post).where(Post.id == row.id, Post.state == FAILED)
                                   .values(state=state, available_at=now, attempts=0,
                                           updated_at=now))
            if rowcount(done):
                changed.append(row.id)
                log(session, "expired" if late else "retry", campaign_id=row.campaign_id,
                    post_id=row.id, endpoint_id=row.endpoint_id, actor=actor, at=now,
                    detail={**(detail or {}), "reason": "operator_retry"})
    return Changed(len(changed), changed)


def cancel(ledger: Ledger, actor: str, *, post_id: int | None = None,
           campaign_id: str | None = None, reason: str = "",
           now: datetime | None = None, detail: dict[str, Any] | None = None) -> Changed:
    """Cancel one post or every open post of a campaign. Sent posts are never touched."""
    if (post_id is None) == (campaign_id is None):
        raise OperationError("Chọn một bài (POST) hoặc một chiến dịch (--campaign).")
    now = now or utcnow()
    stmt = select(Post.id, Post.campaign_id, Post.endpoint_id, Post.state)
    stmt = stmt.where(Post.id == post_id) if post_id is not None else \
        stmt.where(Post.campaign_id == campaign_id, Post.state.in_(OPEN_STATES))
    changed: list[int] = []
    with ledger.session() as session:
        rows = session.execute(stmt).all()
        if post_id is not None and not rows:
            raise OperationError(f"Không có bài #{post_id}.")
        for row in rows:
            if row.state not in (*OPEN_STATES, UNCONFIRMED, FAILED):
                raise OperationError(f"Bài #{row.id} đang '{row.state}': không huỷ được.")
            done = session.execute(update(Post).where(Post.id == row.id,
                                                      Post.state == row.state)
                                   .values(state=CANCELLED, updated_at=now))
            if rowcount(done):
                changed.append(row.id)
                log(session, "cancelled", campaign_id=row.campaign_id, post_id=row.id,
                    endpoint_id=row.endpoint_id, actor=actor, at=now,
                    detail={**(detail or {}), "reason": reason or "operator"})
    return Changed(len(changed), changed)


def record_confirmation(ledger: Ledger, post_id: int, action: str, actor: str, *,
                        detail: dict[str, Any] | None = None,
                        now: datetime | None = None) -> bool:
    """Evidence from a person or a player: received, played or not_played.

    "played" is only ever recorded from such evidence, never from the clock. A later
    confirmation replaces an earlier one on the post (received → played), and every press is
    logged. Returns False when the post does not exist.
    """
    if action not in CONFIRMATIONS:
        raise OperationError(f"Xác nhận '{action}' không hợp lệ.")
    now = now or utcnow()
    with ledger.session() as session:
        post = session.get(Post, post_id)
        if post is None:
            return False
        rank = {None: 0, "received": 1, "played": 2, "not_played": 2}
        if rank[action] >= rank.get(post.confirmation, 0):
            post.confirmation = action
            post.updated_at = now
        log(session, action, campaign_id=post.campaign_id, post_id=post_id,
            endpoint_id=post.endpoint_id, actor=actor, at=now, detail=dict(detail or {}))
    return True


# --------------------------------------------------------------------------- ward-staff bot
def record_refusal(ledger: Ledger, actor: str, detail: dict[str, Any], *,
                   post_id: int | None = None, campaign_id: str | None = None,
                   endpoint_id: str | None = None, now: datetime | None = None) -> None:
    """A press or command the bot refused (unregistered chat or user, foreign post, …).

    Logged so an operator can see who tried what; nothing about the post changes.
    """
    with ledger.session() as session:
        log(session, "refused", campaign_id=campaign_id, post_id=post_id,
            endpoint_id=endpoint_id, actor=actor, at=now or utcnow(), detail=dict(detail))


@dataclass(frozen=True)
class ReminderSent:
    """A reminder Telegram accepted, to be logged so it is never sent again."""

    post_id: int
    campaign_id: str
    endpoint_id: str
    detail: dict[str, Any]


def record_reminders(ledger: Ledger, sent: list[ReminderSent], *, actor: str = "bot",
                     now: datetime | None = None) -> None:
    """Log reminders that went out as ``reminded`` (one transaction)."""
    if not sent:
        return
    now = now or utcnow()
    with ledger.session() as session:
        for item in sent:
            log(session, "reminded", campaign_id=item.campaign_id, post_id=item.post_id,
                endpoint_id=item.endpoint_id, actor=actor, at=now, detail=dict(item.detail))


# --------------------------------------------------------------------------- evidence
EVIDENCE = ("hung", "published")
"""Evidence a person sends back through the bot: ``hung`` (a photo of the printed product up,
stored content-addressed), ``published`` (the portal editor's article URL)."""


def record_evidence(ledger: Ledger, post_id: int, kind: str, actor: str, *,
                    detail: dict[str, Any], now: datetime | None = None) -> bool:
    """Log proof that a printed product was hung or an article published, and mark the post.

    Every piece is logged (several photos of one banner are all kept); the post's
    confirmation becomes ``kind``. Only posts that went out (sent, unconfirmed or mid-delivery)
    take evidence. Returns False when the post does not exist.
    """
    if kind not in EVIDENCE:
        raise OperationError(f"Bằng chứng '{kind}' không hợp lệ.")
    now = now or utcnow()
    with ledger.session() as session:
        post = session.get(Post, post_id)
        if post is None:
            return False
        if post.state not in (SENT, UNCONFIRMED, CLAIMED):
            raise OperationError(f"Bài #{post_id} đang '{post.state}': chưa nhận bằng chứng được.")
        post.confirmation = kind
        post.updated_at = now
        log(session, kind, campaign_id=post.campaign_id, post_id=post_id,
            endpoint_id=post.endpoint_id, actor=actor, at=now, detail=dict(detail))
    return True


# --------------------------------------------------------------------------- approval
@dataclass(frozen=True)
class Approved:
    """The definition an approval now covers; ``already`` when it was approved before."""

    definition_hash: str
    already: bool


def approve_campaign(ledger: Ledger, campaign_id: str, actor: str, *,
                     vet: Callable[[CampaignRow], None] | None = None,
                     now: datetime | None = None,
                     detail: dict[str, Any] | None = None) -> Approved | None:
    """Approve the campaign's current definition; None when the ledger has no such campaign.

    ``vet`` sees the row inside the transaction before anything is written and may raise to
    refuse (the campaign layer refuses a period that is already over, in Vietnamese).
    ``detail`` is added to the log entry (how it was approved: web page, Telegram).
    """
    now = now or utcnow()
    with ledger.session() as session:
        row = session.get(CampaignRow, campaign_id)
        if row is None:
            return None
        if row.approved:
            return Approved(row.definition_hash, True)
        if vet is not None:
            vet(row)
        row.approved_hash = row.definition_hash
        row.approved_definition = row.definition
        row.approved_by = actor
        row.approved_at = now
        log(session, "approved", campaign_id=campaign_id, actor=actor, at=now,
            detail={"definition_hash": row.definition_hash, **(detail or {})})
        return Approved(row.definition_hash, False)


def revoke_approval(ledger: Ledger, campaign_id: str, actor: str, reason: str = "", *,
                    now: datetime | None = None, detail: dict[str, Any] | None = None) -> bool:
    """Withdraw an approval, logged as ``revoked``; False when there is no such campaign.

    Queued posts stop going out until someone approves again; nothing is lost.
    """
    with ledger.session() as session:
        row = session.get(CampaignRow, campaign_id)
        if row is None:
            return False
        row.approved_hash = None
        log(session, "revoked", campaign_id=campaign_id, actor=actor, at=now or utcnow(),
            detail={**(detail or {}), "reason": reason})
    return True


# --------------------------------------------------------------------------- ward reports
WARD_REPORT_VIAS = ("telegram", "web")
MAX_WARD_COUNT = 1_000_000
"""Bigger counts are typing mistakes (a whole province has fewer people at one meeting)."""


@dataclass(frozen=True)
class WardReportEntry:
    """One report of what a ward did, as its staff gave it (already checked for its unit).

    ``corrects`` names the entry this one replaces; the replaced row stays as it was.
    """

    campaign_id: str
    unit_id: str
    kind: str
    day: date
    times: int
    participants: int | None
    note: str
    photos: tuple[str, ...]
    reporter: str
    via: str
    telegram_user: int | None = None
    telegram_chat: str | None = None
    web_user: str | None = None
    corrects: int | None = None


def record_ward_report(ledger: Ledger, entry: WardReportEntry, *,
                       now: datetime | None = None) -> int:
    """Append a ward's report (or its correction) and return its id.

    A correction must name an entry of the same campaign and unit that nobody corrected yet,
    so two people correcting at once cannot fork the story (the second is told to reload).
    """
    from schedules.models import ACTIVITY_KINDS, Campaign, WardReport

    if entry.kind not in ACTIVITY_KINDS:
        raise OperationError(f"Loại hoạt động '{entry.kind}' không hợp lệ.")
    if entry.via not in WARD_REPORT_VIAS:
        raise OperationError(f"Nguồn báo cáo '{entry.via}' không hợp lệ.")
    if not 0 <= entry.times <= MAX_WARD_COUNT:
        raise OperationError(f"Số lượng {entry.times} không hợp lệ (0 đến {MAX_WARD_COUNT}).")
    if entry.participants is not None and not 0 <= entry.participants <= MAX_WARD_COUNT:
        raise OperationError(f"Số người {entry.participants} không hợp lệ.")
    now = now or utcnow()
    with ledger.session() as session:
        if session.get(Campaign, entry.campaign_id) is None:
            raise OperationError(f"Không có chiến dịch '{entry.campaign_id}'.")
        if entry.corrects is not None:
            old = session.get(WardReport, entry.corrects)
            if old is None or old.campaign_id != entry.campaign_id \
                    or old.unit_id != entry.unit_id:
                raise OperationError(f"Không có báo cáo #{entry.corrects} của đơn vị này.")
            newer = session.scalar(select(WardReport.id)
                                   .where(WardReport.corrects == entry.corrects).limit(1))
            if newer is not None:
                raise OperationError(f"Báo cáo #{entry.corrects} đã được sửa (thành "
                                     f"#{newer}); hãy sửa bản mới nhất.")
        row = WardReport(
            campaign_id=entry.campaign_id, unit_id=entry.unit_id, kind=entry.kind,
            day=entry.day, times=entry.times, participants=entry.participants,
            note=entry.note.strip()[:2000], photos=list(entry.photos), reporter=entry.reporter,
            telegram_user=entry.telegram_user, telegram_chat=entry.telegram_chat,
            web_user=entry.web_user, via=entry.via, created_at=now, corrects=entry.corrects)
        session.add(row)
        session.flush()
        return row.id


@dataclass(frozen=True)
class ReportReminderSent:
    """A "your results report is due" message Telegram accepted for a ward."""

    campaign_id: str
    unit_id: str
    day: str
    """The local day it was sent for (one reminder per unit, campaign and day)."""
    chat_id: str
    message_id: int


def record_report_reminders(ledger: Ledger, sent: list[ReportReminderSent], *,
                            actor: str = "bot", now: datetime | None = None) -> None:
    """Log report-due reminders as ``reminded`` with ``kind: report_due`` (one transaction)."""
    if not sent:
        return
    now = now or utcnow()
    with ledger.session() as session:
        for item in sent:
            log(session, "reminded", campaign_id=item.campaign_id, actor=actor, at=now,
                detail={"kind": "report_due", "unit": item.unit_id, "day": item.day,
                        "chat_id": item.chat_id, "message_id": item.message_id})


# --------------------------------------------------------------------------- approval review
REVIEW_DECISIONS = ("change_request", "rejected")


def record_review(ledger: Ledger, campaign_id: str, decision: str, actor: str, *,
                  comment: str, definition_hash: str, via: str = "web",
                  now: datetime | None = None) -> None:
    """A leader's answer other than approval: ask for changes or reject, with a comment.

    Nothing about the posts changes (they are not approved, so they do not go out); the entry
    is what operators read on the campaign page and what the log keeps. ``definition_hash``
    ties the comment to the content it was about, so a re-plan makes it historical.
    """
    if decision not in REVIEW_DECISIONS:
        raise OperationError(f"Ý kiến '{decision}' không hợp lệ.")
    if not comment.strip():
        raise OperationError("Hãy ghi rõ cần sửa gì (hoặc lý do không duyệt).")
    with ledger.session() as session:
        log(session, decision, campaign_id=campaign_id, actor=actor, at=now or utcnow(),
            detail={"comment": comment.strip()[:2000], "definition_hash": definition_hash,
                    "via": via})


def record_approval_reminders(ledger: Ledger, sent: list[tuple[str, str, dict[str, Any]]], *,
                              actor: str = "bot", now: datetime | None = None) -> None:
    """Log reminders about pending approvals, as (campaign id, definition hash, detail)."""
    if not sent:
        return
    now = now or utcnow()
    with ledger.session() as session:
        for campaign_id, definition_hash, detail in sent:
            log(session, "reminded", campaign_id=campaign_id, actor=actor, at=now,
                detail={"kind": "approval", "definition_hash": definition_hash, **detail})
