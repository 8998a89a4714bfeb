"""Operator operations and pacing on a real ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from campaign.approval import approve
from campaign.cli import main
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.runtime import make_dispatcher
from schedules.models import CANCELLED, PENDING, RETRY, SENT, UNCONFIRMED, LogEntry, Post
from schedules.operations import OperationError, cancel, record_confirmation, resolve, retry_failed
from schedules.ratelimit import TokenBucket
from tests.conftest import write_campaign

EIGHT = datetime(2025, 4, 28, 1, 0, tzinfo=UTC)  # 28/4 08:00 local
FB_KEY = "thu-nghiem/fb-trung-tam/2025-04-28T08:00/tin-a"


@pytest.fixture
def planned(ws, ledger):
    campaign = load_campaign(write_campaign(ws), ws.directory, ws.media_dir)
    apply_plan(ledger, build_plan(campaign, ws.directory), now=datetime(2025, 4, 1, tzinfo=UTC))
    approve(ledger, campaign.id, "Lãnh đạo")
    return ledger


def post(ledger, key):
    with ledger.session() as s:
        return s.scalars(select(Post).where(Post.key == key)).one()


def set_state(ledger, key, state):
    with ledger.session() as s:
        s.scalars(select(Post).where(Post.key == key)).one().state = state


def test_resolve_sent_and_resend(planned, ws):
    set_state(planned, FB_KEY, UNCONFIRMED)
    pid = post(planned, FB_KEY).id
    assert resolve(planned, pid, "resend", "Cán bộ A", now=EIGHT) == PENDING
    with pytest.raises(OperationError, match="chưa rõ kết quả"):
        resolve(planned, pid, "sent", "Cán bộ A", now=EIGHT)
    assert make_dispatcher(ws, planned).run_once(now=EIGHT).counts[SENT] == 7
    set_state(planned, FB_KEY, UNCONFIRMED)
    result = CliRunner().invoke(main, ["resolve", str(pid), "--sent", "--by", "Cán bộ B",
                                       "-w", str(ws.root)])
    assert result.exit_code == 0 and "đã gửi" in result.output
    with planned.session() as s:
        entries = s.scalars(select(LogEntry).where(LogEntry.post_id == pid,
                                                   LogEntry.event == "resolved")).all()
    assert [(e.actor, e.detail["outcome"]) for e in entries] == [("Cán bộ A", "resend"),
                                                                 ("Cán bộ B", "sent")]


def test_retry_failed_requeues_or_expires(planned):
    with planned.session() as s:
        for p in s.scalars(select(Post).where(Post.channel == "facebook")):
            p.state = "failed"
    changed = retry_failed(planned, "Cán bộ A", campaign_id="thu-nghiem",
                           now=datetime(2025, 4, 28, 14, 0, tzinfo=UTC))  # 21:00 local
    states = {p.key: p.state for p in _all(planned) if p.channel == "facebook"}
    assert changed.count == 4
    assert states[FB_KEY] == "expired"  # its window closed at 20:00 local on the 28th
    assert states["thu-nghiem/fb-trung-tam/2025-05-04T08:00/tin-b"] == PENDING


def test_cancel_post_and_campaign_never_touch_sent(planned, ws):
    make_dispatcher(ws, planned).run_once(now=EIGHT)
    with pytest.raises(OperationError, match="không huỷ được"):
        cancel(planned, "A", post_id=post(planned, FB_KEY).id)
    changed = cancel(planned, "A", campaign_id="thu-nghiem", reason="Dừng theo chỉ đạo")
    states = [p.state for p in _all(planned)]
    assert states.count(SENT) == 7 and states.count(CANCELLED) == changed.count
    result = CliRunner().invoke(main, ["cancel", "-w", str(ws.root), "--by", "A"])
    assert result.exit_code == 2


def test_confirmations_only_move_forward_and_are_all_logged(planned):
    pid = post(planned, "thu-nghiem/loa-tan-phong/2025-04-28T17:00/tin-b").id
    assert record_confirmation(planned, pid, "played", "telegram:111 Lan")
    assert record_confirmation(planned, pid, "received", "telegram:111 Lan")
    assert post(planned, "thu-nghiem/loa-tan-phong/2025-04-28T17:00/tin-b").confirmation == \
        "played"
    with planned.session() as s:
        events = [e.event for e in s.scalars(select(LogEntry).where(LogEntry.post_id == pid))]
    assert events == ["played", "received"]
    assert not record_confirmation(planned, 999999, "played", "x")


def test_endpoint_pacing_releases_posts_without_counting_attempts(planned, ws):
    dispatcher = make_dispatcher(ws, planned, platform_rates={})
    dispatcher.endpoints["led-tan-phong"] = dispatcher.endpoints["led-tan-phong"].model_copy(
        update={"rate_per_minute": 1.0})
    summary = dispatcher.run_once(now=EIGHT)
    led = [p for p in _all(planned) if p.endpoint_id == "led-tan-phong" and
           p.key.startswith("thu-nghiem/led-tan-phong/2025-04-28")]
    assert sorted(p.state for p in led) == [RETRY, SENT]
    waiting = next(p for p in led if p.state == RETRY)
    assert waiting.attempts == 0 and waiting.available_at == EIGHT + timedelta(seconds=60)
    assert summary.counts == {SENT: 6, RETRY: 1}


def test_token_bucket_math():
    bucket = TokenBucket(rate=0.5, burst=2)
    assert bucket.take(0.0) == 0.0 and bucket.take(0.0) == 0.0
    assert bucket.take(0.0) == pytest.approx(2.0)  # reserved: the next token, in 2 s
    assert bucket.take(0.0) == pytest.approx(4.0)  # and the one after, in 4 s
    assert bucket.take(8.0) == 0.0  # by then the reservations are paid back


def _all(ledger):
    with ledger.session() as s:
        return list(s.scalars(select(Post)))
