"""The draft's period and per-channel schedule, from what the document states.

A stated period ("từ ngày … đến ngày …", "trong tháng 3/2025", "từ nay đến hết năm 2025") wins
over the report deadline, which wins over the default four weeks. Each channel takes the days
and times of the clause that names it, else of a clause that names no channel, else a default
the operator is told to check. Every default is said in a YAML comment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from campaign.directory import DEFAULT_QUIET_HOURS
from campaign.importer.model import DocumentFacts
from campaign.importer.timing import Timing
from schedules.calendar import in_window

DEFAULT_WEEKS = 4
DEFAULT_DAYS: dict[str, str | list[str]] = {
    "facebook": ["t2", "t4", "t6"], "zalo": ["t3", "t5"], "led": "hang-ngay",
    "loudspeaker": "hang-ngay", "website": "ngay-thuong"}
DEFAULT_TIMES = {"facebook": ["08:00"], "zalo": ["09:00"], "website": ["08:00"]}
TIMES_PER_DAY = {1: ["08:00"], 2: ["08:00", "17:00"], 3: ["07:00", "11:30", "17:00"],
                 4: ["07:00", "10:00", "14:00", "17:00"]}
DEFAULT_LED_PART = ("06:00", "22:00")


@dataclass
class StatedPeriod:
    start: dt.date | None
    end: dt.date
    text: str


def stated_period(docs: list[DocumentFacts], issued: dt.date | None) -> StatedPeriod | None:
    """The first period the documents state (the main document first); "từ nay" starts on
    the day the document was issued."""
    for doc in docs:
        for timing in doc.timings:
            if timing.end is None:
                continue
            start = timing.start or (issued if timing.from_now or timing.start is None else None)
            if start is not None and start > timing.end:
                continue
            return StatedPeriod(start, timing.end, timing.period_text or timing.text)
    return None


@dataclass
class ChannelPlan:
    """One channel's schedule line and the comments that explain it."""

    channel: str
    fields: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    from_document: bool = False

    def line(self) -> str:
        return "{" + ", ".join(f"{k}: {v}" for k, v in self.fields.items()) + "}"


def _days_yaml(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "[" + ", ".join(value) + "]"


def _days_label(value: str | list[str]) -> str:
    names = {"hang-ngay": "hằng ngày", "ngay-thuong": "thứ Hai đến thứ Sáu",
             "cuoi-tuan": "thứ Bảy, Chủ nhật"}
    return names.get(value, value) if isinstance(value, str) else ", ".join(value)


def _pick(timings: list[Timing], channel: str) -> tuple[Timing | None, Timing | None]:
    """(clause giving the days, clause giving the times) for ``channel``."""
    def first(test: Callable[[Timing], bool]) -> Timing | None:
        own = [t for t in timings if channel in t.channels and test(t)]
        shared = [t for t in timings if not t.channels and test(t)]
        return next(iter(own or shared), None)

    return (first(lambda t: t.has_days),
            first(lambda t: bool(t.times or t.per_day or t.day_parts)))


def plan_channel(channel: str, docs: list[DocumentFacts]) -> ChannelPlan:
    timings = [t for doc in docs for t in doc.timings]
    day_clause, time_clause = _pick(timings, channel)
    plan = ChannelPlan(channel)
    quiet = DEFAULT_QUIET_HOURS.get(channel)
    if day_clause is not None:
        days = day_clause.day_value()
        assert days is not None
        plan.from_document = True
        if day_clause.days is None:
            plan.notes.append(f"văn bản nêu «{_phrase(day_clause)}» mà không nói thứ mấy: tạm "
                              f"chọn {_days_label(days)}, sửa cho hợp lịch của đơn vị")
        else:
            plan.notes.append(f"ngày theo văn bản: «{day_clause.days_text}»")
    else:
        days = DEFAULT_DAYS[channel]
        plan.notes.append(f"văn bản không nêu ngày {_verb(channel)}: mặc định "
                          f"{_days_label(days)}, sửa theo kế hoạch của đơn vị")
    plan.fields["days"] = _days_yaml(days)
    stated = list(time_clause.times) if time_clause else []
    kept = [t for t in stated if not (quiet and in_window(t, quiet))]
    if quiet and len(kept) < len(stated):
        plan.notes.append(f"bỏ giờ {', '.join(t for t in stated if t not in kept)} vì rơi vào "
                          f"giờ yên lặng {quiet[0]}–{quiet[1]} của kênh")
    if channel == "led":
        parts = time_clause.day_parts if time_clause else []
        if parts:
            plan.notes.append("khung giờ theo văn bản: " + ", ".join(f"{a}–{b}" for a, b in parts))
        else:
            parts = [DEFAULT_LED_PART]
            plan.notes.append("văn bản không nêu khung giờ trình chiếu: mặc định 06:00–22:00")
        plan.fields["day_parts"] = "[" + ", ".join(
            f'{{from: "{a}", to: "{b}"}}' for a, b in parts) + "]"
        plan.fields["dwell"] = "10"
        return plan
    if channel == "loudspeaker":
        if kept:
            plan.fields["times"] = _times_yaml(kept)
            plan.notes.append(f"giờ phát theo văn bản ({', '.join(kept)}); bỏ dòng times để "
                              "dùng giờ phát riêng (slots) của từng đài trong directory.yaml")
        else:
            count = f" ({time_clause.per_day} lần/ngày)" if time_clause and time_clause.per_day else ""
            plan.notes.append(f"văn bản không nêu giờ phát{count}: dùng giờ phát (slots) của "
                              "từng đài trong directory.yaml")
        plan.fields["per_slot"] = "1"
        plan.fields["overflow"] = "spill"
        return plan
    if kept:
        plan.fields["times"] = _times_yaml(kept)
        plan.notes.append(f"giờ đăng theo văn bản: {', '.join(kept)}")
    elif time_clause and time_clause.per_day:
        times = TIMES_PER_DAY.get(time_clause.per_day, TIMES_PER_DAY[4])
        plan.fields["times"] = _times_yaml(times)
        plan.notes.append(f"văn bản nêu {time_clause.per_day} lần/ngày mà không nêu giờ: tạm "
                          f"chọn {', '.join(times)}")
    else:
        plan.fields["times"] = _times_yaml(DEFAULT_TIMES[channel])
        plan.notes.append(f"văn bản không nêu giờ đăng: mặc định {DEFAULT_TIMES[channel][0]}")
    return plan


def _times_yaml(times: list[str]) -> str:
    return "[" + ", ".join(f'"{t}"' for t in times) + "]"


def _verb(channel: str) -> str:
    return {"facebook": "đăng", "zalo": "đăng", "website": "đăng",
            "led": "trình chiếu"}.get(channel, "phát")


def _phrase(timing: Timing) -> str:
    return f"mỗi tuần {timing.per_week} lần" if timing.per_week else timing.text[:60]
