"""Several workers on one real PostgreSQL ledger: every post goes out exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from campaign.approval import approve
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.runtime import make_dispatcher
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from schedules.models import LogEntry, Post
from tests.channels.fakes.graph_api import GraphAPI
from tests.icecastserver import icecast_server
from tests.pgserver import postgres
from tests.schedules.engine_fixtures import fb_workspace
from tests.schedules.test_crash import make_due_now
from tests.schedules.wards import (
    move_session,
    plan_morning,
    stories,
    ward_workspace,
    when_worker_is_up,
)
from tests.schedules.workers import (
    concurrent_claims,
    sent_log_counts,
    start_worker,
    stop_worker,
    story_is_consistent,
    wait_until_settled,
)


@pytest.fixture(scope="module")
def pg_url():
    with postgres() as url:
        yield url


def fresh(pg_url: str) -> Ledger:
    ledger = Ledger(pg_url)
    with ledger.engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE delivery_log, posts, contents, campaigns, tokens, workers "
                             "RESTART IDENTITY CASCADE")
    return ledger


def planned(tmp_path, api_base: str, pg_url: str, **kw) -> tuple[Workspace, Ledger]:
    root = fb_workspace(tmp_path / "ws", api_base, db_url=pg_url, **kw)
    ws = Workspace.open(root)
    ledger = fresh(pg_url)
    campaign = load_campaign(ws.campaigns_dir / "su-co.yaml", ws.directory)
    apply_plan(ledger, build_plan(campaign, ws.directory), now=datetime(2025, 4, 1, tzinfo=UTC))
    approve(ledger, campaign.id, "Lãnh đạo")
    make_due_now(ledger)
    return ws, ledger


def test_concurrent_claims_skip_locked(tmp_path, pg_url):
    with GraphAPI() as graph:
        ws, ledger = planned(tmp_path, graph.api_base, pg_url, messages=30, leds=4)
        claims = concurrent_claims(lambda owner: make_dispatcher(ws, ledger, owner=owner),
                                   lambda: datetime.now(UTC))
        every = [pid for mine in claims for pid in mine]
        with ledger.session() as s:
            total = len(s.scalars(select(Post.id)).all())
        assert len(every) == len(set(every)) == total
        assert sum(1 for mine in claims if mine) >= 2
        ledger.dispose()


def test_three_workers_send_every_post_exactly_once(tmp_path, pg_url):
    with GraphAPI() as graph:
        graph.script("/feed", delay=0.05, times=10_000)
        ws, ledger = planned(tmp_path, graph.api_base, pg_url, messages=45, leds=5)
        workers = [start_worker(ws.root, owner=f"may-{n}", batch=2) for n in range(3)]
        states = wait_until_settled(ledger, timeout=90)
        errors = [stop_worker(w) for w in workers]
        assert all("Traceback" not in e for e in errors), errors
        assert set(states.values()) == {"sent"}
        texts = [p["message"] for p in graph.posts.values()]
        assert len(texts) == len(set(texts)) == 45
        assert set(sent_log_counts(ledger).values()) == {1}
        with ledger.session() as s:
            owners = set(s.scalars(select(LogEntry.actor).where(LogEntry.event == "sent")))
        assert len(owners) >= 2, owners  # the work really was shared
        assert story_is_consistent(ledger) == []
        ledger.dispose()


def test_two_workers_with_a_lease_shorter_than_the_streams_never_stream_twice(tmp_path, pg_url):
    """The leapfrog of issue 12: leases of 2 s, streams of 8 s. Heartbeats keep each stream's
    lease, so neither worker takes over the other's live deliveries."""
    with icecast_server(tmp_path / "icecast") as port:
        root = ward_workspace(tmp_path / "ws", port, wards=6, seconds=8, db_url=pg_url)
        ledger = fresh(pg_url)
        plan_morning(root, starts_in=3600, ledger=ledger)
        workers = [start_worker(root, owner=f"may-{n}", lease=2.0, interval=0.5, lanes=4)
                   for n in range(2)]
        for n in range(2):
            when_worker_is_up(ledger, f"may-{n}")
        move_session(ledger, 1.0)
        states = wait_until_settled(ledger, timeout=90)
        errors = [stop_worker(w) for w in workers]
        assert all("Traceback" not in e for e in errors), errors
        assert set(states.values()) == {"sent"}, states
        assert set(sent_log_counts(ledger).values()) == {1}
        for story in stories(ledger).values():
            events = [row[0] for row in story]
            assert events == ["claimed", "sent"], events  # one story: no takeover, no restream
        with ledger.session() as s:
            owners = set(s.scalars(select(LogEntry.actor).where(LogEntry.event == "sent")))
        assert len(owners) == 2, owners  # both worked, on different mounts
        assert story_is_consistent(ledger) == []
        ledger.dispose()


