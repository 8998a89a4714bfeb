"""Dashboard accounts: argon2-hashed passwords and the roles that decide who may change what.

Roles are deliberately few and map to the people of a culture-and-information centre:
managers and viewers read; operators plan, resolve and retry; approvers (leaders) approve.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

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

    def can(self, permission: str) -> bool:
        return permission in ROLES.get(self.role, frozenset())

    @property
    def display(self) -> str:
        return self.full_name or self.name


def _as_user(row: WebUser) -> User:
    return User(row.id, row.name, row.role, row.full_name, row.unit)


def add_user(ledger: Ledger, name: str, role: str, password: str, *,
             full_name: str | None = None, replace: bool = False,
             unit: str | None = None) -> User:
    """Create (or with ``replace`` update) an account; InputError in Vietnamese when invalid."""
    name = name.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise InputError.single("NAME", "Tên đăng nhập không hợp lệ (không để trống, không có "
                                "khoảng trắng, tối đa 100 ký tự).")
    if role not in ROLES:
        raise InputError.single("--role", f"Vai trò '{role}' không hợp lệ.",
                                fix=f"Chọn một trong: {', '.join(ROLES)}.")
    if (role == "ward") != bool(unit):
        raise InputError.single("--unit", "Tài khoản phường/xã (--role ward) cần đúng một đơn vị "
                                "(--unit), các vai trò khác không có.")
    if len(password) < MIN_PASSWORD:
        raise InputError.single("mật khẩu", f"Mật khẩu quá ngắn (tối thiểu {MIN_PASSWORD} ký tự).")
    now = utcnow()
    with ledger.session() as session:
        row = session.scalar(select(WebUser).where(WebUser.name == name))
        if row is not None and not replace:
            raise InputError.single(name, f"Đã có người dùng '{name}'.",
                                    fix="Thêm --replace để đổi mật khẩu và vai trò.")
        if row is None:
            row = WebUser(name=name, created_at=now)
            session.add(row)
        row.role = role
        row.full_name = full_name
        row.unit = unit if role == "ward" else None
        row.password_hash = _hasher.hash(password)
        row.active = True
        row.updated_at = now
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
    """At most ``limit`` failed logins per name and per client address in ``window`` seconds.

    In memory: the dashboard runs as one process per centre, and a restart forgetting the
    counters is an acceptable trade for not writing to the ledger on every failed attempt.
    """

    def __init__(self, limit: int = 5, window: float = 15 * 60) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, list[float]] = {}

    def _recent(self, key: str, now: float) -> list[float]:
        times = [t for t in self._failures.get(key, []) if now - t < self.window]
        if times:
            self._failures[key] = times
        else:
            self._failures.pop(key, None)
        return times

    def blocked_for(self, name: str, address: str, now: float) -> float:
        """Seconds until a new attempt is allowed (0 when allowed now)."""
        wait = 0.0
        for key in (f"user:{name.strip().lower()}", f"ip:{address}"):
            times = self._recent(key, now)
            if len(times) >= self.limit:
                wait = max(wait, self.window - (now - times[-self.limit]))
        return wait

    def failed(self, name: str, address: str, now: float) -> None:
        for key in (f"user:{name.strip().lower()}", f"ip:{address}"):
            self._failures.setdefault(key, []).append(now)

    def succeeded(self, name: str) -> None:
        self._failures.pop(f"user:{name.strip().lower()}", None)

