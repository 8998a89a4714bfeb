"""When the document asks for the broadcasts: weekdays, times of day, the period.

Guidance documents state the schedule in running prose: "phát trên hệ thống loa vào thứ ba hàng
tuần từ ngày 10/02/2020 đến ngày 05/01/2021", "đăng tải hằng ngày, mỗi ngày 2 lần vào lúc 6 giờ
30 và 17 giờ", "trong tháng 3/2025", "từ nay đến hết năm 2025". Each sentence (or ;-clause) that
states any of these becomes one :class:`Timing`; the channels the clause names say which
schedule it belongs to (none named: every channel).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from campaign.importer.channels import SCHEDULABLE, channels_in

DAY_KEYS = ["t2", "t3", "t4", "t5", "t6", "t7", "cn"]
NUMBER_WORDS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "sáu": 6, "bảy": 7}
_WEEKDAY_WORDS = {"hai": 0, "2": 0, "ba": 1, "3": 1, "tư": 2, "4": 2, "năm": 3, "5": 3,
                  "sáu": 4, "6": 4, "bảy": 5, "7": 5}
SPREAD: dict[int, str | list[str]] = {
    1: ["t4"], 2: ["t3", "t6"], 3: ["t2", "t4", "t6"], 4: ["t2", "t3", "t5", "t6"],
    5: "ngay-thuong", 6: ["t2", "t3", "t4", "t5", "t6", "t7"], 7: "hang-ngay"}
"""Days for "mỗi tuần N lần" when the document does not say which: spread over the week."""

_WD = r"(?:hai|ba|tư|năm|sáu|bảy|[2-7])(?!\s*\d{4})(?![\w/])"
_WEEKDAY_LIST = re.compile(
    rf"(?<!lần )(?<!kỳ )(?<!khóa )(?<!khoá )(?<!đợt )(?<!phần )\bthứ\s+(?P<first>{_WD})"
    rf"(?P<rest>(?:\s*(?:,|và|&|-|–|hoặc)\s*(?:thứ\s+)?{_WD})*)"
    r"(?P<sunday>\s*(?:,|và|&|hoặc)\s*chủ nhật)?", re.IGNORECASE)
_WEEKDAY_RANGE = re.compile(rf"\btừ\s+thứ\s+(?P<a>{_WD})\s+(?:đến|tới)\s+(?:thứ\s+(?P<b>{_WD})"
                            r"|(?P<cn>chủ nhật))", re.IGNORECASE)
_SUNDAY = re.compile(r"(?<!,\s)(?<!và\s)\bchủ nhật\b", re.IGNORECASE)
_WEEKLY = re.compile(r"(?:hàng|hằng|mỗi|trong)\s+tuần|các ngày thứ|vào các|định kỳ",
                     re.IGNORECASE)
_DAILY = re.compile(r"(?<!sống )(?<!sinh hoạt )(?<!việc )\b(?:hàng|hằng|mỗi)\s+ngày\b"
                    r"|các ngày trong tuần|tất cả các ngày|liên tục mỗi ngày", re.IGNORECASE)
_WORKDAYS = re.compile(r"(?:các\s+)?ngày\s+(?:làm việc|thường)\b", re.IGNORECASE)
_WEEKENDS = re.compile(r"(?:vào|các|mỗi|hằng|hàng)\s+(?:ngày\s+)?cuối tuần|dịp cuối tuần",
                       re.IGNORECASE)
_COUNT = r"(\d{1,2}|một|hai|ba|bốn|tư|năm|sáu|bảy)"
_PER_WEEK = re.compile(
    rf"(?:mỗi|một|1|hàng|hằng)\s+tuần\s*(?:ít nhất|tối thiểu|từ)?\s*{_COUNT}\s*(?:lần|buổi|bài|tin)"
    rf"|{_COUNT}\s*(?:lần|buổi|bài|tin)\s*(?:/|trên|mỗi|một|trong\s+(?:một\s+|1\s+)?)\s*tuần",
    re.IGNORECASE)
_PER_DAY = re.compile(
    rf"(?:mỗi|một|1)\s+ngày\s*(?:ít nhất|tối thiểu)?\s*{_COUNT}\s*(?:lần|buổi)"
    rf"|{_COUNT}\s*(?:lần|buổi)\s*(?:/|trên|mỗi|một|trong\s+(?:một\s+|1\s+)?)\s*ngày",
    re.IGNORECASE)
_PART = r"(?:(?:vào\s+)?(?:buổi\s+)?(?P<part>sáng|trưa|chiều|tối)\s+)?"
_CLOCK = (r"(?P<h>\d{1,2})\s*(?:giờ|g|h|:)\s*(?P<m>\d{1,2})?(?:\s*phút)?"
          r"(?:\s+(?P<after>sáng|trưa|chiều|tối))?(?![\w/])")
_TIME = re.compile(rf"(?<![\w/.])(?<!trong )(?<!sau )(?<!mất )(?<!khoảng ){_PART}{_CLOCK}",
                   re.IGNORECASE)
_RANGE = re.compile(
    rf"(?:từ|khung giờ|trong khung)\s*{_PART}(?P<h1>\d{{1,2}})\s*(?:giờ|g|h|:)\s*(?P<m1>\d{{1,2}})?"
    r"(?:\s*phút)?\s*(?:đến|tới|-|–)\s*(?P<h2>\d{1,2})\s*(?:giờ|g|h|:)\s*(?P<m2>\d{1,2})?",
    re.IGNORECASE)
# A date with optional month and year: "10/02/2020", "10/02", "10", "10 tháng 2 năm 2020".
_D = (r"(?P<{p}d>\d{{1,2}})(?:\s*[/.\-]\s*(?P<{p}m>\d{{1,2}})(?:\s*[/.\-]\s*(?P<{p}y>\d{{4}}))?"
      r"|\s+tháng\s+(?P<{p}wm>\d{{1,2}})(?:\s*,?\s*năm\s+(?P<{p}wy>\d{{4}}))?)?(?![\d/])")
_FROM_TO = re.compile(
    r"từ\s+(?:ngày\s+)?" + _D.format(p="a") + r"\s*(?:đến|tới|-|–)\s*(?:hết\s+)?(?:ngày\s+)?"
    + _D.format(p="b"), re.IGNORECASE)
_MONTH_Y = r"(?P<{p}mo>\d{{1,2}})(?:\s*[/\-]\s*(?P<{p}y>\d{{4}})|\s+năm\s+(?P<{p}wy>\d{{4}}))?"
_MONTHS = re.compile(r"từ\s+(?:đầu\s+)?tháng\s+" + _MONTH_Y.format(p="a")
                     + r"\s*(?:đến|tới|-|–)\s*(?:hết\s+|cuối\s+)?tháng\s+" + _MONTH_Y.format(p="b"),
                     re.IGNORECASE)
_IN_MONTH = re.compile(r"(?:trong|suốt|cả)\s+tháng\s+" + _MONTH_Y.format(p="a") + r"(?!\s*(?:và|,))",
                       re.IGNORECASE)
_QUARTER = re.compile(r"(?:trong|suốt)\s+quý\s+(?P<q>IV|I{1,3}|[1-4])\s*(?:/|năm\s+)(?P<y>\d{4})",
                      re.IGNORECASE)
_UNTIL = re.compile(
    r"(?P<now>từ nay\s+|từ khi ban hành\s+)?(?:đến|tới)\s+(?:hết|cuối)\s+"
    r"(?:(?:ngày\s+)?" + _D.format(p="e") + r"|tháng\s+" + _MONTH_Y.format(p="f")
    + r"|năm\s+(?P<ey2>\d{4}))", re.IGNORECASE)
_IN_YEAR = re.compile(r"(?:trong|suốt)\s+(?:cả\s+)?năm\s+(?P<y>\d{4})(?!\s*[-–]\s*\d)",
                      re.IGNORECASE)
_CUE = re.compile(
    r"tuyên truyền|\bphát\s+(?:thanh|sóng|lại|trên|bản tin|bài|tin|thông báo|chương trình|vào"
    r"|lúc|hằng|hàng|mỗi)|đăng|tiếp âm|tiếp sóng|trình chiếu|\btreo\b|thời gian\s*(?::|tuyên"
    r"|thực hiện|triển khai|phát)|\bloa\b|zalo|facebook|\bled\b|màn hình|truyền thanh",
    re.IGNORECASE)
_SKIP = re.compile(r"^(?:Căn cứ|Thực hiện\s+(?:Kế hoạch|Công văn|Chỉ thị|Nghị quyết|Hướng dẫn)"
                   r"|Nơi nhận)|\btrước ngày\b|giai đoạn\s+\d{4}", re.IGNORECASE)


@dataclass
class Timing:
    """What one sentence of the document says about when to broadcast."""

    text: str
    channels: list[str] = field(default_factory=list)
    """Schedulable channels the sentence names; empty: it speaks of every channel."""
    days: str | list[str] | None = None
    days_text: str | None = None
    per_week: int | None = None
    per_day: int | None = None
    times: list[str] = field(default_factory=list)
    day_parts: list[tuple[str, str]] = field(default_factory=list)
    start: dt.date | None = None
    end: dt.date | None = None
    from_now: bool = False
    """The period starts when the document is issued ("từ nay đến hết năm 2025")."""
    period_text: str | None = None

    @property
    def has_days(self) -> bool:
        return self.days is not None or self.per_week is not None

    def day_value(self) -> str | list[str] | None:
        """Days as the campaign file writes them (stated days first, else spread per week)."""
        if self.days is not None:
            return self.days
        if self.per_week:
            return SPREAD[max(1, min(7, self.per_week))]
        return None

    def to_json(self) -> dict[str, object]:
        return {"text": self.text, "channels": self.channels, "days": self.day_value(),
                "per_week": self.per_week, "per_day": self.per_day, "times": self.times,
                "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None, "from_now": self.from_now}


def _count(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word.lower()]


def _hhmm(hour: str, minute: str | None, part: str | None) -> str | None:
    h, m = int(hour), int(minute or 0)
    part = (part or "").lower()
    if part in ("chiều", "tối") and h < 12:
        h += 12
    if part == "trưa" and h < 10:
        h += 12
    if h > 23 or m > 59:
        return None
    return f"{h:02d}:{m:02d}"


def _day_set(text: str) -> tuple[str | list[str] | None, str | None]:
    """The weekdays ``text`` names, as a campaign day value, and the phrase that named them."""
    match = _WEEKDAY_RANGE.search(text)
    if match:
        a = _WEEKDAY_WORDS[match.group("a").lower()]
        b = 6 if match.group("cn") else _WEEKDAY_WORDS[match.group("b").lower()]
        days = set(range(a, b + 1)) if a <= b else set(range(a, 7)) | set(range(0, b + 1))
        return _as_value(days), match.group(0)
    found: set[int] = set()
    phrases: list[str] = []
    for match in _WEEKDAY_LIST.finditer(text):
        names = [match.group("first")] + re.findall(_WD, match.group("rest") or "", re.IGNORECASE)
        found |= {_WEEKDAY_WORDS[n.lower()] for n in names}
        if match.group("sunday"):
            found.add(6)
        phrases.append(match.group(0))
    sunday = _SUNDAY.search(text)
    if sunday:
        found.add(6)
        phrases.append(sunday.group(0))
    weekly = _WEEKLY.search(text)
    if found and (len(found) >= 2 or weekly):
        phrase = ", ".join(phrases)
        if (weekly and re.search(r"tuần", weekly.group(0))
                and weekly.group(0).lower() not in phrase.lower()):
            phrase += f" {weekly.group(0)}"
        return _as_value(found), phrase
    for pattern, value in ((_DAILY, "hang-ngay"), (_WORKDAYS, "ngay-thuong"),
                           (_WEEKENDS, "cuoi-tuan")):
        match = pattern.search(text)
        if match:
            return value, match.group(0)
    return None, None


def _as_value(days: set[int]) -> str | list[str]:
    if days == set(range(7)):
        return "hang-ngay"
    if days == set(range(5)):
        return "ngay-thuong"
    if days == {5, 6}:
        return "cuoi-tuan"
    return [DAY_KEYS[d] for d in sorted(days)]


def _date(match: re.Match[str], p: str, year: int | None, month: int | None = None
          ) -> tuple[int, int | None, int | None]:
    day = int(match.group(f"{p}d"))
    mon = match.group(f"{p}m") or match.group(f"{p}wm")
    yr = match.group(f"{p}y") or match.group(f"{p}wy")
    return day, int(mon) if mon else month, int(yr) if yr else year


def _safe(year: int | None, month: int | None, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day) if year and month else None
    except ValueError:
        return None


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _period(text: str, year: int | None) -> tuple[dt.date | None, dt.date | None, bool, str | None]:
    """(start, end, from_now, phrase) of the period ``text`` states."""
    match = _FROM_TO.search(text)
    if match:
        d2, m2, y2 = _date(match, "b", year)
        d1, m1, y1 = _date(match, "a", None, m2)
        end = _safe(y2, m2, d2)
        start = _safe(y1 or y2, m1, d1)
        if start and end and start > end and not match.group("ay") and not match.group("awy"):
            start = _safe(start.year - 1, start.month, start.day)
        if start and end and start <= end:
            return start, end, False, match.group(0)
    match = _MONTHS.search(text)
    if match:
        end_year = match.group("by") or match.group("bwy") or year
        start_year = match.group("ay") or match.group("awy") or end_year
        if start_year and end_year:
            try:
                start = dt.date(int(start_year), int(match.group("amo")), 1)
                end = _month_end(int(end_year), int(match.group("bmo")))
            except ValueError:
                start = end = None
            if start and end and start <= end:
                return start, end, False, match.group(0)
    match = _UNTIL.search(text)
    if match:
        end = None
        if match.group("ey2"):
            end = dt.date(int(match.group("ey2")), 12, 31)
        elif match.group("fmo"):
            yr = match.group("fy") or match.group("fwy") or year
            if yr and 1 <= int(match.group("fmo")) <= 12:
                end = _month_end(int(yr), int(match.group("fmo")))
        elif match.group("ed"):
            d, m, y = _date(match, "e", year)
            end = _safe(y, m, d)
        if end:
            return None, end, True, match.group(0).strip()
    match = _IN_MONTH.search(text)
    if match:
        yr = match.group("ay") or match.group("awy") or year
        month = int(match.group("amo"))
        if yr and 1 <= month <= 12:
            return dt.date(int(yr), month, 1), _month_end(int(yr), month), False, match.group(0)
    match = _QUARTER.search(text)
    if match:
        q = match.group("q").upper()
        n = {"I": 1, "II": 2, "III": 3, "IV": 4}.get(q) or int(q)
        yr = int(match.group("y"))
        return dt.date(yr, 3 * n - 2, 1), _month_end(yr, 3 * n), False, match.group(0)
    match = _IN_YEAR.search(text)
    if match:
        yr = int(match.group("y"))
        return dt.date(yr, 1, 1), dt.date(yr, 12, 31), False, match.group(0)
    return None, None, False, None


def _clauses(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not line:
            continue
        for part in re.split(r"(?<=[.;!?])\s+(?=\S)", line):
            part = re.sub(r"^(?:\d+(?:\.\d+)*\.|[-+*•]|[a-zđ]\))\s+", "", part.strip())
            if part:
                out.append(part)
    return out


def find_timings(lines: list[str], *, year: int | None) -> list[Timing]:
    """Every clause of the document that states days, times or a period for broadcasting."""
    out: list[Timing] = []
    for clause in _clauses(lines):
        if _SKIP.search(clause) and not _FROM_TO.search(clause) or not _CUE.search(clause):
            continue
        start, end, from_now, phrase = _period(clause, year)
        for part in _by_channel(clause):
            timing = _timing(part, clause)
            timing.start, timing.end, timing.from_now = start, end, from_now
            timing.period_text = phrase
            if timing.has_days or timing.per_day or timing.times or timing.end:
                out.append(timing)
    return out


def _by_channel(clause: str) -> list[str]:
    """The clause split where a new channel is introduced after a comma: "trên loa hằng ngày
    lúc 17 giờ, trên trang Facebook vào thứ ba và thứ năm" speaks of two schedules."""
    parts = re.split(r",\s+(?=(?:và\s+|còn\s+)?(?:trên|qua)\s)", clause)
    out: list[str] = []
    for part in parts:
        if out and not channels_in(part):
            out[-1] = f"{out[-1]}, {part}"
        else:
            out.append(part)
    return out if sum(1 for p in out if channels_in(p)) > 1 else [clause]


