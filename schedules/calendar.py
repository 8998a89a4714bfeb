"""Calendar rules: which days, which local times, holidays and quiet hours.

People think in local wall-clock time (Asia/Ho_Chi_Minh); the ledger stores UTC. Every
conversion between the two happens here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from channels.base import minutes_of


@lru_cache(maxsize=8)
def _vn_holidays(years: tuple[int, ...]) -> dict[date, str]:
    return dict(holidays_lib.country_holidays("VN", years=list(years), language="vi"))


def public_holidays(start: date, end: date) -> dict[date, str]:
    """Vietnamese public holidays (Tết, 30/4, 1/5, 2/9, Giỗ Tổ …) between two dates."""
    years = tuple(range(start.year, end.year + 1))
    return {d: name for d, name in _vn_holidays(years).items() if start <= d <= end}


def days_between(start: date, end: date, weekdays: Iterable[int], *,
                 skip_holidays: bool) -> list[date]:
    """Days from start to end inclusive whose weekday is wanted, holidays skipped if asked."""
    wanted = frozenset(weekdays)
    skip = public_holidays(start, end) if skip_holidays else {}
    out = []
    day = start
    while day <= end:
        if day.weekday() in wanted and day not in skip:
            out.append(day)
        day += timedelta(days=1)
    return out


def local_instant(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time (``24:00`` means the next midnight)."""
    minutes = minutes_of(hhmm)
    base = datetime.combine(day, time(0), tzinfo=zone)
    local = base + timedelta(minutes=minutes)
    # Rebuild through the zone so a DST change that day lands on the right offset.
    local = datetime.combine(local.date(), local.time(), tzinfo=zone)
    return local.astimezone(UTC)


def in_window(hhmm: str, window: tuple[str, str]) -> bool:
    """Is a local time inside [from, to)? Overnight windows (22:00–06:00) wrap midnight."""
    minute = minutes_of(hhmm)
    start, end = minutes_of(window[0]), minutes_of(window[1])
    if start == end:
        return False
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def next_window_start(instant: datetime, window: tuple[str, str], zone: ZoneInfo) -> datetime:
    """The first instant at or after ``instant`` when a daily window (e.g. quiet hours) opens."""
    local = instant.astimezone(zone)
    for offset in range(0, 2):
        candidate = local_instant(local.date() + timedelta(days=offset), window[0], zone)
        if candidate >= instant:
            return candidate
    return local_instant(local.date() + timedelta(days=2), window[0], zone)


def to_local(instant: datetime, zone: ZoneInfo | str) -> datetime:
    return instant.astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone)


def fmt_local(instant: datetime | None, zone: ZoneInfo | str, with_date: bool = True) -> str:
    """How people read an instant: ``15/03/2025 05:30`` in local time."""
    if instant is None:
        return ""
    local = to_local(instant, zone)
    return local.strftime("%d/%m/%Y %H:%M" if with_date else "%H:%M")
