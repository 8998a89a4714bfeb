"""Kill -9 a real `campaign run` at random moments while it delivers; restart; nothing is lost
and nothing public goes out twice."""

from __future__ import annotations

import random
import signal
import time
from datetime import UTC, datetime

from sqlalchemy import update

from campaign.approval import approve
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from schedules.models import Post, utcnow
from tests.channels.fakes.graph_api import GraphAPI
from tests.schedules.engine_fixtures import fb_workspace
from tests.schedules.workers import (
    FINAL,
    sent_log_counts,
    start_worker,
    stop_worker,
    story_is_consistent,
    wait_until_settled,
)


def make_due_now(ledger: Ledger) -> None:
    """Our test campaign is on a fixed date; make every post due now for the real clock."""
    now = utcnow()
    with ledger.session() as s:
        s.execute(update(Post).values(due_at=now, available_at=now, slot_at=now,
                                      expires_at=None))


def test_kill_minus_nine_loses_nothing_and_never_double_posts(tmp_path):
    rng = random.Random(57)
    with GraphAPI() as graph:
        graph.script("/feed", delay=0.15, times=10_000)  # slow platform: kills land mid-call
        root = fb_workspace(tmp_path / "ws", graph.api_base, messages=24, leds=3)
        ws = Workspace.open(root)
        ledger = Ledger(ws.db_url)
        campaign = load_campaign(ws.campaigns_dir / "su-co.yaml", ws.directory)
        apply_plan(ledger, build_plan(campaign, ws.directory),
                   now=datetime(2025, 4, 1, tzinfo=UTC))
        approve(ledger, campaign.id, "Lãnh đạo")
        make_due_now(ledger)
        kills = 0
        for round_no in range(5):
            worker = start_worker(root, owner=f"may-{round_no}", lease=1.5)
            time.sleep(rng.uniform(0.6, 1.8))
            stop_worker(worker, signal.SIGKILL)
            kills += 1
        time.sleep(1.6)  # let the last dead worker's leases lapse
        final = start_worker(root, owner="may-cuoi", lease=1.5)
        states = wait_until_settled(ledger, timeout=60)
        err = stop_worker(final)
        assert "Traceback" not in err, err

        # no post lost: every one reached an end state
        assert set(states.values()) <= FINAL, _open_posts(ledger)
        # nothing public went out twice, and every "sent" Facebook post is on the page
        texts = [p["message"] for p in graph.posts.values()]
        assert len(texts) == len(set(texts))
        fb_sent = [k for k, st in states.items() if "/fb-" in k and st == "sent"]
        assert len(fb_sent) <= len(texts)
        # a Facebook post is either sent (exactly once) or unconfirmed for a person to check
        assert {st for k, st in states.items() if "/fb-" in k} <= {"sent", "unconfirmed"}
        # idempotent LED pushes were simply retried until sent
        assert {st for k, st in states.items() if "/led-" in k} == {"sent"}
        assert max(sent_log_counts(ledger).values()) == 1
        assert story_is_consistent(ledger) == []
        assert kills == 5
        ledger.dispose()


def _open_posts(ledger: Ledger) -> list[tuple[str, str, str, int]]:
    from sqlalchemy import select

    with ledger.session() as s:
        return [(p.key, p.state, str(p.available_at), p.attempts) for p in
                s.scalars(select(Post).where(Post.state.not_in(FINAL)))]