def test_read_only_ledger_gives_one_vietnamese_line_and_recovers_by_itself(tmp_path, pg_url):
    """A ledger that turns read-only under a running worker (and drops its connections, as
    a restart does): one clear line, a back-off, `campaign status` shows it, and delivery
    resumes by itself once the database is writable again."""
    with GraphAPI() as graph:
        ws, ledger = planned(tmp_path, graph.api_base, pg_url, messages=6)
        database = ledger.engine.url.database
        with ledger.engine.begin() as conn:
            conn.exec_driver_sql(
                f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
            conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        ledger.engine.dispose()
        worker = start_worker(ws.root, owner="may-1", lanes=4)
        try:
            deadline = time.monotonic() + 30
            shown = None
            while time.monotonic() < deadline and not shown:
                time.sleep(0.5)
                out = subprocess.run([sys.executable, "-m", "campaign.cli", "status", "-w",
                                      str(ws.root), "--json"], capture_output=True, text=True)
                data = json.loads(out.stdout) if out.returncode == 0 else {}
                shown = [w["fault"] for w in data.get("workers", []) if w.get("fault")]
            assert shown and "chỉ đọc" in shown[0], out.stderr
            time.sleep(3)  # several passes fail meanwhile
            assert not graph.posts
            with ledger.engine.begin() as conn:
                conn.exec_driver_sql("SET TRANSACTION READ WRITE")
                conn.exec_driver_sql(
                    f'ALTER DATABASE "{database}" RESET default_transaction_read_only')
            ledger.engine.dispose()
            states = wait_until_settled(ledger, timeout=60)
        finally:
            err = stop_worker(worker)
        assert set(states.values()) == {"sent"}, states
        assert "Traceback" not in err, err
        assert err.count("chỉ đọc") == 1, err  # one line for the fault, not one per pass
        assert "hoạt động trở lại" in err
        ledger.dispose()


def test_two_workers_claiming_at_one_instant_never_take_one_endpoint_twice(tmp_path, pg_url):
    """The race of issue 12: neither claim is committed when the other looks, so both saw the
    endpoint free; an advisory lock per endpoint held until commit keeps the second off it."""
    from datetime import timedelta

    from schedules import claims

    with GraphAPI() as graph:
        # more posts than the first claim's row locks cover (FOR UPDATE locks every row its
        # SELECT returns, limit * 8 + 16), so SKIP LOCKED alone would hand the second worker
        # another post of the same Page
        ws, ledger = planned(tmp_path, graph.api_base, pg_url, messages=40, leds=0)
        now = datetime.now(UTC)
        lease = timedelta(seconds=60)
        with ledger.engine.connect() as one, ledger.engine.connect() as two:
            first = one.begin()
            mine = claims.claim_for_lanes(one, now, owner="may-1", lease=lease, limit=1,
                                          busy=(), emergency=False, postgres=True)
            assert mine  # claimed, not committed yet
            second = two.begin()
            theirs = claims.claim_for_lanes(two, now, owner="may-2", lease=lease, limit=10,
                                            busy=(), emergency=False, postgres=True)
            assert not {e for _, e, _ in mine} & {e for _, e, _ in theirs}
            first.commit()
            second.commit()
            third = two.begin()  # after the first committed: its endpoints are seen busy
            later = claims.claim_for_lanes(two, now, owner="may-2", lease=lease, limit=10,
                                           busy=(), emergency=False, postgres=True)
            third.commit()
        assert not {e for _, e, _ in mine} & {e for _, e, _ in later}
        ledger.dispose()
