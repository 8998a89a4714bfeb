"""Fault injection at a local Graph API: 5xx bursts, 429 + Retry-After, timeouts, auth expiry.

The real dispatcher drives the real Facebook adapter; only the platform is a local fake.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from campaign.approval import approve
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.runtime import make_dispatcher
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from schedules.models import FAILED, RETRY, SENT, UNCONFIRMED, LogEntry, Post
from schedules.retry import RetryPolicy
from tests.channels.fakes.graph_api import GraphAPI, graph_error
from tests.schedules.engine_fixtures import FB_TOKEN, fb_workspace

LATE = datetime(2025, 4, 28, 3, 0, tzinfo=UTC)  # 10:00 local: all twelve posts are due


@pytest.fixture
def graph():
    with GraphAPI() as server:
        yield server


@pytest.fixture
def engine(tmp_path, graph):
    ws = Workspace.open(fb_workspace(tmp_path / "ws", graph.api_base))
    ledger = Ledger(ws.db_url)
    campaign = load_campaign(ws.campaigns_dir / "su-co.yaml", ws.directory)
    apply_plan(ledger, build_plan(campaign, ws.directory), now=datetime(2025, 4, 1, tzinfo=UTC))
    approve(ledger, campaign.id, "Lãnh đạo")
    dispatcher = make_dispatcher(ws, ledger, platform_rates={},
                                 policy=RetryPolicy(base_seconds=10, max_attempts=3))
    dispatcher.context.timeout = 0.5
    yield ws, ledger, dispatcher
    dispatcher.close()
    ledger.dispose()


def states(ledger):
    with ledger.session() as s:
        return {p.message_id: p for p in s.scalars(select(Post))}


def posted_texts(graph):
    return [p["message"] for p in graph.posts.values()]


def test_5xx_burst_is_retried_with_backoff(engine, graph):
    _ws, ledger, dispatcher = engine
    graph.script("/feed", status=503, body=graph_error(2, "Service temporarily unavailable"),
                 times=2)
    first = dispatcher.run_once(now=LATE)
    assert first.counts == {RETRY: 2, SENT: 10}
    retried = [p for p in states(ledger).values() if p.state == RETRY]
    assert all(LATE + timedelta(seconds=5) <= p.available_at <= LATE + timedelta(seconds=15)
               for p in retried)
    assert dispatcher.run_once(now=LATE + timedelta(seconds=20)).counts == {SENT: 2}
    assert len(set(posted_texts(graph))) == len(posted_texts(graph)) == 12


def test_429_pauses_the_endpoint_for_retry_after(engine, graph):
    _ws, ledger, dispatcher = engine
    graph.script("/feed", status=429, body=graph_error(32, "Page request limit reached"),
                 headers={"Retry-After": "120"})
    summary = dispatcher.run_once(now=LATE)
    assert summary.counts == {RETRY: 12}
    posts = states(ledger).values()
    assert all(p.available_at == LATE + timedelta(seconds=120) for p in posts)
    assert sorted(p.attempts for p in posts) == [0] * 11 + [1]  # paused ones cost no attempt
    assert dispatcher.run_once(now=LATE + timedelta(seconds=60)).claimed == 0
    assert dispatcher.run_once(now=LATE + timedelta(seconds=121)).counts == {SENT: 12}


def test_timeout_after_sending_is_unconfirmed_never_retried(engine, graph):
    _ws, ledger, dispatcher = engine
    graph.script("/feed", delay=1.5)  # the page gets the post; our client has given up
    summary = dispatcher.run_once(now=LATE)
    assert summary.counts == {UNCONFIRMED: 1, SENT: 11}
    dispatcher.run_once(now=LATE + timedelta(hours=1))
    deadline = time.monotonic() + 5
    while len(graph.posts) < 12 and time.monotonic() < deadline:
        time.sleep(0.05)  # the slow request is still being served by the fake
    texts = posted_texts(graph)
    assert len(texts) == 12 and len(set(texts)) == 12  # no duplicate public post
    unconfirmed = [p for p in states(ledger).values() if p.state == UNCONFIRMED]
    with ledger.session() as s:
        detail = s.scalars(select(LogEntry).where(LogEntry.post_id == unconfirmed[0].id,
                                                  LogEntry.event == "unconfirmed")).one().detail
    assert detail["error"] == "unknown"


def test_auth_expiry_mid_run_fails_with_reconnect_flag(engine, graph):
    _ws, ledger, dispatcher = engine
    dispatcher.run_once(now=datetime(2025, 4, 28, 1, 25, tzinfo=UTC))  # 08:25: three go out
    graph.expired = True
    summary = dispatcher.run_once(now=LATE)
    assert summary.counts == {FAILED: 9}
    with ledger.session() as s:
        failures = s.scalars(select(LogEntry).where(LogEntry.event == "failed")).all()
    assert {(f.detail["error"], f.detail["code"], f.detail["reconnect"]) for f in failures} == \
        {("auth", 190, True)}
    # each failed post was tried exactly twice: once, then once more after refresh()
    assert len(graph.calls("/feed")) == 3 + 9 * 2
    for entry in failures:
        assert FB_TOKEN not in str(entry.detail)
