"""Opening the ledger, migrating it, and the few writes every layer above shares.

The ledger is the source of truth: the scheduler only wakes the dispatcher; everything that
happened is a row here. The delivery log is append-only: :func:`log` only inserts.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Connection, Engine, Table, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from channels.base import ConfigError, TokenStore
from schedules.models import LogEntry, StoredToken, UTCDateTime, utcnow

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD_REVISION = "0006"
"""The newest migration; a test checks it against alembic's own view."""
SECRET_KEY_ENV = "CAMPAIGN_SECRET_KEY"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB: a national plan touches many index pages
    cur.close()


class Ledger:
    """An engine plus a session factory over one database URL."""

    def __init__(self, url: str, *, migrate: bool = True,
                 backup_dir: Path | None = None) -> None:
        self.url = url
        self.backup_dir = backup_dir
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=5)
        self.engine: Engine = create_engine(url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            path = self.engine.url.database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock: threading.RLock | None = (
            threading.RLock() if self.engine.dialect.name == "sqlite" else None)
        if migrate:
            self.migrate()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction (Core). On SQLite the threads of one process queue for it on
        a lock: SQLite's own busy handler would make them sleep 1–100 ms per collision,
        which capped ten lanes at ~250 posts/s; other processes still meet the busy timeout."""
        if self._write_lock is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._write_lock, self.engine.begin() as conn:
            yield conn

    def migrate(self) -> None:
        """Bring the schema to the newest alembic revision (alembic only loads when needed).

        An existing ledger at an older revision is first copied to the backup folder, so an
        upgrade that goes wrong can be undone with ``campaign restore``.
        """
        revision = self._revision()
        if revision == HEAD_REVISION:
            return
        if revision is not None:
            self.pre_upgrade_backup(revision)
        from alembic import command as alembic_command
        from alembic.config import Config as AlembicConfig

        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            alembic_command.upgrade(cfg, "head")

    def pre_upgrade_backup(self, revision: str) -> Path:
        """Copy the ledger before migrating it from ``revision``; the copy's path.

        The folder is ``backup_dir`` or ``backups/`` beside a SQLite file (the workspace), or
        in the working directory for PostgreSQL (the service runs in the workspace).
        """
        from schedules.snapshot import dump_ledger, sqlite_path

        folder = self.backup_dir
        if folder is None:
            base = sqlite_path(self.url).parent if self.dialect == "sqlite" else Path.cwd()
            folder = base / "backups"
        stamp = utcnow().strftime("%Y%m%d-%H%M%S")
        target = folder / f"truoc-nang-cap-{revision}-{stamp}"
        return dump_ledger(self.url, target)

    def _revision(self) -> str | None:
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def log(session: Session, event_name: str, *, campaign_id: str | None = None,
        post_id: int | None = None, endpoint_id: str | None = None, actor: str | None = None,
        detail: Mapping[str, Any] | None = None, at: datetime | None = None) -> None:
    """Append one entry to the delivery log (inside the caller's transaction)."""
    session.add(LogEntry(at=at or utcnow(), campaign_id=campaign_id, post_id=post_id,
                         endpoint_id=endpoint_id, event=event_name, actor=actor,
                         detail=dict(detail or {})))


def log_many(session: Session, rows: Iterable[Mapping[str, Any]]) -> None:
    """Append many entries at once (bulk insert; same columns as :func:`log`)."""
    rows = [dict(r) for r in rows]
    if rows:
        session.execute(cast(Table, LogEntry.__table__).insert(), rows)  # Core: no ORM work


def bulk_insert(session: Session, table: Table, columns: Sequence[str],
                rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows (tuples in ``columns`` order) fast.

    On SQLite, SQLAlchemy's per-value type processing costs more than SQLite itself, so rows
    go to the driver directly with instants pre-formatted exactly as :class:`UTCDateTime`
    stores them (the claim query compares these strings). Elsewhere, the normal path.
    """
    if not rows:
        return
    if session.get_bind().dialect.name != "sqlite":
        session.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    instants = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, UTCDateTime)]
    data = []
    for row in rows:
        values = list(row)
        for i in instants:
            if values[i] is not None:
                values[i] = _sqlite_instant(values[i])
        data.append(tuple(values))
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
           f"VALUES ({', '.join('?' for _ in columns)})")
    session.connection().exec_driver_sql(sql, data)


@lru_cache(maxsize=1 << 16)
def _sqlite_instant(value: datetime) -> str:
    """UTCDateTime's SQLite storage form; cached because slot instants repeat per station."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the ledger; use an aware UTC instant")
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_value(value: Any) -> Any:
    return _sqlite_instant(value) if isinstance(value, datetime) else value


class EncryptedTokenStore(TokenStore):
    """Rotating credentials, Fernet-encrypted with a key from ``CAMPAIGN_SECRET_KEY``.

    Each ``put`` commits in its own transaction before returning, so a token the platform has
    just rotated survives a crash one instant later.
    """

    def __init__(self, ledger: Ledger, key: str | None = None) -> None:
        self.ledger = ledger
        self._key = key

    def _fernet(self) -> Fernet:
        key = self._key or os.environ.get(SECRET_KEY_ENV)
        if not key:
            raise ConfigError(
                f"Chưa đặt khoá mã hoá {SECRET_KEY_ENV}. Tạo khoá bằng lệnh "
                "'campaign secret-key' rồi thêm vào tệp .env.")
        try:
            return Fernet(key.encode())
        except ValueError:
            raise ConfigError(f"Khoá {SECRET_KEY_ENV} không hợp lệ. Tạo khoá mới bằng lệnh "
                              "'campaign secret-key'.") from None

    def get(self, endpoint_id: str, name: str) -> str | None:
        with self.ledger.session() as session:
            row = session.get(StoredToken, (endpoint_id, name))
            if row is None:
                return None
            try:
                return self._fernet().decrypt(row.ciphertext.encode()).decode()
            except InvalidToken:
                raise ConfigError(
                    f"Không giải mã được khoá lưu cho {endpoint_id}: khoá {SECRET_KEY_ENV} đã "
                    "đổi. Đặt lại khoá cũ hoặc kết nối lại tài khoản.") from None

    def put(self, endpoint_id: str, name: str, value: str) -> None:
        token = self._fernet().encrypt(value.encode()).decode()
        with self.ledger.session() as session:
            row = session.get(StoredToken, (endpoint_id, name))
            if row is None:
                session.add(StoredToken(endpoint_id=endpoint_id, name=name, ciphertext=token,
                                        updated_at=utcnow()))
            else:
                row.ciphertext = token
                row.updated_at = utcnow()


def new_secret_key() -> str:
    return Fernet.generate_key().decode()
