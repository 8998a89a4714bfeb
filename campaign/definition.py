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
        website: {category: Tin tức - Sự kiện, attachments: [phu-luc.pdf]}   # text: zalo's
        visual: {slogans: ["KHOA HỌC, CÔNG NGHỆ LÀ ĐỘT PHÁ QUAN TRỌNG HÀNG ĐẦU"]}
    schedule:
      facebook: {days: [t2, t4, t6], times: ["08:00"]}
      zalo: {days: [t3, t5], times: ["09:00"]}
      led: {days: hang-ngay, day_parts: [{from: "06:00", to: "22:00"}], dwell: 10}
      loudspeaker: {days: hang-ngay, per_slot: 1, overflow: spill}   # the station's own slots
      # loudspeaker: {…, voice: {region: nam, gender: nu}}   # over each station's voice
      website: {days: [t2], times: ["08:00"]}     # each article once, in order
    visual: {hang_on: 2025-03-03, lead_days: 3, products: [{kind: bang-ron, size: 5x0.8}]}
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

from assets.speech.voices import VoiceChoice
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
VISUAL_SLOGAN_MAX = 200
"""A printed slogan: a banner holds at most a few lines; longer text belongs on a leaflet."""
VISUAL_KINDS = ("bang-ron", "phuon", "pano", "ap-phich", "to-roi")
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


class WebsiteVariant(Strict):
    """An article for the ward's or city's portal. ``text`` may be left out: the message's
    Zalo or Facebook text (the campaign's long text) is used instead."""

    title: str | None = Field(default=None, max_length=300)
    text: str | None = None
    excerpt: str | None = Field(default=None, max_length=1000)
    reference: str | None = None
    """An explicit reference line; by default built from the campaign's ``source``."""
    attachments: list[str] = Field(default_factory=list, max_length=30)
    """Files in media/ offered for download (the guidance's own ``file`` is added itself)."""
    cover: str | None = None
    category: str | None = None
    tags: list[str] = Field(default_factory=list, max_length=30)


class VisualVariant(Strict):
    """Slogans for printed banners, panels, posters; ``text`` is the back of a leaflet."""

    slogans: list[str] = Field(min_length=1, max_length=20)
    text: str | None = None

    @field_validator("slogans")
    @classmethod
    def _worded(cls, value: list[str]) -> list[str]:
        for slogan in value:
            visible(slogan)
            if len(slogan) > VISUAL_SLOGAN_MAX:
                raise ValueError(f"Khẩu hiệu in quá dài ({len(slogan)} ký tự, tối đa "
                                 f"{VISUAL_SLOGAN_MAX}). Cách sửa: tách thành nhiều khẩu hiệu.")
        return value


class Message(Strict):
    id: str = Field(pattern=ID_PATTERN, max_length=64)
    title: Text = Field(min_length=1)
    facebook: FacebookVariant | None = None
    zalo: ZaloVariant | None = None
    led: LedVariant | None = None
    loudspeaker: LoudspeakerVariant | None = None
    website: WebsiteVariant | None = None
    visual: VisualVariant | None = None

    @model_validator(mode="after")
    def _article_text(self) -> Message:
        if self.website is not None and not self.article_text():
            raise ValueError("Bài cho trang thông tin điện tử (website) chưa có nội dung. Cách "
                             "sửa: ghi website.text, hoặc viết nội dung zalo.text/facebook.text "
                             "cho tin này.")
        return self

    def article_text(self) -> str | None:
        """The website article's text: its own, else the Zalo article's, else the post's."""
        for text in ((self.website.text if self.website else None),
                     (self.zalo.text if self.zalo else None),
                     (self.facebook.text if self.facebook else None)):
            if text and text.strip():
                return text
        return None

    def variant(self, channel: str) -> BaseModel | None:
        value = getattr(self, channel)
        return value if isinstance(value, BaseModel) else None


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
    voice: VoiceChoice | None = None
    """Loudspeaker: the campaign's voice ``{region, gender}``, over each station's own."""

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


class VisualProduct(Strict):
    """Which printed product the campaign asks for; ``size`` overrides the ward's own."""

    kind: Literal["bang-ron", "phuon", "pano", "ap-phich", "to-roi"]
    size: str | None = None