def _timing(clause: str, whole: str) -> Timing:
    """Days and times stated in one part of a clause (the period is the whole clause's)."""
    timing = Timing(text=whole)
    timing.days, timing.days_text = _day_set(clause)
    match = _PER_WEEK.search(clause)
    if match:
        timing.per_week = _count(next(g for g in match.groups() if g))
    match = _PER_DAY.search(clause)
    if match:
        timing.per_day = _count(next(g for g in match.groups() if g))
    for match in _RANGE.finditer(clause):
        a = _hhmm(match.group("h1"), match.group("m1"), match.group("part"))
        b = _hhmm(match.group("h2"), match.group("m2"), match.group("part"))
        if a and b:
            timing.day_parts.append((a, b))
    ranged = {m.span() for m in _RANGE.finditer(clause)}
    for match in _TIME.finditer(clause):
        if any(s <= match.start() < e for s, e in ranged):
            continue
        hhmm = _hhmm(match.group("h"), match.group("m"),
                     match.group("part") or match.group("after"))
        if hhmm and hhmm not in timing.times and _clock_like(match):
            timing.times.append(hhmm)
    if timing.day_parts and not timing.times:
        timing.times = [a for a, _ in timing.day_parts]
    timing.channels = [c for c in channels_in(clause) if c in SCHEDULABLE]
    return timing


def _clock_like(match: re.Match[str]) -> bool:
    """"6 giờ 30", "17h", "06:30" are clock times; a bare "12 giờ" after "trong" is a span
    (already excluded); a "g" needs minutes ("6g30") so that "2g" in a symbol is not a time."""
    raw = match.group(0).lower()
    if re.search(r"\d\s*g(?!iờ)", raw) and not match.group("m"):
        return False
    return not (":" in raw and not match.group("m"))
