"""Dashboard accounts: argon2-hashed passwords and the roles that decide who may change what.

Roles are deliberately few and map to the people of a culture-and-information centre:
managers and viewers read; operators plan, resolve and retry; approvers (leaders) approve.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.errors import InputError
from schedules.ledger import Ledger
from schedules.models import WebUser, utcnow

ROLES: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "manager": frozenset({"read"}),
    "operator": frozenset({"read", "operate"}),
    "approver": frozenset({"read", "approve"}),
    "ward": frozenset({"ward"}),  # sees and reports only for its own unit (campaign/web/wards.py)
}
ROLE_LABEL = {"viewer": "Xem", "manager": "Quản lý (xem)", "operator": "Vận hành",
              "approver": "Phê duyệt", "ward": "Phường/xã báo cáo"}
MIN_PASSWORD = 8

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("không-phải-mật-khẩu-thật")
"""Verified against when the name is unknown, so a wrong name costs as long as a wrong
password and timing does not reveal which accounts exist."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    full_name: str | None = None
    unit: str | None = None
    session_version: str = ""
    """Changes whenever the account's password, role, name or state changes or the person
    logs out; a session cookie carrying another version is no longer accepted."""

    def can(self, permission: str) -> bool:
        return permission in ROLES.get(self.role, frozenset())

    @property
    def display(self) -> str:
        return self.full_name or self.name


def session_version(row: WebUser) -> str:
    """A fingerprint of the account's password hash and last change (no extra column: a
    logout or any change to the account moves ``updated_at``, which ends its sessions)."""
    stamp = row.updated_at.isoformat() if row.updated_at else ""
    return hashlib.sha256(f"{row.id}|{stamp}|{row.password_hash}".encode()).hexdigest()[:24]


def _as_user(row: WebUser) -> User:
    return User(row.id, row.name, row.role, row.full_name, row.unit, session_version(row))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError.single("mật khẩu", f"Mật khẩu quá ngắn (tối thiểu {MIN_PASSWORD} ký tự).")


def _bump(row: WebUser) -> None:
    """Move the account's change stamp forward (strictly, even within one clock tick)."""
    from datetime import timedelta

    now = utcnow()
    if row.updated_at is not None and now <= row.updated_at:
        now = row.updated_at + timedelta(microseconds=1)
    row.updated_at = now


def add_user(ledger: Ledger, name: str, role: str | None, password: str | None, *,
             full_name: str | None = None, replace: bool = False,
             unit: str | None = None) -> User:
    """Create an account, or with ``replace`` change an existing one: only what is given
    (role, full name, unit, password) changes, the rest is kept. Any change ends the
    account's open sessions. InputError in Vietnamese when invalid."""
    name = name.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise InputError.single("NAME", "Tên đăng nhập không hợp lệ (không để trống, không có "
                                "khoảng trắng, tối đa 100 ký tự).")
    if role is not None and role not in ROLES:
        raise InputError.single("--role", f"Vai trò '{role}' không hợp lệ.",
                                fix=f"Chọn một trong: {', '.join(ROLES)}.")
    if password:
        _check_password(password)
    with ledger.session() as session:
        row = session.scalar(select(WebUser).where(WebUser.name == name))
        if row is not None and not replace:
            raise InputError.single(name, f"Đã có người dùng '{name}'.",
                                    fix="Thêm --replace để đổi mật khẩu, vai trò hoặc họ tên.")
        if row is None:
            if role is None:
                raise InputError.single("--role", "Tài khoản mới cần vai trò.",
                                        fix=f"Thêm --role, một trong: {', '.join(ROLES)}.")
            if not password:
                _check_password("")
            row = WebUser(name=name, created_at=utcnow(), active=True)
            session.add(row)
        if role is not None:
            row.role = role
        if unit is not None or role is not None:
            row.unit = (unit or row.unit) if row.role == "ward" else None
        if (row.role == "ward") != bool(row.unit):
            raise InputError.single("--unit", "Tài khoản phường/xã (--role ward) cần đúng một "
                                    "đơn vị (--unit), các vai trò khác không có.")
        if full_name is not None:
            row.full_name = full_name or None
        if password:
            row.password_hash = _hasher.hash(password)
        _bump(row)
        session.flush()
        return _as_user(row)


def set_active(ledger: Ledger, name: str, active: bool) -> User:
    """Disable (or enable again) an account; disabling ends its sessions at once."""
    with ledger.session() as session:
        row = _named(session, name)
        row.active = active
        _bump(row)
        session.flush()
        return _as_user(row)


