"""`campaign backup` / `campaign restore`: consistent copies while the engine runs, secrets left
out unless asked, a live workspace never overwritten, and delivery carrying on after a restore."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from campaign.approval import approve
from campaign.backup import make_backup, prune_backups, restore_backup
from campaign.cli import main
from campaign.errors import InputError
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.runtime import make_dispatcher
from campaign.workspace import Workspace
from schedules.dispatcher import open_posts_due_times
from schedules.ledger import Ledger
from schedules.models import LogEntry, Post
from tests.channels.fakes.graph_api import GraphAPI
from tests.conftest import CAMPAIGN
from tests.pgserver import postgres
from tests.schedules.engine_fixtures import FB_TOKEN, fb_workspace
from tests.schedules.test_crash import make_due_now
from tests.schedules.workers import (
    FINAL,
    sent_log_counts,
    start_worker,
    stop_worker,
    story_is_consistent,
    wait_until_settled,
)


def _planned(ws: Workspace, ledger: Ledger, passes: int = 4) -> None:
    (ws.campaigns_dir / "thu-nghiem.yaml").write_text(CAMPAIGN, encoding="utf-8")
    campaign = load_campaign(ws.campaigns_dir / "thu-nghiem.yaml", ws.directory, ws.media_dir)
    apply_plan(ledger, build_plan(campaign, ws.directory), now=datetime(2025, 4, 20, tzinfo=UTC))
    approve(ledger, campaign.id, "Lãnh đạo", now=datetime(2025, 4, 21, tzinfo=UTC))
    dispatcher = make_dispatcher(ws, ledger)
    for instant in open_posts_due_times(ledger, campaign.id)[:passes]:
        dispatcher.run_once(now=instant)
    dispatcher.close()


def _story(url: str) -> tuple[dict[str, str], list[tuple]]:
    ledger = Ledger(url, migrate=False)
    with ledger.session() as s:
        states = {p.key: p.state for p in s.scalars(select(Post))}
        log = [(e.id, e.event, e.post_id) for e in s.scalars(select(LogEntry).order_by(LogEntry.id))]
    ledger.dispose()
    return states, log


def _names(archive: Path) -> set[str]:
    with tarfile.open(archive) as tar:
        return set(tar.getnames())


def test_backup_then_restore_round_trip_without_secrets(ws: Workspace, ledger: Ledger,
                                                        tmp_path: Path) -> None:
    _planned(ws, ledger)
    (ws.root / ".env").write_text("FB_PAGE_TOKEN_TRUNG_TAM=EAAbimat\n", encoding="utf-8")
    (ws.media_dir / "anh.png").write_bytes(b"\x89PNG fake image bytes")
    out = CliRunner().invoke(main, ["backup", "-w", str(ws.root), "--json"])
    assert out.exit_code == 0, out.output
    archive = Path(json.loads(out.output)["path"])
    assert archive.parent == ws.root / "backups"
    names = _names(archive)
    assert {"manifest.json", "ledger.sqlite", "workspace/directory.yaml",
            "workspace/campaigns/thu-nghiem.yaml", "workspace/media/anh.png"} <= names
    assert "workspace/.env" not in names and "workspace/campaign.db" not in names
    assert not any("EAAbimat" in n for n in names)

    target = tmp_path / "khoi-phuc"
    out = CliRunner().invoke(main, ["restore", str(archive), "-w", str(target)])
    assert out.exit_code == 0, out.output
    assert "chép tệp .env" in out.output
    assert _story(ws.db_url) == _story(f"sqlite:///{target / 'campaign.db'}")
    assert (target / "media" / "anh.png").read_bytes() == b"\x89PNG fake image bytes"
    assert not (target / ".env").exists()
    assert not list(tmp_path.glob(".khoi-phuc-restore-*"))  # staging cleaned up


def test_with_secrets_keeps_the_env_file_private(ws: Workspace, ledger: Ledger,
                                                 tmp_path: Path) -> None:
    (ws.root / ".env").write_text("CAMPAIGN_SECRET_KEY=abc\n", encoding="utf-8")
    result = make_backup(ws, tmp_path / "out", with_secrets=True)
    assert "workspace/.env" in _names(result.path)
    assert result.path.stat().st_mode & 0o077 == 0
    restore_backup(result.path, tmp_path / "moi")
    assert (tmp_path / "moi" / ".env").read_text(encoding="utf-8") == "CAMPAIGN_SECRET_KEY=abc\n"


def test_restore_refuses_a_live_workspace_and_bad_files(ws: Workspace, ledger: Ledger,
                                                        tmp_path: Path) -> None:
    archive = make_backup(ws, tmp_path / "out").path
    before = sorted(p.name for p in ws.root.iterdir())
    out = CliRunner().invoke(main, ["restore", str(archive), "-w", str(ws.root)])
    assert out.exit_code == 2 and "không ghi đè" in out.output
    assert sorted(p.name for p in ws.root.iterdir()) == before
    junk = tmp_path / "hong.tar.gz"
    junk.write_bytes(b"not a backup")
    out = CliRunner().invoke(main, ["restore", str(junk), "-w", str(tmp_path / "trong")])
    assert out.exit_code == 2 and "không phải bản sao lưu" in out.output
    assert "Traceback" not in out.output and not (tmp_path / "trong").exists()


def test_a_failed_restore_leaves_nothing_half_written(ws: Workspace, ledger: Ledger,
                                                      tmp_path: Path) -> None:
    archive = make_backup(ws, tmp_path / "out").path
    target = tmp_path / "pg-sai"
    target.mkdir()
    # a prepared .env naming PostgreSQL, but the backup holds a SQLite ledger
    (target / ".env").write_text("CAMPAIGN_DB=postgresql+psycopg://u@127.0.0.1:1/x\n",
                                 encoding="utf-8")
    out = CliRunner().invoke(main, ["restore", str(archive), "-w", str(target)])
    assert out.exit_code == 2 and "cùng loại" in out.output
    assert [p.name for p in target.iterdir()] == [".env"]


def test_retention_keeps_the_newest(ws: Workspace, ledger: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "out"
    made = [make_backup(ws, out, now=datetime(2025, 3, d, 2, 37, tzinfo=UTC)).path
            for d in (1, 2, 3, 4)]
    removed = prune_backups(out, keep=2)
    assert removed == made[:2]
    assert sorted(out.glob("*.tar.gz")) == made[2:]


def test_restore_of_a_backup_taken_mid_delivery_carries_on(tmp_path: Path) -> None:
    with GraphAPI() as graph:
        graph.script("/feed", delay=0.15, times=10_000)
        root = fb_workspace(tmp_path / "ws", graph.api_base, messages=24, leds=3)
        ws = Workspace.open(root)
        ledger = Ledger(ws.db_url)
        campaign = load_campaign(ws.campaigns_dir / "su-co.yaml", ws.directory)
        apply_plan(ledger, build_plan(campaign, ws.directory),
                   now=datetime(2025, 4, 1, tzinfo=UTC))
        approve(ledger, campaign.id, "Lãnh đạo")
        make_due_now(ledger)
        worker = start_worker(root, owner="may-1", lease=1.5)
        deadline = time.monotonic() + 30
        while "sent" not in _story(ws.db_url)[0].values() and time.monotonic() < deadline:
            time.sleep(0.1)
        taken = subprocess.run(  # an operator's backup while `campaign run` delivers
            [sys.executable, "-m", "campaign.cli", "backup", "-w", str(root), "--with-secrets",
             "--json"], capture_output=True, text=True, check=True)
        assert worker.poll() is None, "the engine must still be running during the backup"
        stop_worker(worker, signal.SIGKILL)
        archive = Path(json.loads(taken.stdout)["path"])

        with tarfile.open(archive) as tar:
            tar.extract("ledger.sqlite", tmp_path)
        copy = sqlite3.connect(tmp_path / "ledger.sqlite")
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        copy.close()
        saved_states, saved_log = _story(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
        assert "sent" in saved_states.values(), "backup should land mid-delivery"
        assert set(saved_states.values()) - FINAL, "and before the end"

        restored = tmp_path / "khoi-phuc"
        restore_backup(archive, restored)
        assert (restored / ".env").read_text(encoding="utf-8").startswith(
            f"FB_PAGE_TOKEN={FB_TOKEN}")
        time.sleep(1.6)  # leases held at backup time lapse
        again = Ledger(f"sqlite:///{restored / 'campaign.db'}")
        final = start_worker(restored, owner="may-2", lease=1.5)
        states = wait_until_settled(again, timeout=60)
        err = stop_worker(final)
        assert "Traceback" not in err, err

        assert set(states) == set(saved_states)  # no post lost
        assert set(states.values()) <= FINAL
        for key, state in saved_states.items():
            if state in FINAL:  # settled before the backup: untouched by the restored engine
                assert states[key] == state, key
        _, log = _story(again.url)
        assert log[:len(saved_log)] == saved_log  # the log before the backup is intact
        assert max(sent_log_counts(again).values()) == 1
        assert story_is_consistent(again) == []
        again.dispose()
        ledger.dispose()


def test_postgres_backup_and_restore(tmp_path: Path) -> None:
    with postgres() as url:
        root = fb_workspace(tmp_path / "ws", "http://127.0.0.1:9", messages=6, db_url=url)
        ws = Workspace.open(root)
        ledger = Ledger(ws.db_url)
        campaign = load_campaign(ws.campaigns_dir / "su-co.yaml", ws.directory)
        apply_plan(ledger, build_plan(campaign, ws.directory),
                   now=datetime(2025, 4, 1, tzinfo=UTC))
        with ledger.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("CREATE DATABASE restored")
        result = make_backup(ws, tmp_path / "out")
        assert result.dialect == "postgresql" and "ledger.sql" in _names(result.path)
        restored_url = url.rsplit("/", 1)[0] + "/restored"
        target = tmp_path / "moi"
        target.mkdir()
        (target / ".env").write_text(f"CAMPAIGN_DB={restored_url}\n", encoding="utf-8")
        restore_backup(result.path, target)
        assert _story(url) == _story(restored_url)
        with pytest.raises(InputError):
            restore_backup(result.path, target)  # now live: refused
        ledger.dispose()
