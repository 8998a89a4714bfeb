"""Dispatcher on a real SQLite ledger: claims, outcomes, expiry, lease recovery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from campaign.approval import approve
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.runtime import make_dispatcher
from campaign.workspace import Workspace
from schedules.models import CLAIMED, EXPIRED, FAILED, RETRY, SENT, UNCONFIRMED, LogEntry, Post
from schedules.retry import RetryPolicy
from tests.conftest import CAMPAIGN, write_campaign
from tests.schedules.workers import concurrent_claims

MORNING = datetime(2025, 4, 27, 23, 0, tzinfo=UTC)  # 28/4 06:00 local


def planned(ws, ledger, text=CAMPAIGN):
    campaign = load_campaign(write_campaign(ws, text), ws.directory, ws.media_dir)
    apply_plan(ledger, build_plan(campaign, ws.directory), now=datetime(2025, 4, 1, tzinfo=UTC))
    approve(ledger, campaign.id, "Lãnh đạo")


def states(ledger, **where):
    with ledger.session() as s:
        stmt = select(Post)
        for key, value in where.items():
            stmt = stmt.where(getattr(Post, key) == value)
        return {p.key: p.state for p in s.scalars(stmt)}


def events(ledger, post_key):
    with ledger.session() as s:
        post = s.scalars(select(Post).where(Post.key == post_key)).one()
        return [e.event for e in s.scalars(select(LogEntry).where(LogEntry.post_id == post.id)
                                           .order_by(LogEntry.id))]


def test_outbox_writes_files_and_preview(ws, ledger):
    planned(ws, ledger)
    dispatcher = make_dispatcher(ws, ledger)
    summary = dispatcher.run_once(now=datetime(2025, 4, 28, 1, 0, tzinfo=UTC))  # 08:00 local
    dispatcher.close()
    assert summary.counts[SENT] == summary.claimed == 7  # 6 LED + 1 Facebook post
    day = ws.root / "outbox" / "fb-trung-tam" / "2025-04-28"
    assert (day / "0800-tin-a.txt").read_text(encoding="utf-8").endswith(
        "Nội dung tin A trên Facebook.")
    assert list((ws.root / "outbox" / "led-tan-phong" / "2025-04-28").glob("0600-tin-b-*.png"))
    index = (ws.root / "outbox" / "index.html").read_text(encoding="utf-8")
    assert "led-tan-phong/index.html" in index
    assert events(ledger, "thu-nghiem/fb-trung-tam/2025-04-28T08:00/tin-a") == ["claimed", "sent"]


def test_past_window_posts_expire_instead_of_going_out_late(ws, ledger):
    planned(ws, ledger)
    # 28/4 at 23:00 local: the 05:30 and 17:00 sessions and the LED day part are over
    summary = make_dispatcher(ws, ledger).run_once(now=datetime(2025, 4, 28, 16, 0, tzinfo=UTC))
    loud = states(ledger, endpoint_id="loa-tan-phong")
    assert loud["thu-nghiem/loa-tan-phong/2025-04-28T05:30/tin-a"] == EXPIRED
    assert loud["thu-nghiem/loa-tan-phong/2025-04-28T17:00/tin-b"] == EXPIRED
    # the 08:00 Facebook post's window closed at 20:00: it is not published at night
    assert states(ledger)["thu-nghiem/fb-trung-tam/2025-04-28T08:00/tin-a"] == EXPIRED
    assert summary.claimed == 0
    assert "expired" in events(ledger, "thu-nghiem/loa-tan-phong/2025-04-28T05:30/tin-a")


def test_transient_failure_backs_off_then_fails_after_max_attempts(ws, ledger):
    planned(ws, ledger)
    (ws.root / "outbox").write_text("not a folder")  # every write fails with an OSError
    dispatcher = make_dispatcher(ws, ledger, policy=RetryPolicy(max_attempts=3, base_seconds=60))
    key = "thu-nghiem/fb-trung-tam/2025-04-28T08:00/tin-a"
    now = datetime(2025, 4, 28, 1, 0, tzinfo=UTC)
    dispatcher.run_once(now=now)
    assert states(ledger)[key] == RETRY
    with ledger.session() as s:
        post = s.scalars(select(Post).where(Post.key == key)).one()
        first_retry = post.available_at
    assert timedelta(seconds=40) <= first_retry - now <= timedelta(seconds=80)
    for _ in range(4):
        dispatcher.run_once(now=now + timedelta(hours=1))
        now += timedelta(hours=1)
    assert states(ledger)[key] == FAILED
    assert events(ledger, key) == ["claimed", "retry", "claimed", "retry", "claimed", "failed"]


def test_lapsed_lease_is_unconfirmed_on_public_channels_and_retried_elsewhere(ws, ledger):
    directory = ws.root / "directory.yaml"
    directory.write_text(directory.read_text(encoding="utf-8").replace(
        "  - {id: fb-trung-tam, channel: facebook, unit: trung-tam, deliver: {via: outbox}}",
        '  - {id: fb-trung-tam, channel: facebook, unit: trung-tam, page_id: "1", '
        "token: env:FB_TEST_TOKEN}"), encoding="utf-8")
    ws = Workspace.open(ws.root)
    planned(ws, ledger)
    crashed = make_dispatcher(ws, ledger, owner="may-1:99", lease_seconds=60)
    now = datetime(2025, 4, 28, 1, 0, tzinfo=UTC)
    claimed = crashed.claim(now, 100)  # the worker dies before delivering anything
    assert len(claimed) == 7 and set(states(ledger).values()) >= {CLAIMED}
    survivor = make_dispatcher(ws, ledger, owner="may-2:1")
    survivor.recover(now + timedelta(seconds=30))  # lease still live: nothing happens
    assert states(ledger)["thu-nghiem/fb-trung-tam/2025-04-28T08:00/tin-a"] == CLAIMED
    survivor.recover(now + timedelta(minutes=5))
    after = states(ledger)
    assert after["thu-nghiem/fb-trung-tam/2025-04-28T08:00/tin-a"] == UNCONFIRMED
    assert after["thu-nghiem/led-tan-phong/2025-04-28T06:00/tin-a"] == RETRY
    summary = survivor.run_once(now=now + timedelta(minutes=5))
    assert summary.counts == {SENT: 6}  # the LED pushes go out again; Facebook waits for a person


def test_concurrent_dispatchers_never_claim_the_same_post(ws, ledger):
    planned(ws, ledger, CAMPAIGN.replace("holidays: skip", "holidays: keep"))
    now = datetime(2025, 5, 5, tzinfo=UTC)
    with ledger.session() as s:  # let every post be due at once
        for post in s.scalars(select(Post)):
            post.available_at = datetime(2025, 4, 27, tzinfo=UTC)
            post.expires_at = None
    claims = concurrent_claims(lambda owner: make_dispatcher(ws, ledger, owner=owner),
                               lambda: now, batch=7)
    every = [pid for mine in claims for pid in mine]
    assert len(every) == len(set(every)) == len(states(ledger))
