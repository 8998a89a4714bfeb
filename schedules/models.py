"""The ledger: campaigns, posts, their content and the append-only delivery log.

Every instant is stored in UTC. On PostgreSQL the columns are ``timestamptz``; on SQLite they
are ISO strings in UTC, and :class:`UTCDateTime` hands back aware datetimes either way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    CursorResult,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Result,
    String,
    Table,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the ledger; use an aware UTC instant")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def table(model: type[DeclarativeBase]) -> Table:
    """The Core table of a mapped class, for lean statements on hot paths (typed as a Table:
    ``__table__`` is only a FromClause to the type checker)."""
    return cast(Table, model.__table__)


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE changed (a compare-and-set won when this is 1)."""
    return cast(CursorResult[Any], result).rowcount


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


# Post states. A post moves pending → claimed → sent | failed | retry | unconfirmed, and may
# end cancelled (re-planned away) or expired (its window passed before it could go out).
PENDING = "pending"
CLAIMED = "claimed"
SENT = "sent"
FAILED = "failed"
RETRY = "retry"
UNCONFIRMED = "unconfirmed"
CANCELLED = "cancelled"
EXPIRED = "expired"
STATES = (PENDING, CLAIMED, SENT, FAILED, RETRY, UNCONFIRMED, CANCELLED, EXPIRED)
OPEN_STATES = (PENDING, RETRY)
STATE_LABEL = {
    PENDING: "Chờ gửi", CLAIMED: "Đang gửi", SENT: "Đã gửi", FAILED: "Lỗi",
    RETRY: "Chờ gửi lại", UNCONFIRMED: "Chưa rõ kết quả", CANCELLED: "Đã huỷ",
    EXPIRED: "Quá hạn",
}


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    report_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    definition: Mapped[dict[str, Any]]
    definition_hash: Mapped[str] = mapped_column(String(64))
    approved_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approved_definition: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    approved_by: Mapped[str | None] = mapped_column(Text, nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    source_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def approved(self) -> bool:
        return self.approved_hash is not None and self.approved_hash == self.definition_hash


class Content(Base):
    """A message's variant for one channel, stored once and shared by all its posts."""

    __tablename__ = "contents"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    body: Mapped[dict[str, Any]]


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        # The open queue in due order, so a claim reads the first few rows instead of sorting
        # the whole backlog; partial, so sent posts never bloat it. Urgent posts (priority,
        # emergency) have their own tiny queue and are claimed first.
        Index("ix_posts_queue", "available_at",
              sqlite_where=text("state IN ('pending', 'retry')"),
              postgresql_where=text("state IN ('pending', 'retry')")),
        Index("ix_posts_leases", "lease_expires_at",
              sqlite_where=text("state = 'claimed'"),
              postgresql_where=text("state = 'claimed'")),
        Index("ix_posts_urgent", "available_at",
              sqlite_where=text("state IN ('pending', 'retry') AND priority > 0"),
              postgresql_where=text("state IN ('pending', 'retry') AND priority > 0")),
        # Open posts by the end of their window, so expiry also finds posts held back (a
        # platform pause) beyond their window without walking the whole queue.
        Index("ix_posts_open_expiry", "expires_at",
              sqlite_where=text("state IN ('pending', 'retry')"),
              postgresql_where=text("state IN ('pending', 'retry')")),
        Index("ix_posts_campaign", "campaign_id", "state"),
        Index("ix_posts_progress", "campaign_id", "channel", "state", "confirmation"),
        Index("ix_posts_grid", "campaign_id", "channel", "unit_id", "slot_at", "confirmation",
              "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"))
    message_id: Mapped[str] = mapped_column(String(64))
    endpoint_id: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[str] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(ForeignKey("contents.hash"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    slot_at: Mapped[datetime]
    """The local slot this post belongs to (session start, day-part start, posting time)."""
    due_at: Mapped[datetime]
    """When delivery should start (slot minus any lead time)."""
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    available_at: Mapped[datetime]
    """Earliest next attempt: due_at at first, later pushed by retries."""
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    external_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    confirmation: Mapped[str | None] = mapped_column(String(16), nullable=True)
    """Evidence from people or players: received, played, not_played; hung (a photo of the
    printed banner up), published (the editor's article URL)."""
    updated_at: Mapped[datetime]


class LogEntry(Base):
    """Append-only: rows are inserted, never updated or deleted."""

    __tablename__ = "delivery_log"
    __table_args__ = (
        Index("ix_log_post", "post_id"),
        Index("ix_log_campaign_at", "campaign_id", "at"),
        Index("ix_log_at", "at"),
        Index("ix_log_event_at", "event", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    campaign_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    post_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    endpoint_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    event: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(Text, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class StoredToken(Base):
    """Credentials the software rotates itself (Zalo refresh tokens), encrypted at rest."""

    __tablename__ = "tokens"

    endpoint_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    ciphertext: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


# Log events (the vocabulary of the delivery log). The last two are review outcomes other than
# approval (a leader asked for changes, or rejected the content).
EVENTS: tuple[str, ...] = (
    "planned", "approved", "claimed", "sent", "failed", "retry", "unconfirmed", "resolved",
    "received", "played", "not_played", "cancelled", "expired", "refused", "reminded",
    "interrupted", "hung", "published", "revoked", "change_request", "rejected")
EVENT_LABEL = {
    "planned": "Lập lịch", "approved": "Phê duyệt", "claimed": "Nhận gửi", "sent": "Đã gửi",
    "failed": "Lỗi", "retry": "Gửi lại", "unconfirmed": "Chưa rõ kết quả",
    "resolved": "Đã xử lý", "received": "Đã nhận", "played": "Đã phát",
    "not_played": "Không phát được", "cancelled": "Huỷ", "expired": "Quá hạn",
    "refused": "Từ chối", "reminded": "Nhắc nhở", "interrupted": "Bị ngắt", "hung": "Đã treo",
    "published": "Đã đăng", "revoked": "Thu hồi phê duyệt",
}
EVENT_LABEL.update({"change_request": "Yêu cầu sửa", "rejected": "Không duyệt"})


class Worker(Base):
    """A running ``campaign run`` worker: its heartbeat and what each lane delivers now.

    Rewritten by the worker every few seconds; read by ``campaign status``. Not history: the
    delivery log is the history.
    """

    __tablename__ = "workers"

    owner: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    lanes: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    jobs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """One entry per delivery in flight: lane, post id, key, endpoint, since."""
    fault: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The database fault this worker last recovered from or is in (Vietnamese)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class WebUser(Base):
    """A person who may open the dashboard; ``role`` decides what they may change.

    Kept in the ledger so every actor written to the log by the dashboard is a known account.
    Only an argon2 hash of the password is stored.
    """

    __tablename__ = "web_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    unit: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """The ward a ``ward`` account reports for (and the only unit it may see)."""


# --------------------------------------------------------------------------- ward reports
ACTIVITY_KINDS: dict[str, tuple[str, str, str]] = {
    "hoi_nghi": ("Hội nghị", "hội nghị", "người dự"),
    "chi_bo": ("Sinh hoạt chi bộ", "buổi", "đảng viên dự"),
    "bao_cao_vien": ("Báo cáo viên", "buổi", "người nghe"),
    "luu_dong": ("Thông tin lưu động", "lượt", "người xem/nghe"),
    "to_roi": ("Tờ rơi phát", "tờ", "người nhận"),
    "bang_ron": ("Băng rôn, pano treo", "cái", ""),
    "loa_them": ("Loa phát thêm", "buổi", ""),
    "khac": ("Hoạt động khác", "lần", "người tham gia"),
}
"""Forms of propaganda the guidance names that no adapter delivers, reported by the wards:
key → (label, what ``times`` counts, what ``participants`` counts; "" when it does not apply).
The one table of these kinds: the bot, the web form and the report all read it."""


class WardReport(Base):
    """What a ward did for a campaign, as its staff reported it. Append-only: a correction is
    a new row naming the row it corrects (``corrects``); nothing is ever updated or deleted."""

    __tablename__ = "ward_reports"
    __table_args__ = (
        Index("ix_ward_reports_campaign", "campaign_id", "unit_id"),
        Index("ix_ward_reports_corrects", "corrects"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"))
    unit_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    """The local day the activity took place."""
    times: Mapped[int] = mapped_column(Integer, default=1)
    participants: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)
    """SHA-256 keys of the evidence photos in the workspace's content-addressed store."""
    reporter: Mapped[str] = mapped_column(Text)
    """Who: the person's name as Telegram or the dashboard account gives it."""
    telegram_user: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    telegram_chat: Mapped[str | None] = mapped_column(String(64), nullable=True)
    web_user: Mapped[str | None] = mapped_column(String(100), nullable=True)
    via: Mapped[str] = mapped_column(String(16))
    """telegram or web."""
    created_at: Mapped[datetime]
    corrects: Mapped[int | None] = mapped_column(ForeignKey("ward_reports.id"), nullable=True)
