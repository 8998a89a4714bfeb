"""A SQLite ledger whose disk fills up under a running worker: one Vietnamese line, a
back-off, `campaign status` shows the fault, and delivery resumes by itself once the disk has
room again.

The fault is real: the ledger lives on its own tiny tmpfs, filled with a file while the WAL is
empty, so the next write cannot grow it (SQLITE_FULL). Mounting needs root (CAP_SYS_ADMIN);
the test is skipped where the machine refuses it. A read-only SQLite filesystem could not be
made the same way (Linux refuses to remount a filesystem read-only while the worker holds the
ledger open for writing); the read-only fault is tested on PostgreSQL (test_postgres.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from campaign.approval import approve
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from schedules.models import Post, utcnow
from tests.channels.fakes.graph_api import GraphAPI
from tests.schedules.engine_fixtures import fb_workspace
from tests.schedules.workers import start_worker, stop_worker, wait_until_settled


@contextmanager
def tiny_fs(where: Path, size: str = "4m") -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}): needs root")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def due_in(ledger: Ledger, seconds: float) -> None:
    at = utcnow() + timedelta(seconds=seconds)
    with ledger.session() as s:
        s.execute(update(Post).values(due_at=at, available_at=at, slot_at=at, expires_at=None))


def status_fault(root: Path) -> str | None:
    out = subprocess.run([sys.executable, "-m", "campaign.cli", "status", "-w", str(root),
                          "--json"], capture_output=True, text=True, timeout=60)
    data = json.loads(out.stdout) if out.returncode == 0 else {}
    faults = [w["fault"] for w in data.get("workers", []) if w.get("fault")]
    return faults[0] if faults else None


def run_through_fault(tmp_path: Path, break_it: Callable[[Path], None],
                      mend: Callable[[Path], None], words: str) -> None:
    with GraphAPI() as graph, tiny_fs(tmp_path / "disk") as disk:
        root = fb_workspace(tmp_path / "ws", graph.api_base, messages=6,
                            db_url=f"sqlite:///{disk / 'campaign.db'}")
        ws = Workspace.open(root)
        ledger = Ledger(ws.db_url)
        campaign = load_campaign(ws.campaigns_dir / "su-co.yaml", ws.directory)
        apply_plan(ledger, build_plan(campaign, ws.directory),
                   now=datetime(2025, 4, 1, tzinfo=UTC))
        approve(ledger, campaign.id, "Lãnh đạo")
        due_in(ledger, 6.0)  # due once the worker is up and the disk broken
        with ledger.engine.connect() as conn:  # an empty WAL: the next write must grow it
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        ledger.dispose()
        worker = start_worker(root, owner="may-1", lanes=4)
        try:
            time.sleep(3)
            break_it(disk)
            deadline = time.monotonic() + 30
            shown = None
            while time.monotonic() < deadline and not shown:
                time.sleep(0.5)
                shown = status_fault(root)
            assert shown and words in shown, shown
            time.sleep(3)  # several passes fail meanwhile
            assert not graph.posts
            mend(disk)
            ledger = Ledger(ws.db_url, migrate=False)
            states = wait_until_settled(ledger, timeout=60)
        finally:
            err = stop_worker(worker)
        assert set(states.values()) == {"sent"}, states
        assert len(graph.posts) == 6  # each once
        assert "Traceback" not in err, err
        assert err.count(words) == 1, err  # one line for the fault, not one per pass
        assert "hoạt động trở lại" in err
        ledger.dispose()


def test_full_disk_gives_one_vietnamese_line_and_recovers_by_itself(tmp_path):
    def fill(disk: Path) -> None:
        with (disk / "filler").open("wb") as out:
            try:
                while True:
                    out.write(b"\0" * 65536)
                    out.flush()
            except OSError:
                pass

    def free(disk: Path) -> None:
        os.unlink(disk / "filler")

    run_through_fault(tmp_path, fill, free, "đầy")
