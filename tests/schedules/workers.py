"""Real `campaign run` processes for engine tests, and the checks every run must pass."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from schedules.ledger import Ledger
from schedules.models import OPEN_STATES, LogEntry, Post

FINAL = {"sent", "failed", "expired", "unconfirmed"}


def start_worker(workspace: Path, *, owner: str, lease: float = 2.0, batch: int = 3,
                 interval: float = 0.2, lanes: int = 4) -> subprocess.Popen:
    """`campaign run` as an operator would start it, in its own process group."""
    env = {**os.environ, "CAMPAIGN_OWNER": owner, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "campaign.cli", "run", "-w", str(workspace),
         "--interval", str(interval), "--lease-seconds", str(lease), "--batch", str(batch),
         "--lanes", str(lanes)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def stop_worker(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> str:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
    return err.decode(errors="replace")


def wait_until_settled(ledger: Ledger, timeout: float) -> dict[str, str]:
    """Poll the ledger until no post is open or claimed; return key → state."""
    deadline = time.monotonic() + timeout
    while True:
        with ledger.session() as s:
            states = {p.key: p.state for p in s.scalars(select(Post))}
        if not any(st in (*OPEN_STATES, "claimed") for st in states.values()):
            return states
        if time.monotonic() > deadline:
            return states
        time.sleep(0.2)


def concurrent_claims(make: Callable[[str], Any], now: Callable[[], Any], *, workers: int = 4,
                      batch: int = 5) -> list[list[int]]:
    """Several dispatchers claim at the same instant until nothing is left; their claims."""
    claims: list[list[int]] = []
    barrier = threading.Barrier(workers)

    def worker(n: int) -> None:
        dispatcher = make(f"w{n}")
        barrier.wait()
        mine: list[int] = []
        while claimed := dispatcher.claim(now(), batch):
            mine.extend(claimed)
        claims.append(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return claims


def sent_log_counts(ledger: Ledger) -> Counter[int]:
    with ledger.session() as s:
        return Counter(s.scalars(select(LogEntry.post_id).where(LogEntry.event == "sent")))


def story_is_consistent(ledger: Ledger) -> list[str]:
    """Every post's log is a story the state agrees with: claims before outcomes, one end."""
    problems = []
    with ledger.session() as s:
        posts = {p.id: p for p in s.scalars(select(Post))}
        events: dict[int, list[str]] = {}
        for entry in s.scalars(select(LogEntry).where(LogEntry.post_id.is_not(None))
                               .order_by(LogEntry.id)):
            events.setdefault(entry.post_id, []).append(entry.event)
    for pid, post in posts.items():
        story = events.get(pid, [])
        if post.state == "sent" and story.count("sent") != 1:
            problems.append(f"{post.key}: {story}")
        if story and story[-1] not in (post.state, "claimed") and not (
                post.state == "unconfirmed" and story[-1] == "unconfirmed"):
            problems.append(f"{post.key} ends {story[-1]} but is {post.state}")
        if story.count("claimed") < sum(story.count(e) for e in ("sent", "failed")):
            problems.append(f"{post.key}: outcome without claim {story}")
    return problems
