"""A board's playlist: what plays, in which order, for how long, when — and what is active now.

Everything about time lives in :func:`active_at`, the one place that decides which items a
board shows at an instant and when that answer next changes. The folder adapter, the contact
sheet and the dashboard all ask it, so they cannot disagree about an overnight window.

Rules (all in the board's local time, ``Asia/Ho_Chi_Minh`` unless told otherwise):

* a day part ``from``–``to`` includes ``from`` and excludes ``to``; ``to`` earlier than
  ``from`` means the window runs overnight (22:00–02:00); ``24:00`` means midnight at the end of
  the day; no day parts means all day;
* validity is a range of local dates, both inclusive: the item may play from 00:00 on
  ``valid_from`` until 24:00 on ``valid_to``. It is a hard limit: an overnight window that
  starts on the last valid day stops at midnight (an expired slogan must not linger);
* if any emergency item is active, only emergency items play (Thông tư 39/2020: emergency
  pre-empts everything else).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
_DAY = 24 * 60


def _minutes(value: str) -> int:
    """``HH:MM`` → minutes since midnight (``24:00`` allowed as the end of the day)."""
    text = str(value).strip()
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"Giờ '{value}' không đúng dạng HH:MM, ví dụ \"06:00\".")
    hour, minute = int(parts[0]), int(parts[1])
    if not (0 <= hour <= 24 and 0 <= minute < 60) or (hour == 24 and minute):
        raise ValueError(f"Giờ '{value}' không tồn tại.")
    return hour * 60 + minute


@dataclass(frozen=True)
class DayPart:
    """A daily window of local wall-clock time, minutes since midnight, ``end`` exclusive."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start <= _DAY and 0 <= self.end <= _DAY):
            raise ValueError("Khung giờ phải nằm trong 00:00–24:00.")
        if self.start % _DAY == self.end % _DAY:
            raise ValueError(
                "Khung giờ có giờ bắt đầu trùng giờ kết thúc. Cách sửa: bỏ khung giờ để phát "
                "cả ngày, hoặc ghi 00:00–24:00.")

    @classmethod
    def parse(cls, start: str, end: str) -> DayPart:
        return cls(_minutes(start), _minutes(end))

    @property
    def overnight(self) -> bool:
        return self.end < self.start

    def contains(self, seconds: float) -> bool:
        """Whether ``seconds`` since local midnight falls in the window."""
        start, end = self.start * 60, self.end * 60
        if not self.overnight:
            return start <= seconds < end
        return seconds >= start or seconds < end

    def label(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}–{self.end // 60:02d}:{self.end % 60:02d}"

    def as_json(self) -> dict[str, str]:
        return {"from": f"{self.start // 60:02d}:{self.start % 60:02d}",
                "to": f"{self.end // 60:02d}:{self.end % 60:02d}"}


@dataclass(frozen=True)
class PlaylistItem:
    """One slogan on one board: its frames, order, dwell per frame and when it may play."""

    id: str
    frames: tuple[str, ...]
    dwell: int = 10
    order: int = 0
    title: str = ""
    day_parts: tuple[DayPart, ...] = ()
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    emergency: bool = False
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.dwell <= 0:
            raise ValueError("Thời gian hiển thị (dwell) phải lớn hơn 0 giây.")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("Ngày kết thúc hiệu lực đứng trước ngày bắt đầu.")

    def expired(self, local_day: dt.date) -> bool:
        """True once ``local_day`` is after the last valid day: the item can be dropped."""
        return self.valid_to is not None and local_day > self.valid_to

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "order": self.order,
            "dwell": self.dwell,
            "frames": list(self.frames),
            "day_parts": [p.as_json() for p in self.day_parts],
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "emergency": self.emergency,
            **({"meta": dict(self.meta)} if self.meta else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlaylistItem:
        def day(value: Any) -> dt.date | None:
            return dt.date.fromisoformat(value) if value else None

        return cls(
            id=str(data["id"]),
            frames=tuple(data.get("frames", ())),
            dwell=int(data.get("dwell", 10)),
            order=int(data.get("order", 0)),
            title=str(data.get("title", "")),
            day_parts=tuple(DayPart.parse(p["from"], p["to"]) for p in data.get("day_parts", ())),
            valid_from=day(data.get("valid_from")),
            valid_to=day(data.get("valid_to")),
            emergency=bool(data.get("emergency", False)),
            meta=dict(data.get("meta", {})),
        )


@dataclass(frozen=True)
class Active:
    """The answer of :func:`active_at`."""

    items: tuple[PlaylistItem, ...]
    """What plays now, in play order (emergency items only, if any is active)."""
    emergency: bool
    next_change: dt.datetime | None
    """The next instant (aware, board zone) at which ``items`` differs; None if never."""


def _zone(tz: str | dt.tzinfo) -> dt.tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _plays(item: PlaylistItem, local: dt.datetime) -> bool:
    day = local.date()
    if item.valid_from and day < item.valid_from:
        return False
    if item.valid_to and day > item.valid_to:
        return False
    if not item.day_parts:
        return True
    seconds = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    return any(part.contains(seconds) for part in item.day_parts)


def _selection(items: Sequence[PlaylistItem], local: dt.datetime) -> tuple[PlaylistItem, ...]:
    playing = [item for item in items if _plays(item, local)]
    urgent = [item for item in playing if item.emergency]
    chosen = urgent or playing
    return tuple(sorted(chosen, key=lambda i: (i.order, i.id)))


def _local(day: dt.date, minutes: int, zone: dt.tzinfo) -> dt.datetime:
    return (dt.datetime.combine(day, dt.time(), tzinfo=zone)
            + dt.timedelta(minutes=minutes)).replace(tzinfo=zone)


def _candidates(items: Iterable[PlaylistItem], today: dt.date,
                zone: dt.tzinfo) -> set[dt.datetime]:
    """Instants at which the selection may change: validity edges and day-part edges.

    Day-part edges are needed only near now (today, tomorrow) and around each validity edge:
    the first change after now is either a validity edge or a day-part edge of an item that
    is valid then, which is at most a day after either.
    """
    days = {today, today + dt.timedelta(days=1)}
    out: set[dt.datetime] = set()
    for item in items:
        if item.valid_from:
            out.add(_local(item.valid_from, 0, zone))
            days.update({item.valid_from, item.valid_from + dt.timedelta(days=1)})
        if item.valid_to:
            out.add(_local(item.valid_to, _DAY, zone))
    for item in items:
        for part in item.day_parts:
            for day in days:
                out.add(_local(day, part.start, zone))
                out.add(_local(day, part.end, zone))
    return out


def active_at(items: Sequence[PlaylistItem], at: dt.datetime,
              tz: str | dt.tzinfo = DEFAULT_TZ) -> Active:
    """What a board shows at instant ``at`` (aware) and when that next changes.

    The one function every part of the system uses to answer "what is on the board now"; see
    the module docstring for the rules on day parts, validity and emergencies.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("active_at needs an aware datetime (with a time zone).")
    zone = _zone(tz)
    local = at.astimezone(zone)
    current = _selection(items, local)
    ids = [i.id for i in current]
    for instant in sorted(c for c in _candidates(items, local.date(), zone) if c > local):
        if [i.id for i in _selection(items, instant)] != ids:
            return Active(current, any(i.emergency for i in current), instant)
    return Active(current, any(i.emergency for i in current), None)


def merge(existing: Iterable[PlaylistItem], new: Iterable[PlaylistItem], *,
          replace_prefixes: Iterable[str] = (), today: dt.date | None = None) -> list[PlaylistItem]:
    """Combine a board's current playlist with new items.

    New items replace items with the same id and every item whose id starts with one of
    ``replace_prefixes`` (a message whose slogans changed); items expired by ``today`` (local
    date) are dropped. Deterministic, so delivering the same post twice gives the same list.
    """
    prefixes = tuple(replace_prefixes)
    fresh = {item.id: item for item in new}
    kept = [item for item in existing
            if item.id not in fresh and not (prefixes and item.id.startswith(prefixes))]
    merged = kept + list(fresh.values())
    if today is not None:
        merged = [item for item in merged if not item.expired(today)]
    return sorted(merged, key=lambda i: (not i.emergency, i.order, i.id))
