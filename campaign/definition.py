"""A campaign file: what to say, to whom, on which channels and when.

Example (``campaigns/nq57.yaml``)::

    id: nq57-thang3
    title: Tuyên truyền Nghị quyết số 57-NQ/TW
    source:
      - {kind: Công văn, number: 1587/UBND-KGVX, date: 2025-02-20, issuer: UBND tỉnh Đồng Nai}
    period: {start: 2025-03-01, end: 2025-03-14}
    report_due: 2025-03-15
    report_to: Ban Tuyên giáo Tỉnh ủy
    priority: normal            # normal | priority | emergency
    holidays: skip              # skip | keep
    targets: [tat-ca]           # unit ids, group ids, or tat-ca (every unit)
    messages:
      - id: quan-diem
        title: Quan điểm chỉ đạo
        facebook: {text: "…", link: "https://…", images: [nq57.png]}
        zalo: {title: "…", text: "…", cover: nq57.png}
        led: {slogans: ["KHOA HỌC, CÔNG NGHỆ LÀ ĐỘT PHÁ HÀNG ĐẦU"]}
        loudspeaker: {script: "Kính thưa toàn thể nhân dân…"}
    schedule:
      facebook: {days: [t2, t4, t6], times: ["08:00"]}
      zalo: {days: [t3, t5], times: ["09:00"]}
      led: {days: hang-ngay, day_parts: [{from: "06:00", to: "22:00"}], dwell: 10}
      loudspeaker: {days: hang-ngay, per_slot: 1, overflow: spill}   # the station's own slots
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from channels.base import CHANNELS, HHMM, minutes_of

Priority = Literal["normal", "priority", "emergency"]
PRIORITY_RANK = {"normal": 0, "priority": 1, "emergency": 2}
PRIORITY_LABEL = {"normal": "Thông thường", "priority": "Ưu tiên", "emergency": "Khẩn cấp"}
ALL_UNITS = "tat-ca"

WEEKDAY_NAMES = {
    "t2": 0, "thu2": 0, "mon": 0,
    "t3": 1, "thu3": 1, "tue": 1,
    "t4": 2, "thu4": 2, "wed": 2,
    "t5": 3, "thu5": 3, "thu": 3,
    "t6": 4, "thu6": 4, "fri": 4,
    "t7": 5, "thu7": 5, "sat": 5,
    "cn": 6, "chu-nhat": 6, "sun": 6,
}
DAY_SETS = {
    "hang-ngay": frozenset(range(7)), "all": frozenset(range(7)),
    "ngay-thuong": frozenset(range(5)), "weekdays": frozenset(range(5)),
    "cuoi-tuan": frozenset({5, 6}), "weekends": frozenset({5, 6}),
}
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
SLOGAN_MAX = 60
"""Characters per LED slogan line: what `campaign import` drafts promise ("tối đa 60 ký tự")."""
MAX_PERIOD_DAYS = 366
"""A campaign runs at most a year; a longer period is almost always a typo (2925 for 2025)."""
YEARS = (2000, 2100)


def visible(text: str) -> str:
    """Refuse text that shows nothing (spaces, zero-width or other invisible characters)."""
    if not any(not ch.isspace() and unicodedata.category(ch)[0] not in "CZ" for ch in text):
        raise ValueError("Nội dung bị trống (chỉ có dấu cách hoặc ký tự không nhìn thấy). "
                         "Cách sửa: ghi nội dung cho trường này.")
    return text


Text = Annotated[str, AfterValidator(visible)]


def sane_year(value: dt.date | None) -> dt.date | None:
    if value is not None and not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(f"Năm {value.year} nằm ngoài khoảng {YEARS[0]}–{YEARS[1]}. "
                         "Cách sửa: kiểm tra lại năm (gõ nhầm?).")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class SourceDocument(Strict):
    """A guidance document the campaign answers (công văn, hướng dẫn, kế hoạch …)."""

    kind: str | None = None
    number: str | None = None
    date: dt.date | None = None
    issuer: str | None = None
    subject: str | None = None
    file: str | None = None


class Period(Strict):
    start: Annotated[dt.date, AfterValidator(sane_year)]
    end: Annotated[dt.date, AfterValidator(sane_year)]

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError("Ngày kết thúc (end) đứng trước ngày bắt đầu (start). "
                             "Cách sửa: đổi lại hai ngày cho đúng thứ tự.")
        days = (self.end - self.start).days + 1
        if days > MAX_PERIOD_DAYS:
            raise ValueError(f"Thời gian chiến dịch dài {days} ngày, quá {MAX_PERIOD_DAYS} ngày. "
                             "Cách sửa: kiểm tra lại năm của start/end, hoặc chia thành nhiều "
                             "chiến dịch.")
        return self


class FacebookVariant(Strict):
    text: Text = Field(min_length=1)
    link: str | None = None
    images: list[str] = Field(default_factory=list, max_length=10)


class ZaloVariant(Strict):
    title: Text = Field(min_length=1, max_length=150)
    text: Text = Field(min_length=1)
    description: str | None = Field(default=None, max_length=300)
    cover: str | None = None
    author: str | None = None
    notify: bool = False
    """Also send a notice with the article link to followers (quota permitting)."""


class LedVariant(Strict):
    slogans: list[str] = Field(min_length=1)
    dwell: int | None = Field(default=None, gt=0, le=600)

    @field_validator("slogans")
    @classmethod
    def _short(cls, value: list[str]) -> list[str]:
        for slogan in value:
            visible(slogan)
            for line in slogan.splitlines():
                if len(line.strip()) > SLOGAN_MAX:
                    raise ValueError(
                        f"Khẩu hiệu LED quá dài ({len(line.strip())} ký tự, tối đa "
                        f"{SLOGAN_MAX} mỗi dòng): '{line.strip()[:40]}…'. Cách sửa: tách "
                        "thành nhiều khẩu hiệu ngắn.")
        return value


class LoudspeakerVariant(Strict):
    script: Text = Field(min_length=1)
    audio: str | None = None
    """A recorded file in media/ to play instead of synthesised speech."""


class Message(Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=64)
    title: Text = Field(min_length=1)
    facebook: FacebookVariant | None = None
    zalo: ZaloVariant | None = None
    led: LedVariant | None = None
    loudspeaker: LoudspeakerVariant | None = None

    def variant(self, channel: str) -> BaseModel | None:
        return getattr(self, channel)


class DayPart(Strict):
    from_: HHMM = Field(alias="from")
    to: HHMM

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def contains(self, minute: int) -> bool:
        start, end = minutes_of(self.from_), minutes_of(self.to)
        if start <= end:
            return start <= minute < end
        return minute >= start or minute < end  # overnight


class ChannelSchedule(Strict):
    days: str | list[str] = "hang-ngay"
    times: list[HHMM] | None = None
    """Local times of day. Omitted: the endpoint's own ``slots`` (loudspeaker stations)."""
    per_slot: int = Field(default=1, ge=1, le=20)
    """How many messages go out in one slot (rotating through the campaign's messages)."""
    overflow: Literal["error", "spill"] = "error"
    """When a loudspeaker slot's scripts are longer than the station's slot minutes:
    refuse the plan (error) or move the extra scripts to the next slot (spill)."""
    day_parts: list[DayPart] = Field(default_factory=list)
    """LED: windows of the day in which the playlist item shows (from–to, overnight allowed)."""
    dwell: int = Field(default=10, gt=0, le=600)
    """LED: seconds each frame stays on screen."""
    lead_minutes: int = Field(default=60, ge=0, le=24 * 60)
    """Loudspeaker via Telegram: how long before the session the officer receives the script."""

    @field_validator("days")
    @classmethod
    def _days(cls, value: str | list[str]) -> str | list[str]:
        if not weekdays(value):
            raise ValueError("Chưa chọn ngày nào (days trống). Cách sửa: ghi hang-ngay, "
                             "ngay-thuong, cuoi-tuan hoặc danh sách thứ như [t2, t4, t6].")
        return value

    @field_validator("times")
    @classmethod
    def _distinct_times(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            twice = sorted({t for t in value if value.count(t) > 1})
            raise ValueError(f"Giờ {', '.join(twice)} bị ghi hai lần (có thể dưới hai cách viết "
                             "như \"06:00\" và \"6h\"). Cách sửa: xoá giờ trùng.")
        return value

    @field_validator("day_parts")
    @classmethod
    def _distinct_parts(cls, value: list[DayPart]) -> list[DayPart]:
        starts = [p.from_ for p in value]
        if len(set(starts)) != len(starts):
            raise ValueError("Hai khung giờ LED bắt đầu cùng lúc. Cách sửa: gộp hoặc đổi giờ "
                             "bắt đầu (from) của một khung.")
        return value

    def weekday_set(self) -> frozenset[int]:
        return weekdays(self.days)


def weekdays(value: str | list[str]) -> frozenset[int]:
    """Weekday numbers (Monday 0) from ``hang-ngay``, ``ngay-thuong``, ``cuoi-tuan`` or a list
    such as ``[t2, t4, cn]``."""
    if isinstance(value, str):
        key = value.strip().lower()
        if key in DAY_SETS:
            return DAY_SETS[key]
        value = [value]
    out: set[int] = set()
    for item in value:
        key = str(item).strip().lower().replace(" ", "")
        if key in DAY_SETS:
            out |= DAY_SETS[key]
        elif key in WEEKDAY_NAMES:
            out.add(WEEKDAY_NAMES[key])
        else:
            raise ValueError(
                f"Không hiểu ngày '{item}'. Dùng hang-ngay, ngay-thuong, cuoi-tuan hoặc danh "
                "sách các thứ: t2, t3, t4, t5, t6, t7, cn.")
    return frozenset(out)


class Campaign(Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=64)
    title: Text = Field(min_length=1)
    source: list[SourceDocument] = Field(default_factory=list)
    period: Period
    report_due: Annotated[dt.date | None, AfterValidator(sane_year)] = None
    report_to: str | None = None
    priority: Priority = "normal"
    timezone: str | None = None
    holidays: Literal["skip", "keep"] = "skip"
    targets: list[str] = Field(min_length=1)
    messages: list[Message] = Field(min_length=1)
    schedule: dict[Literal["facebook", "zalo", "led", "loudspeaker"], ChannelSchedule] = Field(
        min_length=1)
    quiet_hours: dict[Literal["facebook", "zalo", "led", "loudspeaker"],
                      tuple[HHMM, HHMM]] = Field(default_factory=dict)
    """Overrides of the workspace's quiet hours, per channel."""

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        ids = [m.id for m in self.messages]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"Mã tin bị trùng: {', '.join(dupes)}. Cách sửa: mỗi tin một id riêng.")
        for channel in self.schedule:
            if not any(m.variant(channel) for m in self.messages):
                raise ValueError(
                    f"Kênh {channel} có lịch nhưng không tin nào có nội dung cho kênh này. "
                    f"Cách sửa: thêm mục '{channel}:' vào ít nhất một tin, hoặc xoá lịch của kênh.")
        return self

    @property
    def channels(self) -> list[str]:
        return [c for c in CHANNELS if c in self.schedule]

    def messages_for(self, channel: str) -> list[Message]:
        return [m for m in self.messages if m.variant(channel) is not None]

    def content_hash(self) -> str:
        """Hash of everything that decides what goes out; approval is tied to it."""
        blob = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True,
                          ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def variant_content(message: Message, channel: str, schedule: ChannelSchedule) -> dict[str, Any]:
    """The JSON payload a channel adapter receives for one message."""
    variant = message.variant(channel)
    assert variant is not None
    content: dict[str, Any] = {"title": message.title,
                               **variant.model_dump(mode="json", exclude_none=True)}
    if channel == "led":
        content.setdefault("dwell", schedule.dwell)
    return content
