"""Dispatch throughput and lateness against a local no-op HTTP endpoint.

Side by side in one run:
- floor: a bare ``requests.Session`` loop posting the same payloads to the same endpoint;
- ours: the dispatcher (atomic claims, the Facebook adapter, an append-only log) over a SQLite
  ledger holding a backlog of ``BACKLOG`` due posts;
- naive: what a developer might write from the same packages — one APScheduler job per post in
  an ``SQLAlchemyJobStore`` (timed from the first add_job to the last post sent).
Lateness: posts fall due at a steady 200/s for 60 s while the service loop runs; p50/p99 of
(logged send time − due).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

BACKLOG = 100_000
MEASURED = 5_000
NAIVE = int(os.environ.get("BENCH_NAIVE_POSTS", "2000"))
"""The issue asks for 100k; that run takes many minutes: BENCH_NAIVE_POSTS=100000 make bench."""
RATE = 200
SECONDS = 60
TOKEN = "EAAbenchTOKEN"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server() -> tuple[subprocess.Popen, str]:
    port = _port()
    proc = subprocess.Popen([sys.executable, "-m", "bench.noop_server", str(port)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc, f"http://127.0.0.1:{port}/v25.0"


def _workspace(root: Path, api_base: str) -> None:
    (root / "campaigns").mkdir(parents=True)
    (root / "directory.yaml").write_text(
        "units:\n  - {id: tt, name: Trung tâm, kind: centre}\nendpoints:\n"
        f'  - {{id: fb, channel: facebook, unit: tt, page_id: "1", token: env:FB, '
        f"api_base: {api_base}}}\n", encoding="utf-8")
    (root / ".env").write_text(f"FB={TOKEN}\n", encoding="utf-8")


def _fill(ledger, count: int, due: list[datetime]) -> None:
    """Insert ``count`` approved Facebook posts with the given due instants."""
    from schedules.ledger import bulk_insert, log
    from schedules.models import Campaign, Content, Post
    from schedules.plans import INSERT_COLUMNS

    now = datetime.now(UTC)
    with ledger.session() as s:
        s.add(Campaign(id="bench", title="Bench", timezone="Asia/Ho_Chi_Minh",
                       period_start=now.date(), period_end=now.date(), definition={},
                       definition_hash="h", approved_hash="h", created_at=now, updated_at=now))
        s.add(Content(hash="c" * 64, channel="facebook",
                      body={"title": "Tin", "text": "Nội dung tuyên truyền chuyển đổi số."}))
        s.flush()
        rows = [(f"bench/fb/{i}", "bench", "tin", "fb", "facebook", "tt", "c" * 64, 0,
                 due[i], due[i], None, due[i], "pending", 0, now) for i in range(count)]
        bulk_insert(s, Post.__table__, INSERT_COLUMNS, rows)
        log(s, "approved", campaign_id="bench", actor="bench")


def _dispatcher(root: Path, ledger, **kw):
    from campaign.runtime import make_dispatcher
    from campaign.workspace import Workspace

    return make_dispatcher(Workspace.open(root), ledger, platform_rates={}, **kw)


def floor(api_base: str, count: int) -> float:
    session = requests.Session()
    start = time.perf_counter()
    for _ in range(count):
        r = session.post(f"{api_base}/1/feed", data={
            "message": "Tin\n\nNội dung tuyên truyền chuyển đổi số.", "access_token": TOKEN},
            timeout=10)
        r.raise_for_status()
    return count / (time.perf_counter() - start)


def ours(api_base: str, tmp: Path) -> float:
    from schedules.ledger import Ledger

    root = tmp / "ours"
    _workspace(root, api_base)
    ledger = Ledger(f"sqlite:///{root / 'campaign.db'}")
    past = datetime.now(UTC) - timedelta(minutes=1)
    _fill(ledger, BACKLOG, [past] * BACKLOG)
    dispatcher = _dispatcher(root, ledger)
    start = time.perf_counter()
    summary = dispatcher.run_once(limit=MEASURED)
    seconds = time.perf_counter() - start
    assert summary.counts["sent"] == MEASURED, summary
    dispatcher.close()
    ledger.dispose()
    return MEASURED / seconds


def _naive_send(api_base: str) -> None:
    requests.post(f"{api_base}/1/feed", data={
        "message": "Tin\n\nNội dung tuyên truyền chuyển đổi số.", "access_token": TOKEN},
        timeout=10).raise_for_status()
    _NAIVE_DONE.release()


_NAIVE_DONE = threading.Semaphore(0)


def naive(api_base: str, tmp: Path) -> float:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{tmp / 'naive.db'}")},
        timezone="UTC", job_defaults={"misfire_grace_time": 3600})
    scheduler.start()
    due = datetime.now(UTC) + timedelta(seconds=2)
    start = time.perf_counter()
    for i in range(NAIVE):
        scheduler.add_job(_naive_send, "date", run_date=due, args=[api_base], id=f"p{i}")
    for _ in range(NAIVE):
        _NAIVE_DONE.acquire(timeout=600)
    seconds = time.perf_counter() - start
    scheduler.shutdown()
    return NAIVE / seconds


def lateness(api_base: str, tmp: Path) -> tuple[float, float]:
    from sqlalchemy import select

    from schedules.ledger import Ledger
    from schedules.models import LogEntry, Post

    root = tmp / "late"
    _workspace(root, api_base)
    ledger = Ledger(f"sqlite:///{root / 'campaign.db'}")
    t0 = datetime.now(UTC) + timedelta(seconds=3)
    count = RATE * SECONDS
    _fill(ledger, count, [t0 + timedelta(seconds=i / RATE) for i in range(count)])
    dispatcher = _dispatcher(root, ledger, batch=50)
    deadline = time.monotonic() + SECONDS + 30
    sent = 0
    while sent < count and time.monotonic() < deadline:  # the service's loop, tick 0.1 s
        sent += dispatcher.run_once().counts.get("sent", 0)
        time.sleep(0.1)
    with ledger.session() as s:
        due = dict(s.execute(select(Post.id, Post.due_at)).all())
        delays = [(at - due[pid]).total_seconds() for pid, at in s.execute(
            select(LogEntry.post_id, LogEntry.at).where(LogEntry.event == "sent"))]
    dispatcher.close()
    ledger.dispose()
    assert len(delays) == count, f"only {len(delays)} of {count} sent"
    q = statistics.quantiles(delays, n=100)
    return q[49], q[98]


def run() -> list[dict]:
    server, api_base = _start_server()
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            floor_rate = floor(api_base, MEASURED)
            ours_rate = ours(api_base, tmp)
            naive_rate = naive(api_base, tmp)
            p50, p99 = lateness(api_base, tmp)
    finally:
        server.terminate()
        server.wait()
    return [
        {"name": "dispatch_posts_per_s", "value": round(ours_rate, 1), "unit": "posts/s",
         "floor": round(floor_rate, 1), "ratio": round(ours_rate / floor_rate, 3),
         "backlog": BACKLOG, "target": ">= 0.5 of a bare requests.Session loop"},
        {"name": "dispatch_vs_naive_apscheduler", "value": round(ours_rate, 1),
         "unit": "posts/s", "floor": round(naive_rate, 1),
         "ratio": round(ours_rate / naive_rate, 2), "naive_posts": NAIVE,
         "target": ">= 10x one APScheduler job per post in SQLAlchemyJobStore"},
        {"name": "dispatch_lateness_p50", "value": round(p50 * 1000, 1), "unit": "ms",
         "floor": None, "ratio": None, "load": f"{RATE} due posts/s for {SECONDS} s"},
        {"name": "dispatch_lateness_p99", "value": round(p99 * 1000, 1), "unit": "ms",
         "floor": 1000.0, "ratio": round(p99, 3), "target": "p99 <= 1000 ms"},
    ]


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    for row in run():
        print(row)
