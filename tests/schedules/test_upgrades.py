"""Upgrading a ledger made at every earlier migration level loses nothing.

The levels come from alembic's own script directory, so a new migration is covered without
touching this file. The data is real: a planned, approved, partly delivered campaign with web
users and stored tokens, copied into each older schema (the columns that level has).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from campaign.approval import approve
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.runtime import make_dispatcher
from campaign.web.users import add_user
from campaign.workspace import Workspace
from schedules.dispatcher import open_posts_due_times
from schedules.ledger import HEAD_REVISION, MIGRATIONS, EncryptedTokenStore, Ledger, new_secret_key
from tests.conftest import CAMPAIGN


def _config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def revisions() -> list[str]:
    """Every migration level, oldest first."""
    script = ScriptDirectory.from_config(_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


OLDER = revisions()[:-1]


def test_the_levels_come_from_alembic_and_end_at_head() -> None:
    levels = revisions()
    assert levels[0] == "0001" and levels[-1] == HEAD_REVISION and len(levels) >= 4


def _at_level(path: Path, revision: str) -> None:
    engine = create_engine(f"sqlite:///{path}")
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        alembic_command.upgrade(cfg, revision)
    engine.dispose()


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND "
                                       "name NOT LIKE 'sqlite_%' AND name != 'alembic_version'")]


def _rows(conn: sqlite3.Connection, table: str, columns: list[str]) -> set[tuple]:
    return set(conn.execute(f"SELECT {', '.join(columns)} FROM {table}"))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A head-level ledger with a real campaign in mid-life; its file and secret key."""
    from campaign.sample import write_workspace
    from tests.conftest import WARDS

    root = tmp_path_factory.mktemp("live") / "ws"
    write_workspace(root, outbox=True, wards=WARDS)
    text = (root / "directory.yaml").read_text(encoding="utf-8")
    (root / "directory.yaml").write_text(
        text.replace("slot_minutes: 15, deliver: {via: outbox}",
                     "slot_minutes: 15, deliver: {via: outbox, audio: false}"), encoding="utf-8")
    (root / "campaigns" / "thu-nghiem.yaml").write_text(CAMPAIGN, encoding="utf-8")
    ws = Workspace.open(root)
    ledger = Ledger(ws.db_url)
    campaign = load_campaign(root / "campaigns" / "thu-nghiem.yaml", ws.directory, ws.media_dir)
    apply_plan(ledger, build_plan(campaign, ws.directory), now=datetime(2025, 4, 20, tzinfo=UTC))
    approve(ledger, campaign.id, "Lãnh đạo", now=datetime(2025, 4, 21, tzinfo=UTC))
    dispatcher = make_dispatcher(ws, ledger)
    for instant in open_posts_due_times(ledger, campaign.id)[:6]:
        dispatcher.run_once(now=instant)
    dispatcher.close()
    add_user(ledger, "can-bo", "operator", "mat-khau-dai-du-12")
    key = new_secret_key()
    EncryptedTokenStore(ledger, key).put("zalo-trung-tam", "refresh_token", "rt-bi-mat")
    ledger.dispose()
    return root / "campaign.db", key


@pytest.mark.parametrize("revision", OLDER)
def test_upgrade_from_each_level_keeps_every_row(revision: str, live: tuple[Path, str],
                                                 tmp_path: Path) -> None:
    source, key = live
    old = tmp_path / "ws" / "campaign.db"
    old.parent.mkdir()
    _at_level(old, revision)
    src, dst = sqlite3.connect(source), sqlite3.connect(old)
    expected: dict[str, tuple[list[str], set[tuple]]] = {}
    for table in _tables(dst):
        columns = [c for c in _columns(dst, table) if c in _columns(src, table)]
        rows = _rows(src, table, columns)
        dst.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                        f"({', '.join('?' for _ in columns)})", rows)
        expected[table] = (columns, rows)
    dst.commit()
    src.close()
    dst.close()
    assert sum(len(rows) for _, rows in expected.values()) > 100

    ledger = Ledger(f"sqlite:///{old}")  # the upgrade, as at start-up
    assert ledger._revision() == HEAD_REVISION
    after = sqlite3.connect(old)
    for table, (columns, rows) in expected.items():
        assert _rows(after, table, columns) == rows, table
    after.close()
    # the automatic pre-upgrade copy is at the old level and holds the same posts
    copies = list((old.parent / "backups").glob(f"truoc-nang-cap-{revision}-*/ledger.sqlite"))
    assert len(copies) == 1
    copy = sqlite3.connect(copies[0])
    assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == (revision,)
    assert _rows(copy, "posts", expected["posts"][0]) == expected["posts"][1]
    copy.close()
    # stored tokens still decrypt with the same key after the upgrade
    assert EncryptedTokenStore(ledger, key).get("zalo-trung-tam", "refresh_token") == "rt-bi-mat"
    ledger.dispose()


def test_opening_a_current_ledger_makes_no_backup(tmp_path: Path) -> None:
    Ledger(f"sqlite:///{tmp_path / 'campaign.db'}").dispose()
    Ledger(f"sqlite:///{tmp_path / 'campaign.db'}").dispose()
    assert not (tmp_path / "backups").exists()