def remove_user(ledger: Ledger, name: str) -> None:
    """Delete an account (the log keeps the names it wrote); its sessions end at once."""
    with ledger.session() as session:
        session.delete(_named(session, name))


def _named(session: Session, name: str) -> WebUser:
    row = session.scalar(select(WebUser).where(WebUser.name == name.strip()))
    if row is None:
        raise InputError.single(name, f"Không có tài khoản '{name}'.",
                                fix="Xem danh sách bằng: campaign user list")
    return row


def end_sessions(ledger: Ledger, user_id: int) -> None:
    """Log out everywhere: every session cookie of this account stops working."""
    with ledger.session() as session:
        row = session.get(WebUser, user_id)
        if row is not None:
            _bump(row)


def change_password(ledger: Ledger, user_id: int, current: str, new: str) -> User:
    """Change one's own password after proving the current one; ends every other session
    (the caller gives the current one the returned user's new version)."""
    _check_password(new)
    with ledger.session() as session:
        row = session.get(WebUser, user_id)
        if row is None or not row.active:
            raise InputError.single("tài khoản", "Tài khoản không còn hoạt động.")
        try:
            _hasher.verify(row.password_hash, current)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            raise InputError.single("mật khẩu hiện tại", "Mật khẩu hiện tại không đúng.") from None
        row.password_hash = _hasher.hash(new)
        _bump(row)
        session.flush()
        return _as_user(row)


def list_users(ledger: Ledger) -> list[dict[str, object]]:
    with ledger.session() as session:
        return [{"name": u.name, "full_name": u.full_name, "role": u.role, "active": u.active,
                 "created_at": u.created_at}
                for u in session.scalars(select(WebUser).order_by(WebUser.name))]


def authenticate(ledger: Ledger, name: str, password: str) -> User | None:
    """The user when name and password match an active account, else None."""
    with ledger.session() as session:
        row = session.scalar(select(WebUser).where(WebUser.name == name.strip()))
        stored = row.password_hash if row is not None and row.active else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        if _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = _hasher.hash(password)
            row.updated_at = utcnow()
        return _as_user(row)


def get_user(ledger: Ledger, user_id: int) -> User | None:
    with ledger.session() as session:
        row = session.get(WebUser, user_id)
        return _as_user(row) if row is not None and row.active else None


class LoginLimiter:
    """Failed logins are counted per account *from one client*, per account from anywhere,
    and per client over all accounts, each over ``window`` seconds.

    An office behind one address does not lock everybody out because one person mistyped:
    only that account on that client waits after ``limit`` failures. Guessing one account
    from many addresses stops at ``account_limit``; one client trying many accounts at
    ``client_limit``. The client address is the real one when the dashboard sits behind a
    trusted proxy (:func:`campaign.web.security.behind_proxies`). In memory: one process per
    centre, and a restart forgetting the counters is an acceptable trade for not writing to
    the ledger on every failed attempt.
    """

    def __init__(self, limit: int = 5, window: float = 15 * 60, *, account_limit: int = 20,
                 client_limit: int = 30) -> None:
        self.limit = limit
        self.window = window
        self.account_limit = account_limit
        self.client_limit = client_limit
        self._failures: dict[str, list[float]] = {}

    def _recent(self, key: str, now: float) -> list[float]:
        times = [t for t in self._failures.get(key, []) if now - t < self.window]
        if times:
            self._failures[key] = times
        else:
            self._failures.pop(key, None)
        return times

    def _keys(self, name: str, address: str) -> list[tuple[str, int]]:
        account = name.strip().lower()
        return [(f"pair:{account}|{address}", self.limit),
                (f"user:{account}", self.account_limit),
                (f"ip:{address}", self.client_limit)]

    def blocked_for(self, name: str, address: str, now: float) -> float:
        """Seconds until a new attempt is allowed (0 when allowed now)."""
        wait = 0.0
        for key, limit in self._keys(name, address):
            times = self._recent(key, now)
            if len(times) >= limit:
                wait = max(wait, self.window - (now - times[-limit]))
        return wait

    def failed(self, name: str, address: str, now: float) -> None:
        for key, _limit in self._keys(name, address):
            self._failures.setdefault(key, []).append(now)

    def succeeded(self, name: str, address: str = "") -> None:
        """A right password clears that account's count on that client."""
        self._failures.pop(f"pair:{name.strip().lower()}|{address}", None)
