"""A ward morning on a real icecast2: every mount streams at once, on time; an emergency cuts
in within 2 s and the interrupted bulletins are logged and played again."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from sqlalchemy import select

from schedules.models import Post, utcnow
from tests.icecastserver import icecast_server
from tests.schedules.wards import (
    live_mounts,
    move_session,
    plan_morning,
    stories,
    stream_start,
    ward_workspace,
    when_worker_is_up,
)
from tests.schedules.workers import (
    sent_log_counts,
    start_worker,
    stop_worker,
    story_is_consistent,
    wait_until_settled,
)

WARDS = 12
ALERT = "Bão số 3 đổ bộ, bà con vào nơi trú ẩn an toàn."


def test_ward_morning_every_stream_starts_within_two_seconds(tmp_path):
    with icecast_server(tmp_path / "icecast") as port:
        root = ward_workspace(tmp_path / "ws", port, wards=WARDS, seconds=8)
        ledger, _ = plan_morning(root, starts_in=3600)
        # a lease shorter than the streams: the heartbeat must keep every one of them
        worker = start_worker(root, owner="may-1", lease=3.0, interval=0.5, lanes=WARDS + 4)
        when_worker_is_up(ledger, "may-1")
        session = move_session(ledger, 2.0)
        states = wait_until_settled(ledger, timeout=60)
        err = stop_worker(worker)
        assert "Traceback" not in err, err
        assert set(states.values()) == {"sent"}, states
        assert len(states) == WARDS
        assert set(sent_log_counts(ledger).values()) == {1}
        lateness = []
        for story in stories(ledger).values():
            [(_, at, detail)] = [row for row in story if row[0] == "sent"]
            lateness.append((stream_start(at, detail) - session).total_seconds())
            assert detail["stream_seconds"] >= 8 * 0.8  # streamed in real time, not dumped
        assert max(lateness) <= 2.0, sorted(lateness)
        assert story_is_consistent(ledger) == []
        ledger.dispose()


def test_emergency_cuts_in_within_two_seconds_and_bulletins_play_again(tmp_path):
    with icecast_server(tmp_path / "icecast") as port:
        root = ward_workspace(tmp_path / "ws", port, wards=WARDS, seconds=15)
        ledger, _ = plan_morning(root, starts_in=3600)
        worker = start_worker(root, owner="may-1", lease=30.0, interval=0.5, lanes=WARDS + 4)
        when_worker_is_up(ledger, "may-1")
        move_session(ledger, 1.0)
        deadline = time.monotonic() + 20
        while len(live_mounts(port)) < WARDS and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(live_mounts(port)) == WARDS
        time.sleep(1.0)  # the bulletins are playing
        issued = utcnow()  # speech is cold: `campaign alert` renders it before the posts are due
        subprocess.run(
            [sys.executable, "-m", "campaign.cli", "alert", "-w", str(root), "--text", ALERT,
             "--targets", "phuong-xa", "--channels", "loudspeaker", "--by", "Chủ tịch UBND"],
            check=True, capture_output=True, env={**os.environ}, timeout=60)
        states = wait_until_settled(ledger, timeout=120)
        err = stop_worker(worker)
        assert "Traceback" not in err, err
        assert set(states.values()) == {"sent"}, states
        assert len(states) == 2 * WARDS
        assert set(sent_log_counts(ledger).values()) == {1}
        with ledger.session() as s:
            posts = {p.id: p for p in s.scalars(select(Post))}
        emergency_late, interrupted = [], 0
        for pid, story in stories(ledger).items():
            events = [row[0] for row in story]
            sent = next(row for row in story if row[0] == "sent")
            if posts[pid].priority == 2:
                # the alert's posts are due the instant `campaign alert` wrote them
                assert posts[pid].due_at >= issued
                claimed_at = next(row[1] for row in story if row[0] == "claimed")
                emergency_late.append(
                    ((stream_start(sent[1], sent[2]) - posts[pid].due_at).total_seconds(),
                     (claimed_at - posts[pid].due_at).total_seconds(),
                     sent[2]["duration_ms"], sent[2]["stream_seconds"]))
                assert "interrupted" not in events
            else:  # a bulletin cut by the emergency, queued again, then played in full
                assert "interrupted" in events, events
                interrupted += 1
                cut = events.index("interrupted")
                assert events[cut + 1] == "retry" and events[-1] == "sent", events
                assert story[cut][2]["reason"] == "preempted" and story[cut][2]["partial"]
                assert sent[2]["stream_seconds"] >= 15 * 0.8
        assert interrupted == WARDS
        assert len(emergency_late) == WARDS
        assert max(late[0] for late in emergency_late) <= 2.0, sorted(emergency_late)
        assert story_is_consistent(ledger) == []
        ledger.dispose()


def test_sigterm_with_streams_playing_cuts_them_in_bounded_time_and_requeues(tmp_path):
    with icecast_server(tmp_path / "icecast") as port:
        root = ward_workspace(tmp_path / "ws", port, wards=3, seconds=40)
        ledger, _ = plan_morning(root, starts_in=3600)
        worker = start_worker(root, owner="may-1", lease=30.0, interval=0.5, lanes=4)
        when_worker_is_up(ledger, "may-1")
        move_session(ledger, 0.5)
        deadline = time.monotonic() + 20
        while len(live_mounts(port)) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(live_mounts(port)) == 3
        asked = time.monotonic()
        err = stop_worker(worker, timeout=30)
        took = time.monotonic() - asked
        assert "Traceback" not in err, err
        assert took <= 10 + 5, took  # 10 s of grace, then the streams are cut
        settle = time.monotonic() + 3  # icecast2 lists a closed source for a moment
        while live_mounts(port) and time.monotonic() < settle:
            time.sleep(0.2)
        assert live_mounts(port) == set()
        with ledger.session() as s:
            posts = list(s.scalars(select(Post)))
        assert {p.state for p in posts} == {"retry"}  # queued again, window still open
        assert {p.attempts for p in posts} == {0}  # a cut costs no attempt
        for story in stories(ledger).values():
            events = [row[0] for row in story]
            assert events == ["claimed", "interrupted", "retry"], events
            assert story[1][2]["reason"] == "shutdown"
        ledger.dispose()
