"""Re-planning an edited campaign: upsert by key, cancel what vanished, never touch sent."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from campaign.approval import approve
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.runtime import make_dispatcher
from schedules.models import CANCELLED, PENDING, SENT, Content, LogEntry, Post
from schedules.models import Campaign as CampaignRow
from tests.conftest import CAMPAIGN, write_campaign

NOW = datetime(2025, 4, 27, 0, 0, tzinfo=UTC)


def plan(ws, ledger, text=CAMPAIGN, now=NOW):
    campaign = load_campaign(write_campaign(ws, text), ws.directory, ws.media_dir)
    return apply_plan(ledger, build_plan(campaign, ws.directory), now=now)


def posts(ledger):
    with ledger.session() as s:
        return {p.key: p for p in s.scalars(select(Post))}


def test_replan_unchanged_is_a_no_op(ws, ledger):
    first = plan(ws, ledger)
    second = plan(ws, ledger)
    assert first.inserted == 52 and second.inserted == 0
    assert second.unchanged == 52 and second.updated == second.cancelled == 0


def test_edit_updates_future_posts_cancels_vanished_and_keeps_sent(ws, ledger):
    plan(ws, ledger)
    approve(ledger, "thu-nghiem", "Lãnh đạo")
    dispatcher = make_dispatcher(ws, ledger)
    # deliver the first morning (28/4 06:00 local): LED posts for that day part go out
    dispatcher.run_once(now=datetime(2025, 4, 27, 23, 0, tzinfo=UTC))
    before = posts(ledger)
    sent_keys = {k for k, p in before.items() if p.state == SENT}
    assert sent_keys and all("2025-04-28T06:00" in k for k in sent_keys)

    edited = (CAMPAIGN.replace("KHẨU HIỆU A", "KHẨU HIỆU A MỚI")
              .replace("""  - id: tin-b
    title: Tin B
    facebook: {text: Nội dung tin B trên Facebook.}
    led: {slogans: [KHẨU HIỆU B]}
""", """  - id: tin-b
    title: Tin B
    facebook: {text: Nội dung tin B trên Facebook.}
"""))
    result = plan(ws, ledger, edited, now=datetime(2025, 4, 27, 23, 0, tzinfo=UTC))
    after = posts(ledger)
    # sent posts are never touched, even though their message changed
    for key in sent_keys:
        assert after[key].state == SENT
        assert after[key].content_hash == before[key].content_hash
    # tin-b vanished from LED: its future LED posts are cancelled, not deleted
    vanished = [k for k in after if "/led-" in k and k.endswith("/tin-b") and k not in sent_keys]
    assert vanished and all(after[k].state == CANCELLED for k in vanished)
    assert result.cancelled == len(vanished)
    # tin-a's future LED posts carry the new slogan
    future_a = [p for k, p in after.items() if "/led-" in k and k.endswith("/tin-a") and k not in sent_keys]
    with ledger.session() as s:
        bodies = {c.hash: c.body for c in s.scalars(select(Content))}
    assert {bodies[p.content_hash]["slogans"][0] for p in future_a} == {"KHẨU HIỆU A MỚI"}
    assert all(p.state == PENDING for p in future_a)
    # content changed after approval: approval lapsed and nothing more goes out
    assert result.approval_lapsed
    with ledger.session() as s:
        assert not s.get(CampaignRow, "thu-nghiem").approved
        cancelled_logs = s.scalar(select(func.count()).select_from(LogEntry)
                                  .where(LogEntry.event == "cancelled"))
    assert cancelled_logs == len(vanished)
    summary = dispatcher.run_once(now=datetime(2025, 4, 28, 1, 0, tzinfo=UTC))
    assert summary.claimed == 0


def test_restoring_a_message_revives_its_cancelled_future_posts(ws, ledger):
    plan(ws, ledger)
    without_b = CAMPAIGN.replace("    led: {slogans: [KHẨU HIỆU B]}\n", "")
    plan(ws, ledger, without_b)
    assert posts(ledger)["thu-nghiem/led-tan-phong/2025-04-28T06:00/tin-b"].state == CANCELLED
    result = plan(ws, ledger)
    assert posts(ledger)["thu-nghiem/led-tan-phong/2025-04-28T06:00/tin-b"].state == PENDING
    assert result.updated == 12


def test_operator_cancel_survives_replanning_unless_reopened(ws, ledger):
    from schedules.operations import cancel

    plan(ws, ledger)
    key = "thu-nghiem/fb-trung-tam/2025-04-29T08:00/tin-b"
    post_id = posts(ledger)[key].id
    cancel(ledger, "Nguyễn Văn A", post_id=post_id, reason="Phường mất điện", now=NOW)
    edited = CAMPAIGN.replace("Nội dung tin B trên Facebook.", "Nội dung tin B đã sửa.")
    result = plan(ws, ledger, edited)
    assert posts(ledger)[key].state == CANCELLED
    assert result.kept_cancelled == 1
    again = plan(ws, ledger, edited)  # unchanged content: still cancelled
    assert posts(ledger)[key].state == CANCELLED and again.kept_cancelled == 1
    campaign = load_campaign(write_campaign(ws, edited), ws.directory, ws.media_dir)
    reopened = apply_plan(ledger, build_plan(campaign, ws.directory), now=NOW, reopen=True,
                          actor="Trần Thị B")
    assert reopened.reopened == 1 and posts(ledger)[key].state == PENDING
    with ledger.session() as s:
        entry = s.scalars(select(LogEntry).where(LogEntry.post_id == post_id)
                          .order_by(LogEntry.id.desc())).first()
    assert entry.event == "planned" and entry.detail["reopened"] is True
    assert entry.actor == "Trần Thị B"
