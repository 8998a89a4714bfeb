"""Consistent copies of the ledger while the engine keeps running, and loading them back.

SQLite: the online backup API copies the database page by page inside one read transaction;
in WAL mode the dispatcher keeps writing meanwhile and the copy is the ledger as of one
instant. PostgreSQL: ``pg_dump`` (one repeatable-read snapshot), loaded with ``psql`` in a
single transaction. The password goes to the tools in ``PGPASSWORD``, never on a command line
that ``ps`` shows.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url

from assets.systools import require
from channels.base import ConfigError

SQLITE_NAME = "ledger.sqlite"
POSTGRES_NAME = "ledger.sql"


def dialect_of(url: str) -> str:
    return make_url(url).get_backend_name()


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ConfigError("Sổ cái SQLite trong bộ nhớ không sao lưu được.")
    return Path(database)


def dump_ledger(url: str, folder: Path) -> Path:
    """Write a consistent copy of the ledger at ``url`` into ``folder``; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    if dialect_of(url) == "sqlite":
        return _sqlite_copy(sqlite_path(url), folder / SQLITE_NAME)
    if dialect_of(url) == "postgresql":
        out = folder / POSTGRES_NAME
        _pg_tool("pg_dump", url, ["--no-owner", "--no-privileges", "--format=plain",
                                  "--file", str(out)])
        return out
    raise ConfigError(f"Chưa hỗ trợ sao lưu cơ sở dữ liệu loại {dialect_of(url)}.")


def _sqlite_copy(source: Path, target: Path) -> Path:
    """SQLite's online backup API: consistent while other connections write."""
    if not source.is_file():
        raise ConfigError(f"Không thấy tệp sổ cái {source}.")
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        with dst:
            src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        dst.close()
        src.close()
    partial.replace(target)
    return target


def load_ledger(dump: Path, url: str) -> None:
    """Load a dump made by :func:`dump_ledger` into the empty ledger at ``url``.

    Refuses a ledger that already holds tables: a restore never overwrites live data.
    """
    kind = dialect_of(url)
    if dump.name == SQLITE_NAME and kind != "sqlite" or dump.name == POSTGRES_NAME \
            and kind != "postgresql":
        raise ConfigError(
            f"Bản sao lưu chứa sổ cái {'SQLite' if dump.name == SQLITE_NAME else 'PostgreSQL'}"
            f" nhưng CAMPAIGN_DB trỏ tới {kind}. Khôi phục vào cùng loại cơ sở dữ liệu.")
    if kind == "sqlite":
        target = sqlite_path(url)
        if target.exists() and target.stat().st_size:
            raise ConfigError(f"Đã có sổ cái {target}; không ghi đè. Chọn thư mục trống.")
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(dump, target)
        return
    if not is_empty(url):
        raise ConfigError("Cơ sở dữ liệu PostgreSQL đích đã có bảng; không ghi đè. Tạo một cơ "
                          "sở dữ liệu trống rồi đặt CAMPAIGN_DB trỏ tới nó.")
    _pg_tool("psql", url, ["--quiet", "--no-psqlrc", "--single-transaction",
                           "-v", "ON_ERROR_STOP=1", "--file", str(dump)])


def is_empty(url: str) -> bool:
    """True when the database at ``url`` has no tables (or, for SQLite, no file yet)."""
    if dialect_of(url) == "sqlite" and not sqlite_path(url).exists():
        return True
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()


def _pg_tool(tool: str, url: str, args: list[str]) -> None:
    parsed: URL = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    conn = [f"--host={parsed.host or 'localhost'}", f"--port={parsed.port or 5432}",
            f"--dbname={parsed.database or 'postgres'}"]
    if parsed.username:
        conn.append(f"--username={parsed.username}")
    proc = subprocess.run([require(tool), *conn, "--no-password", *args], env=env,
                          capture_output=True, text=True, check=False, timeout=3600)
    if proc.returncode != 0:
        detail = proc.stderr.strip().replace(str(parsed.password or "\0"), "***")[-400:]
        raise ConfigError(f"{tool} báo lỗi: {detail}")
