"""The one function that decides what a board shows: day-part edges, overnight windows,
validity day boundaries, emergencies and the next boundary."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from assets.led import DayPart, PlaylistItem, active_at, merge

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, second, tzinfo=VN)


def item(id_: str, *parts: tuple[str, str], order: int = 0, emergency: bool = False,
         valid: tuple[str, str] | None = ("2025-03-01", "2025-03-14")) -> PlaylistItem:
    return PlaylistItem(
        id=id_, frames=(f"{id_}.png",), order=order, emergency=emergency,
        day_parts=tuple(DayPart.parse(a, b) for a, b in parts),
        valid_from=dt.date.fromisoformat(valid[0]) if valid else None,
        valid_to=dt.date.fromisoformat(valid[1]) if valid else None)


def ids(active) -> list[str]:
    return [i.id for i in active.items]


def test_day_part_includes_its_start_and_excludes_its_end() -> None:
    day = [item("ngay", ("06:00", "22:00"))]
    assert ids(active_at(day, at(5, 5, 59, 59))) == []
    assert ids(active_at(day, at(5, 6, 0))) == ["ngay"]
    assert ids(active_at(day, at(5, 21, 59, 59))) == ["ngay"]
    assert ids(active_at(day, at(5, 22, 0))) == []


def test_next_boundary_is_the_next_edge_in_local_time() -> None:
    day = [item("ngay", ("06:00", "22:00"))]
    assert active_at(day, at(5, 5, 0)).next_change == at(5, 6, 0)
    assert active_at(day, at(5, 6, 0)).next_change == at(5, 22, 0)
    assert active_at(day, at(5, 22, 0)).next_change == at(6, 6, 0)


def test_overnight_window() -> None:
    night = [item("dem", ("22:00", "02:00"))]
    assert ids(active_at(night, at(5, 21, 59))) == []
    assert ids(active_at(night, at(5, 22, 0))) == ["dem"]
    assert ids(active_at(night, at(5, 23, 59, 59))) == ["dem"]
    assert ids(active_at(night, at(6, 0, 0))) == ["dem"]
    assert ids(active_at(night, at(6, 1, 59, 59))) == ["dem"]
    assert ids(active_at(night, at(6, 2, 0))) == []
    # midnight is not a boundary inside an overnight window
    assert active_at(night, at(5, 23, 0)).next_change == at(6, 2, 0)
    assert active_at(night, at(6, 2, 0)).next_change == at(6, 22, 0)


def test_until_midnight_written_as_24_00() -> None:
    evening = [item("toi", ("18:00", "24:00"))]
    assert ids(active_at(evening, at(5, 23, 59, 59))) == ["toi"]
    assert ids(active_at(evening, at(6, 0, 0))) == []
    assert active_at(evening, at(5, 19, 0)).next_change == at(6, 0, 0)


def test_validity_day_boundaries_in_local_time() -> None:
    allday = [item("ca-ngay")]
    assert ids(active_at(allday, at(28, 23, 59, 59, month=2))) == []
    assert ids(active_at(allday, at(1, 0, 0))) == ["ca-ngay"]
    assert ids(active_at(allday, at(14, 23, 59, 59))) == ["ca-ngay"]
    assert ids(active_at(allday, at(15, 0, 0))) == []
    assert active_at(allday, at(20, 10, 0, month=2)).next_change == at(1, 0, 0)
    assert active_at(allday, at(3, 10, 0)).next_change == at(15, 0, 0)
    assert active_at(allday, at(15, 0, 0)).next_change is None
    # 17:00 UTC on the 14th is already 00:00 on the 15th in Hà Nội / TP.HCM
    utc = dt.datetime(2025, 3, 14, 17, 0, tzinfo=dt.UTC)
    assert ids(active_at(allday, utc)) == []
    assert ids(active_at(allday, utc - dt.timedelta(seconds=1))) == ["ca-ngay"]


def test_overnight_window_stops_at_the_end_of_the_last_valid_day() -> None:
    night = [item("dem", ("22:00", "02:00"))]
    assert ids(active_at(night, at(14, 23, 30))) == ["dem"]
    assert active_at(night, at(14, 23, 30)).next_change == at(15, 0, 0)
    assert ids(active_at(night, at(15, 1, 0))) == []
    # and starts on the first valid day only from its own midnight
    assert ids(active_at(night, at(1, 1, 0))) == ["dem"]
    assert ids(active_at(night, at(28, 23, 0, month=2))) == []


def test_first_window_after_a_future_validity_start() -> None:
    later = [item("sau", ("06:00", "22:00"), valid=("2025-04-10", "2025-04-20"))]
    assert active_at(later, at(5, 12, 0)).next_change == dt.datetime(2025, 4, 10, 6, 0,
                                                                     tzinfo=VN)


def test_order_then_emergency_interrupts_and_releases() -> None:
    items = [item("b", order=2), item("a", order=1),
             item("khan", ("10:00", "10:30"), emergency=True)]
    assert ids(active_at(items, at(5, 9, 0))) == ["a", "b"]
    now = active_at(items, at(5, 10, 0))
    assert ids(now) == ["khan"] and now.emergency
    assert now.next_change == at(5, 10, 30)
    assert ids(active_at(items, at(5, 10, 30))) == ["a", "b"]


def test_several_items_change_at_the_first_real_difference() -> None:
    items = [item("sang", ("06:00", "11:00")), item("ca-ngay", ("06:00", "22:00"))]
    # at 11:00 only "sang" stops; at 06:00 both start together
    assert active_at(items, at(5, 7, 0)).next_change == at(5, 11, 0)
    assert active_at(items, at(5, 3, 0)).next_change == at(5, 6, 0)


def test_naive_instants_and_empty_windows_are_refused() -> None:
    with pytest.raises(ValueError):
        active_at([], dt.datetime(2025, 3, 5, 10, 0))
    with pytest.raises(ValueError, match="trùng"):
        DayPart.parse("06:00", "06:00")
    with pytest.raises(ValueError, match="HH:MM"):
        DayPart.parse("6h", "22:00")


def test_merge_replaces_by_id_keeps_others_and_drops_expired() -> None:
    old = [item("c1/m1/1"), item("c1/m1/2"), item("c2/m9/1"),
           item("cu", valid=("2025-01-01", "2025-02-01"))]
    new = [item("c1/m1/1", order=5)]
    merged = merge(old, new, replace_prefixes=["c1/m1/"], today=dt.date(2025, 3, 5))
    assert sorted(i.id for i in merged) == ["c1/m1/1", "c2/m9/1"]
    assert next(i for i in merged if i.id == "c1/m1/1").order == 5
    assert merge(merged, new, replace_prefixes=["c1/m1/"]) == merged  # idempotent


def test_json_round_trip() -> None:
    original = item("x", ("22:00", "02:00"), order=3, emergency=True)
    assert PlaylistItem.from_json(original.as_json()) == original
