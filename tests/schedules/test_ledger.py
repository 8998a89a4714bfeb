"""The ledger itself: migrations match the models, UTC instants, encrypted rotating tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import text

from campaign.cli import main
from campaign.runtime import token_store
from channels.base import ConfigError
from schedules.ledger import HEAD_REVISION, MIGRATIONS, EncryptedTokenStore, Ledger, log
from schedules.models import Base, LogEntry


def test_migrations_match_the_models(tmp_path):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.db'}")
    with ledger.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_instants_round_trip_as_utc(tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.db'}")
    local = datetime(2025, 3, 1, 5, 30, tzinfo=timezone(timedelta(hours=7)))
    with ledger.session() as s:
        log(s, "planned", at=local)
    with ledger.session() as s:
        entry = s.query(LogEntry).one()
        raw = s.execute(text("SELECT at FROM delivery_log")).scalar()
    assert entry.at == local and entry.at.tzinfo == UTC
    assert raw.startswith("2025-02-28 22:30:00")
    with pytest.raises(Exception, match="naive"), ledger.session() as s:
        log(s, "planned", at=datetime(2025, 3, 1, 5, 30))


def test_rotating_tokens_are_encrypted_with_the_workspace_key(ws, tmp_path):
    key = CliRunner().invoke(main, ["secret-key"]).output.strip()
    assert token_store(ws) is None  # no key yet: nothing is stored in plain text
    (ws.root / ".env").write_text(key + "\n", encoding="utf-8")
    ws._secrets = None
    store = token_store(ws)
    store.put("zalo-trung-tam", "refresh_token", "RT-SECRET-VALUE-1")
    store.put("zalo-trung-tam", "refresh_token", "RT-SECRET-VALUE-2")
    assert store.get("zalo-trung-tam", "refresh_token") == "RT-SECRET-VALUE-2"
    raw = (ws.root / "campaign.db").read_bytes() + (ws.root / "campaign.db-wal").read_bytes()
    assert b"RT-SECRET-VALUE" not in raw
    other = EncryptedTokenStore(store.ledger, key=CliRunner().invoke(
        main, ["secret-key"]).output.strip().split("=", 1)[1])
    with pytest.raises(ConfigError, match="khoá"):
        other.get("zalo-trung-tam", "refresh_token")
