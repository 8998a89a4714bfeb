"""A district's wards on a real icecast2 (loopback): a workspace, a bulletin, the server.

Every ward has its own mount; all sessions are at the same instant, so one worker must stream
to every mount at once.
"""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from campaign.approval import approve
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from schedules.models import LogEntry, Post, Worker, utcnow
from tests.icecastserver import ICE_PASSWORD, icecast_status


def live_mounts(port: int) -> set[str]:
    sources = icecast_status(port).get("source") or []
    if isinstance(sources, dict):
        sources = [sources]
    return {s.get("listenurl", "").rsplit("/", 1)[-1] for s in sources}


def ward_workspace(root: Path, port: int, *, wards: int, seconds: int,
                   db_url: str | None = None) -> Path:
    """Wards p0…pN-1, each a loudspeaker station streaming to /pI.mp3; one recorded bulletin."""
    (root / "campaigns").mkdir(parents=True, exist_ok=True)
    (root / "media").mkdir(exist_ok=True)
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}", "-ac", "1", "-c:a", "libmp3lame",
                    "-b:a", "32k", "-y", str(root / "media" / "ban-tin.mp3")], check=True)
    units = ["  - {id: trung-tam, name: Trung tâm, kind: centre}"]
    endpoints = []
    for i in range(wards):
        units.append(f"  - {{id: p{i}, name: Phường {i}, groups: [phuong-xa]}}")
        endpoints.append(
            f"  - {{id: loa-p{i}, channel: loudspeaker, unit: p{i}, slots: ['05:30'], "
            f"slot_minutes: 3, deliver: {{via: icecast, url: 'http://127.0.0.1:{port}/p{i}.mp3',"
            f" password: env:ICE_PW, bitrate: 16}}}}")
    (root / "directory.yaml").write_text(
        "timezone: Asia/Ho_Chi_Minh\nunits:\n" + "\n".join(units) + "\nendpoints:\n"
        + "\n".join(endpoints) + "\n", encoding="utf-8")
    env = f"ICE_PW={ICE_PASSWORD}\n" + (f"CAMPAIGN_DB={db_url}\n" if db_url else "")
    (root / ".env").write_text(env, encoding="utf-8")
    (root / "campaigns" / "sang.yaml").write_text(
        "id: sang\ntitle: Bản tin sáng\nperiod: {start: 2025-04-28, end: 2025-04-28}\n"
        "holidays: keep\ntargets: [phuong-xa]\nmessages:\n"
        "  - id: ban-tin\n    title: Bản tin sáng\n"
        "    loudspeaker: {script: Bản tin sáng của phường., audio: ban-tin.mp3}\n"
        "schedule:\n  loudspeaker: {days: hang-ngay}\n", encoding="utf-8")
    return root


def plan_morning(root: Path, *, starts_in: float = 3.0, window: float = 180.0,
                 ledger: Ledger | None = None) -> tuple[Ledger, datetime]:
    """Plan and approve the morning; move every session to ``starts_in`` seconds from now."""
    ws = Workspace.open(root)
    ledger = ledger or Ledger(ws.db_url)
    campaign = load_campaign(ws.campaigns_dir / "sang.yaml", ws.directory)
    apply_plan(ledger, build_plan(campaign, ws.directory), now=datetime(2025, 4, 1, tzinfo=UTC))
    approve(ledger, campaign.id, "Lãnh đạo")
    session = utcnow() + timedelta(seconds=starts_in)
    with ledger.session() as s:
        s.execute(update(Post).values(due_at=session, available_at=session, slot_at=session,
                                      expires_at=session + timedelta(seconds=window)))
    return ledger, session


def when_worker_is_up(ledger: Ledger, owner: str, timeout: float = 30) -> None:
    """Wait until a started worker has published its first heartbeat (it is claiming)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with ledger.session() as s:
            if s.get(Worker, owner) is not None:
                return
        time.sleep(0.1)
    raise AssertionError(f"worker {owner} never started")


def move_session(ledger: Ledger, starts_in: float, window: float = 180.0) -> datetime:
    """Every open post's session starts ``starts_in`` seconds from now."""
    session = utcnow() + timedelta(seconds=starts_in)
    with ledger.session() as s:
        s.execute(update(Post).values(due_at=session, available_at=session, slot_at=session,
                                      expires_at=session + timedelta(seconds=window)))
    return session


def stories(ledger: Ledger) -> dict[int, list[tuple[str, datetime, dict[str, Any]]]]:
    """post id → its log rows (event, at, detail), in order."""
    out: dict[int, list[tuple[str, datetime, dict[str, Any]]]] = {}
    with ledger.session() as s:
        for e in s.scalars(select(LogEntry).where(LogEntry.post_id.is_not(None))
                           .order_by(LogEntry.id)):
            out.setdefault(e.post_id, []).append((e.event, e.at, e.detail))
    return out


def stream_start(at: datetime, detail: dict[str, Any]) -> datetime:
    """When a stream began: its log row is written when it ends, after ``stream_seconds``."""
    return at - timedelta(seconds=float(detail["stream_seconds"]))
