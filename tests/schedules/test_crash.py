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


LANES = 6
KILLS = 20


def test_kill_minus_nine_loses_nothing_and_never_double_posts(tmp_path):
    rng = random.Random(57)
    with GraphAPI() as graph:
        graph.script("/feed", delay=0.15, times=10_000)  # slow platform: kills land mid-call
        root = fb_workspace(tmp_path / "ws", graph.api_base, messages=48, leds=3)
        with open(root / "directory.yaml", "a", encoding="utf-8") as handle:
            handle.write("pacing: {platforms: {facebook: 600}}\n")
        ws = Workspace.open(root)
        ledger = Ledger(ws.db_url)
        campaign = load_campaign(ws.campaigns_dir / "su-co.yaml", ws.directory)
        apply_plan(ledger, build_plan(campaign, ws.directory),
                   now=datetime(2025, 4, 1, tzinfo=UTC))
        approve(ledger, campaign.id, "Lãnh đạo")
        make_due_now(ledger)
        kills = 0
        for round_no in range(KILLS):
            worker = start_worker(root, owner=f"may-{round_no}", lease=1.5, lanes=LANES)
            time.sleep(rng.uniform(0.8, 2.0))
            stop_worker(worker, signal.SIGKILL)
            kills += 1
        final = start_worker(root, owner="may-cuoi", lease=1.5, lanes=LANES)
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
        assert kills == KILLS
        # a kill costs at most one unknown post per lane: claims never run ahead of lanes
        never_sent = [k for k, st in states.items() if st == "unconfirmed"
                      and f"số {k.rsplit('tin-', 1)[-1]}." not in " ".join(texts)]
        assert len(never_sent) <= kills * LANES
        unconfirmed = sum(1 for st in states.values() if st == "unconfirmed")
        assert unconfirmed <= kills * LANES
        ledger.dispose()


def _open_posts(ledger: Ledger) -> list[tuple[str, str, str, int]]:
    from sqlalchemy import select

    with ledger.session() as s:
        return [(p.key, p.state, str(p.available_at), p.attempts) for p in
                s.scalars(select(Post).where(Post.state.not_in(FINAL)))]