class VisualSchedule(Strict):
    """Printed materials are hung once, on a date: each ward gets the files ahead of it.

    ``lead_days`` before ``hang_on`` at ``time`` the post is due (the print shop needs days);
    ``products`` chooses which of the wards' products (kinds, sizes) print; ``messages`` which
    messages' slogans (all with a ``visual:`` part by default).
    """

    hang_on: Annotated[dt.date, AfterValidator(sane_year)]
    lead_days: int = Field(default=3, ge=0, le=60)
    time: HHMM = "08:00"
    products: list[VisualProduct] = Field(default_factory=list)
    messages: list[str] = Field(default_factory=list)
    where: str | None = None
    """Where to hang them, when the campaign says (otherwise each ward's own ``where``)."""

    @field_validator("products")
    @classmethod
    def _one_per_kind(cls, value: list[VisualProduct]) -> list[VisualProduct]:
        kinds = [p.kind for p in value]
        twice = sorted({k for k in kinds if kinds.count(k) > 1})
        if twice:
            raise ValueError(f"Loại ấn phẩm {', '.join(twice)} được ghi hai lần. Cách sửa: mỗi "
                             "loại một dòng (khổ khác nhau thì khai báo điểm nhận riêng trong "
                             "directory.yaml).")
        return value

    def sizes(self) -> dict[str, str]:
        return {p.kind: p.size for p in self.products if p.size}

    def due_date(self) -> dt.date:
        return self.hang_on - dt.timedelta(days=self.lead_days)


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
    schedule: dict[Literal["facebook", "zalo", "led", "loudspeaker", "website"],
                   ChannelSchedule] = Field(default_factory=dict)
    visual: VisualSchedule | None = None
    """Printed banners, panels, posters and leaflets (hung once, see VisualSchedule)."""
    quiet_hours: dict[Literal["facebook", "zalo", "led", "loudspeaker", "website"],
                      tuple[HHMM, HHMM]] = Field(default_factory=dict)
    """Overrides of the workspace's quiet hours, per channel."""

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        ids = [m.id for m in self.messages]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"Mã tin bị trùng: {', '.join(dupes)}. Cách sửa: mỗi tin một id riêng.")
        if not self.schedule and self.visual is None:
            raise ValueError("Chiến dịch chưa có lịch (schedule) cho kênh nào. Cách sửa: thêm "
                             "ví dụ schedule: {facebook: {days: [t2], times: [\"08:00\"]}}.")
        for channel in self.schedule:
            if not any(m.variant(channel) for m in self.messages):
                raise ValueError(
                    f"Kênh {channel} có lịch nhưng không tin nào có nội dung cho kênh này. "
                    f"Cách sửa: thêm mục '{channel}:' vào ít nhất một tin, hoặc xoá lịch của kênh.")
        for channel, sched in self.schedule.items():
            if sched.voice is not None and channel != "loudspeaker":
                raise ValueError(f"Giọng đọc (voice) chỉ dùng cho lịch loudspeaker, không dùng "
                                 f"cho {channel}. Cách sửa: chuyển voice sang schedule.loudspeaker.")
        if self.visual is not None and not any(m.visual for m in self.messages):
            raise ValueError("Có lịch ấn phẩm (visual) nhưng không tin nào có mục 'visual:' "
                             "(khẩu hiệu in). Cách sửa: thêm visual: {slogans: […]} vào ít "
                             "nhất một tin, hoặc xoá mục visual.")
        return self

    @property
    def channels(self) -> list[str]:
        scheduled: list[str] = [c for c in (*CHANNELS, "website") if c in self.schedule]
        return [*scheduled, "visual"] if self.visual is not None else scheduled

    def messages_for(self, channel: str) -> list[Message]:
        if channel == "visual" and self.visual is not None and self.visual.messages:
            return [m for m in self.messages
                    if m.id in self.visual.messages and m.visual is not None]
        return [m for m in self.messages if m.variant(channel) is not None]

    def content_hash(self) -> str:
        """Hash of everything that decides what goes out; approval is tied to it."""
        blob = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True,
                          ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def variant_content(message: Message, channel: str, schedule: ChannelSchedule | VisualSchedule,
                    *, sources: list[SourceDocument] | None = None) -> dict[str, Any]:
    """The JSON payload a channel adapter receives for one message.

    A website article also carries the campaign's ``sources`` (its reference line and the
    guidance file); a printed product carries the hanging date, place and size overrides.
    """
    variant = message.variant(channel)
    assert variant is not None
    content: dict[str, Any] = {"title": message.title,
                               **variant.model_dump(mode="json", exclude_none=True)}
    if channel == "led" and isinstance(schedule, ChannelSchedule):
        content.setdefault("dwell", schedule.dwell)
    if channel == "loudspeaker" and isinstance(schedule, ChannelSchedule) and schedule.voice:
        content["voice"] = schedule.voice.model_dump(exclude_none=True)
    if channel == "website":
        if not content.get("tags"):
            content.pop("tags", None)
        if not content.get("attachments"):
            content.pop("attachments", None)
        content["text"] = message.article_text()
        if sources:
            content["sources"] = [s.model_dump(mode="json", exclude_none=True) for s in sources]
    if channel == "visual" and isinstance(schedule, VisualSchedule):
        content["hang_from"] = schedule.hang_on.isoformat()
        if schedule.where:
            content["where"] = schedule.where
        if schedule.sizes():
            content["sizes"] = schedule.sizes()
    return content
