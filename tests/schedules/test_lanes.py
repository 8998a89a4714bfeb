"""Lanes on a real SQLite ledger: leases that are not ours are never written over, windows
hold to the last moment, and pacing comes from directory.yaml."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from campaign.runtime import make_dispatcher
from campaign.workspace import Workspace
from channels.base import RateLimitError
from schedules import claims
from schedules.lanes import LaneRunner, describe_fault
from schedules.models import CLAIMED, EXPIRED, RETRY, SENT, Post
from tests.schedules.test_dispatcher import events, planned, states

NOW = datetime(2025, 4, 28, 1, 0, tzinfo=UTC)  # 08:00 local: LED and Facebook posts are due
LED = "thu-nghiem/led-tan-phong/2025-04-28T06:00/tin-a"
FB = "thu-nghiem/fb-trung-tam/2025-04-28T08:00/tin-a"


def post_id(ledger, key: str) -> int:
    with ledger.session() as s:
        return s.scalars(select(Post.id).where(Post.key == key)).one()


def test_a_claim_taken_over_by_another_worker_is_never_written_over(ws, ledger):
    planned(ws, ledger)
    slow = make_dispatcher(ws, ledger, owner="may-1", lease_seconds=60)
    other = make_dispatcher(ws, ledger, owner="may-2", lease_seconds=60)
    assert slow.claim(NOW, 100)
    led = post_id(ledger, LED)
    later = NOW + timedelta(minutes=2)
    other.recover(later)  # may-1 looked dead: its LED push is queued again …
    assert other.claim(later, 100)  # … and may-2 holds it now
    assert slow.deliver(led, later) == "lease_lost"  # may-1 finishes late: writes nothing
    assert states(ledger)[LED] == CLAIMED
    assert other.deliver(led, later) == SENT
    assert events(ledger, LED) == ["claimed", "retry", "claimed", "sent"]


def test_a_receipt_after_recovery_still_tells_the_truth_when_nobody_holds_the_post(ws, ledger):
    planned(ws, ledger)
    slow = make_dispatcher(ws, ledger, owner="may-1", lease_seconds=60)
    slow.claim(NOW, 100)
    make_dispatcher(ws, ledger, owner="may-2").recover(NOW + timedelta(minutes=2))
    assert states(ledger)[LED] == RETRY
    # the push did go out: record it rather than push it again
    assert slow.deliver(post_id(ledger, LED), NOW + timedelta(minutes=2)) == SENT
    assert events(ledger, LED) == ["claimed", "retry", "sent"]


def test_a_claimed_post_whose_window_closed_before_it_started_expires(ws, ledger):
    planned(ws, ledger)
    dispatcher = make_dispatcher(ws, ledger)
    dispatcher.claim(NOW, 100)
    fb = post_id(ledger, FB)
    with ledger.session() as s:
        expires = s.get(Post, fb).expires_at
    assert dispatcher.deliver(fb, expires + timedelta(seconds=1)) == EXPIRED
    assert not list((ws.root / "outbox" / "fb-trung-tam").glob("*/*.txt"))
    assert events(ledger, FB) == ["claimed", "expired"]


def test_a_pause_beyond_the_window_expires_the_post_and_held_posts_are_found(ws, ledger):
    planned(ws, ledger)
    dispatcher = make_dispatcher(ws, ledger)
    dispatcher.claim(NOW, 100)
    fb = post_id(ledger, FB)
    with ledger.session() as s:
        post = s.get(Post, fb)
    # Facebook's 368 block: six hours, beyond the post's window (08:00 → 20:00 local)
    block = RateLimitError("Tạm bị chặn", retry_after=6 * 3600 + 13 * 3600)
    assert dispatcher._settle(post, block, NOW, 0.1) == EXPIRED
    # a post already held in retry with available_at beyond its window is expired on time
    led = post_id(ledger, LED)
    with ledger.session() as s:
        s.execute(update(Post).where(Post.id == led).values(
            state=RETRY, lease_owner=None, available_at=NOW + timedelta(days=2)))
        expires = s.get(Post, led).expires_at
    dispatcher.expire(expires - timedelta(seconds=1))
    assert states(ledger)[LED] == RETRY
    dispatcher.expire(expires + timedelta(seconds=1))
    assert states(ledger)[LED] == EXPIRED


def test_lanes_claim_one_post_per_endpoint_and_deliver_all(ws, ledger):
    planned(ws, ledger)
    with ledger.session() as s:  # everything due now, for the real clock
        now = datetime.now(UTC)
        s.execute(update(Post).values(available_at=now - timedelta(seconds=1), expires_at=None))
    dispatcher = make_dispatcher(ws, ledger, lanes=4)
    with ledger.engine.begin() as conn:
        taken = claims.claim_for_lanes(conn, now, owner=dispatcher.owner, lease=dispatcher.lease,
                                       limit=10, busy={"led-trung-dung"}, emergency=False,
                                       postgres=False)
    endpoints = [endpoint for _, endpoint, _ in taken]
    assert len(endpoints) == len(set(endpoints)) >= 2  # one post per endpoint at a time
    assert "led-trung-dung" not in endpoints  # busy here: not claimed
    dispatcher.release([pid for pid, _, _ in taken], now, reason="test")
    summary = LaneRunner(dispatcher, poll=0.05).drain(timeout=60)
    assert set(states(ledger).values()) == {SENT}
    assert summary.counts[SENT] == len(states(ledger))
    dispatcher.close()


def test_pacing_comes_from_the_directory(ws, ledger):
    directory = ws.root / "directory.yaml"
    directory.write_text(directory.read_text(encoding="utf-8") + (
        "pacing:\n  platforms: {facebook: 6, zalo: 0}\n"
        "  endpoints: {led-tan-phong: {per_minute: 2, in_flight: 2}}\n"), encoding="utf-8")
    ws = Workspace.open(ws.root)
    dispatcher = make_dispatcher(ws, ledger)
    assert dispatcher.pacer.platform_rates == {"facebook": 6}
    assert dispatcher.pacer.endpoint_rates == {"led-tan-phong": 2}
    assert dispatcher.in_flight == {"led-tan-phong": 2}


def test_database_faults_are_one_vietnamese_line():
    from sqlalchemy.exc import OperationalError

    readonly = OperationalError("UPDATE", {}, Exception("attempt to write a readonly database"))
    full = OperationalError("INSERT", {}, Exception("database or disk is full"))
    down = OperationalError("SELECT", {}, Exception("connection refused"))
    assert "chỉ đọc" in describe_fault(readonly)
    assert "đầy" in describe_fault(full)
    assert "kết nối" in describe_fault(down)


def _copies(ledger, key: str, count: int, now: datetime) -> None:
    """``count`` more due posts like ``key`` on its endpoint (a long run for one lane)."""
    from sqlalchemy import insert

    with ledger.session() as s:
        post = s.scalars(select(Post).where(Post.key == key)).one()
        columns = {c.name: getattr(post, c.key) for c in Post.__table__.columns
                   if c.name != "id"}
        s.execute(insert(Post), [{**columns, "key": f"{key}/copy-{n}", "state": "pending",
                                  "available_at": now, "due_at": now, "expires_at": None}
                                 for n in range(count)])


def test_a_run_longer_than_a_lane_keeps_leaves_nothing_claimed(ws, ledger):
    """A lane takes its endpoint's next post in the commit of the previous outcome; the run
    is bounded (RUN_MAX), and its last turn must not claim a post nobody will deliver."""
    from schedules.lanes import RUN_MAX

    planned(ws, ledger)
    now = datetime.now(UTC) - timedelta(seconds=1)
    with ledger.session() as s:
        s.execute(update(Post).values(available_at=now, expires_at=None))
    _copies(ledger, FB, 2 * RUN_MAX + 5, now)
    dispatcher = make_dispatcher(ws, ledger, lanes=2)
    summary = LaneRunner(dispatcher, poll=0.05).drain(timeout=120)
    dispatcher.close()
    assert set(states(ledger).values()) == {SENT}  # nothing left claimed (or unconfirmed)
    assert summary.counts[SENT] == len(states(ledger))
    assert dispatcher.recorder.outcomes >= summary.counts[SENT]
    with ledger.session() as s:  # one story per post: claimed once, sent once
        from schedules.models import LogEntry

        rows = s.execute(select(LogEntry.post_id, LogEntry.event)).all()
    sent = [pid for pid, event in rows if event == "sent"]
    assert len(sent) == len(set(sent)) == summary.counts[SENT]
    assert sum(1 for _, event in rows if event == "claimed") == len(sent)


def test_a_lane_moves_to_a_free_endpoint_and_never_to_a_busy_one(ws, ledger):
    """When its endpoint has nothing in turn, a lane takes the first due post of an endpoint
    where nothing is in flight — never one another lane (or worker) is delivering to."""
    planned(ws, ledger)
    now = datetime.now(UTC) - timedelta(seconds=1)
    with ledger.session() as s:
        s.execute(update(Post).values(available_at=now, expires_at=None))
    dispatcher = make_dispatcher(ws, ledger, lanes=4)
    with ledger.writing() as conn:
        held = claims.claim_for_lanes(conn, now, owner="may-2", lease=dispatcher.lease,
                                      limit=1, busy=(), emergency=False, postgres=False)
    (_, busy_endpoint, _), = held
    free = {e for e in dispatcher.endpoints} - {busy_endpoint}
    with ledger.writing() as conn:
        moved = claims.claim_next(conn, [("gone", frozenset(dispatcher.endpoints))], now,
                                  owner=dispatcher.owner, lease=dispatcher.lease)
        nothing = claims.claim_next(conn, [("gone", frozenset({busy_endpoint}))], now,
                                    owner=dispatcher.owner, lease=dispatcher.lease)
    assert nothing == {}
    assert list(moved) == ["gone"]
    with ledger.session() as s:
        post = s.get(Post, moved["gone"])
    assert post.endpoint_id in free and post.state == CLAIMED
    assert post.lease_owner == dispatcher.owner
    dispatcher.close()
