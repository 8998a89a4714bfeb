"""What a leader reviews before approving: each message as each channel will publish it, the
words that changed since the last approval, and how the schedule moves.

Pure: takes the campaign record (current and approved definitions) and the directory, returns
plain dataclasses that the dashboard template and the Telegram approval message both render.
No JSON and no field names reach a person: every field has a Vietnamese label, every change is
a word-level diff ("Đã sửa", "Thêm", "Bỏ").
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from campaign.directory import Directory

CHANNEL_ORDER = ("facebook", "zalo", "website", "led", "loudspeaker", "visual")
CHANNEL_NAME = {"facebook": "Facebook", "zalo": "Zalo", "led": "Bảng LED",
                "loudspeaker": "Loa truyền thanh", "website": "Trang thông tin điện tử",
                "visual": "Ấn phẩm in (pano, băng rôn)"}
FIELD_LABEL = {
    "title": "Tiêu đề", "text": "Nội dung", "link": "Liên kết", "images": "Ảnh",
    "description": "Mô tả ngắn", "cover": "Ảnh bìa", "author": "Tác giả",
    "notify": "Gửi thông báo cho người theo dõi", "slogans": "Khẩu hiệu",
    "dwell": "Thời gian hiển thị mỗi khẩu hiệu (giây)", "script": "Kịch bản đọc",
    "audio": "Tệp âm thanh thu sẵn", "summary": "Tóm tắt", "attachments": "Tệp đính kèm",
    "category": "Chuyên mục", "tags": "Từ khoá",
}
GENERAL_LABEL = {"title": "Tên chiến dịch", "period": "Thời gian", "targets": "Địa bàn",
                 "priority": "Mức ưu tiên", "report_due": "Hạn báo cáo",
                 "report_to": "Nơi nhận báo cáo", "holidays": "Ngày lễ"}
PRIORITY_NAME = {"normal": "Thường", "high": "Cao", "urgent": "Khẩn", "emergency": "Khẩn cấp"}
STATUS_NAME = {"changed": "Đã sửa", "added": "Thêm", "removed": "Bỏ", "same": "Không đổi"}
PLAN_LIMIT = 300_000
"""Plans larger than this are not expanded twice on a page view (a national campaign)."""


@dataclass(frozen=True)
class Segment:
    """A run of words: ``same``, ``add`` (Thêm) or ``del`` (Bỏ); ``br`` is a line break.
    ``space``: a space comes before it (punctuation sticks to the word before)."""

    kind: str
    text: str
    space: bool = True


@dataclass
class FieldChange:
    key: str
    label: str
    status: str
    old: str
    new: str
    segments: list[Segment] = field(default_factory=list)

    @property
    def status_name(self) -> str:
        return STATUS_NAME[self.status]


@dataclass
class ChannelPart:
    """One message's variant for one channel: what goes out now, and what changed."""

    channel: str
    status: str
    content: dict[str, Any]
    fields: list[FieldChange]

    @property
    def name(self) -> str:
        return CHANNEL_NAME.get(self.channel, self.channel)

    @property
    def status_name(self) -> str:
        return STATUS_NAME[self.status]

    @property
    def changed(self) -> list[FieldChange]:
        return [f for f in self.fields if f.status != "same"]


@dataclass
class MessageReview:
    id: str
    title: str
    status: str
    parts: list[ChannelPart]

    @property
    def status_name(self) -> str:
        return STATUS_NAME[self.status]


@dataclass
class ScheduleChange:
    """Posts added, moved and cancelled on one channel by the new definition."""

    channel: str
    added: int = 0
    moved: int = 0
    cancelled: int = 0
    total: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return CHANNEL_NAME.get(self.channel, self.channel)


@dataclass
class Review:
    campaign_id: str
    title: str
    definition_hash: str
    approved: bool
    first: bool
    general: list[FieldChange]
    messages: list[MessageReview]
    schedule: list[ScheduleChange]
    schedule_note: str | None = None

    @property
    def short_hash(self) -> str:
        return self.definition_hash[:12]

    @property
    def changed_messages(self) -> list[MessageReview]:
        return [m for m in self.messages if m.status != "same"]


# --------------------------------------------------------------------------- word diff
_TOKEN = re.compile(r"\n|[^\W_]+|[^\w\s]+|_+")


def words(text: str) -> list[tuple[str, bool]]:
    """Words, punctuation and line breaks, each with whether a space came before it (a line
    break is its own token so verses keep their shape; "hiểm." is "hiểm" + ".", so adding
    words after a full stop does not mark the last word as changed)."""
    text = text.replace("\r\n", "\n")
    return [(m.group(), m.start() > 0 and text[m.start() - 1] in " \t")
            for m in _TOKEN.finditer(text)]


def word_diff(old: str, new: str) -> list[Segment]:
    """The new text as runs of unchanged, added and removed words (difflib on words)."""
    a, b = words(old), words(new)
    out: list[Segment] = []

    def emit(kind: str, tokens: list[tuple[str, bool]]) -> None:
        run: list[tuple[str, bool]] = []

        def flush() -> None:
            if run:
                text = "".join((" " if sp and i else "") + t for i, (t, sp) in enumerate(run))
                out.append(Segment(kind, text, run[0][1]))
                run.clear()

        for token in tokens:
            if token[0] == "\n":
                flush()
                out.append(Segment("br", "", False))
            else:
                run.append(token)
        flush()

    matcher = difflib.SequenceMatcher(None, [t for t, _ in a], [t for t, _ in b],
                                      autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            emit("same", b[j1:j2])
        if op in ("delete", "replace"):
            emit("del", a[i1:i2])
        if op in ("insert", "replace"):
            emit("add", b[j1:j2])
    return out


def as_text(value: Any) -> str:
    """A field's value as a person reads it (lists one item per line, booleans in words)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, list):
        return "\n".join(as_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{FIELD_LABEL.get(k, k)}: {as_text(v)}" for k, v in value.items())
    return str(value)


def compare_field(key: str, label: str, old: Any, new: Any) -> FieldChange:
    old_text, new_text = as_text(old), as_text(new)
    if old_text == new_text:
        status = "same"
    elif not old_text:
        status = "added"
    elif not new_text:
        status = "removed"
    else:
        status = "changed"
    return FieldChange(key, label, status, old_text, new_text,
                       word_diff(old_text, new_text) if status != "same" else [])


def _fields(old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[FieldChange]:
    old, new = old or {}, new or {}
    keys = list(dict.fromkeys([*new, *old]))
    return [compare_field(k, FIELD_LABEL.get(k, k), old.get(k), new.get(k)) for k in keys]


# --------------------------------------------------------------------------- messages
def _messages(definition: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in (definition or {}).get("messages", []) if "id" in m}


def variant_of(definition: dict[str, Any], message_id: str, channel: str) -> dict[str, Any] | None:
    """The message's variant for ``channel`` in ``definition`` (None when absent)."""
    message = _messages(definition).get(message_id)
    variant = (message or {}).get(channel)
    return variant if isinstance(variant, dict) else None


def _channels(message: dict[str, Any]) -> list[str]:
    known = [c for c in CHANNEL_ORDER if isinstance(message.get(c), dict)]
    extra = [k for k, v in message.items() if isinstance(v, dict) and k not in known]
    return known + extra


def message_reviews(old_def: dict[str, Any] | None,
                    new_def: dict[str, Any]) -> list[MessageReview]:
    old_msgs, new_msgs = _messages(old_def), _messages(new_def)
    first = old_def is None
    out: list[MessageReview] = []
    for mid in list(dict.fromkeys([*new_msgs, *old_msgs])):
        old_m, new_m = old_msgs.get(mid), new_msgs.get(mid)
        parts: list[ChannelPart] = []
        for channel in list(dict.fromkeys([*_channels(new_m or {}), *_channels(old_m or {})])):
            before = (old_m or {}).get(channel)
            after = (new_m or {}).get(channel)
            fields = _fields(before, after)
            if first:
                status = "same"
                fields = [FieldChange(f.key, f.label, "same", f.old, f.new) for f in fields]
            elif before is None:
                status = "added"
            elif after is None:
                status = "removed"
            else:
                status = "changed" if any(f.status != "same" for f in fields) else "same"
            parts.append(ChannelPart(channel, status, after or before or {}, fields))
        if first or (old_m is not None and new_m is not None):
            status = "changed" if any(p.status != "same" for p in parts) else "same"
            if old_m is not None and new_m is not None and old_m.get("title") != new_m.get("title"):
                status = "changed"
        else:
            status = "added" if old_m is None else "removed"
        title = str((new_m or old_m or {}).get("title", mid))
        out.append(MessageReview(mid, title, status, parts))
    return out


def general_changes(old_def: dict[str, Any] | None, new_def: dict[str, Any],
                    directory: Directory) -> list[FieldChange]:
    """Changes to the campaign's own facts (name, period, targets, deadline, priority)."""
    if old_def is None:
        return []

    def shown(key: str, definition: dict[str, Any]) -> Any:
        value = definition.get(key)
        if key == "period" and isinstance(value, dict):
            return f"{_vn_date(value.get('start'))} – {_vn_date(value.get('end'))}"
        if key == "targets" and isinstance(value, list):
            return ", ".join(_target_name(directory, t) for t in value)
        if key == "priority":
            return PRIORITY_NAME.get(str(value), value)
        if key == "report_due":
            return _vn_date(value)
        if key == "holidays":
            return {"skip": "Bỏ qua ngày lễ", "keep": "Vẫn đăng vào ngày lễ"}.get(str(value),
                                                                                   value)
        return value

    changes = [compare_field(k, label, shown(k, old_def), shown(k, new_def))
               for k, label in GENERAL_LABEL.items()]
    return [c for c in changes if c.status != "same"]


def _vn_date(value: Any) -> str:
    if not value:
        return ""
    try:
        return f"{date.fromisoformat(str(value)):%d/%m/%Y}"
    except ValueError:
        return str(value)


def _target_name(directory: Directory, target: str) -> str:
    unit = directory.units.get(target)
    if unit is not None:
        return unit.name
    group = directory.groups.get(target)
    if group is not None:
        return group.name
    return "Tất cả đơn vị" if target == "tat-ca" else target


# --------------------------------------------------------------------------- schedule
def _plan_slots(definition: dict[str, Any], directory: Directory,
                since: datetime | None = None) -> tuple[
        dict[tuple[str, str, str], dict[date, set[datetime]]], dict[str, int], str]:
    """(endpoint, message, channel) → local day → slot instants, and posts per channel."""
    from campaign.definition import Campaign
    from campaign.planner import build_plan

    campaign = Campaign.model_validate(definition)
    plan = build_plan(campaign, directory)
    if plan.expected_count() > PLAN_LIMIT:
        raise OverflowError
    zone = ZoneInfo(plan.timezone)
    slots: dict[tuple[str, str, str], dict[date, set[datetime]]] = defaultdict(
        lambda: defaultdict(set))
    totals: dict[str, int] = defaultdict(int)
    for post in plan.iter_posts():
        if since is not None and post.slot_at < since:
            continue  # gone by: the planner never touches what is past
        local = post.slot_at.astimezone(zone)
        slots[(post.endpoint_id, post.message_id, post.channel)][local.date()].add(local)
        totals[post.channel] += 1
    return slots, totals, plan.timezone


def schedule_changes(old_def: dict[str, Any] | None, new_def: dict[str, Any],
                     directory: Directory, *, examples: int = 4, since: datetime | None = None,
                     ) -> tuple[list[ScheduleChange], str | None]:
    """Posts the new definition adds, moves (same day, other time) and cancels compared with
    the approved one, per channel, with a few examples in local time. Times are the slot (the
    broadcast or display time), not when the material is sent ahead. Slots before ``since``
    are left out: a re-plan never touches them."""
    try:
        new_slots, totals, _tz = _plan_slots(new_def, directory, since)
        old_slots = _plan_slots(old_def, directory, since)[0] if old_def else {}
    except OverflowError:
        return [], "Kế hoạch quá lớn để so sánh trên trang (hơn 300.000 bài)."
    except Exception:  # noqa: BLE001 - an old definition the directory no longer fits
        return [], ("Không so sánh được lịch với bản đã duyệt (danh bạ đã thay đổi); "
                    "xem lịch ở trang Lịch sắp tới.")
    titles = {m["id"]: m.get("title", m["id"]) for m in [
        *(old_def or {}).get("messages", []), *new_def.get("messages", [])]}
    changes: dict[str, ScheduleChange] = {}

    def unit_of(endpoint_id: str) -> str:
        endpoint = directory.endpoints.get(endpoint_id)
        unit = directory.units.get(endpoint.unit) if endpoint else None
        return unit.name if unit else endpoint_id

    for key in sorted(set(old_slots) | set(new_slots)):
        endpoint_id, message_id, channel = key
        change = changes.setdefault(channel, ScheduleChange(channel))
        before, after = old_slots.get(key, {}), new_slots.get(key, {})
        where = f"«{titles.get(message_id, message_id)}» tại {unit_of(endpoint_id)}"
        for day in sorted(set(before) | set(after)):
            gone = sorted(before.get(day, set()) - after.get(day, set()))
            come = sorted(after.get(day, set()) - before.get(day, set()))
            pairs = min(len(gone), len(come))
            change.moved += pairs
            change.cancelled += len(gone) - pairs
            change.added += len(come) - pairs
            if len(change.examples) < examples:
                for a, b in list(zip(gone, come, strict=False))[:1]:
                    change.examples.append(f"Dời {where}: {a:%H:%M} → {b:%H:%M} ngày {day:%d/%m}")
                if len(gone) > pairs:
                    change.examples.append(f"Huỷ {where}: {gone[pairs]:%H:%M %d/%m}")
                if len(come) > pairs:
                    change.examples.append(f"Thêm {where}: {come[pairs]:%H:%M %d/%m}")
    for channel, change in changes.items():
        change.total = totals.get(channel, 0)
        change.examples = change.examples[:examples]
    ordered = sorted(changes.values(), key=lambda c: CHANNEL_ORDER.index(c.channel)
                     if c.channel in CHANNEL_ORDER else 99)
    return ordered, None


# --------------------------------------------------------------------------- the review
def preview_endpoints(directory: Directory, definition: dict[str, Any],
                      channel: str) -> list[Any]:
    """The campaign's endpoints on ``channel`` (previews use their size, voice, format)."""
    try:
        units = directory.resolve_targets(list(definition.get("targets") or []))
    except Exception:  # noqa: BLE001 - targets no longer in the directory
        units = []
    found = directory.endpoints_for(channel, units)
    if not found:  # a preview still helps: any board/station of this channel
        found = [e for e in directory.endpoints.values() if e.channel == channel]
    return sorted(found, key=lambda e: e.id)


def build_review(record: dict[str, Any], directory: Directory, *,
                 now: datetime | None = None) -> Review:
    """The review of a campaign record (``queries.campaign_record``); the schedule change
    counts posts from ``now`` on (all of them when None)."""
    new_def = record.get("definition") or {}
    old_def = record.get("approved_definition")
    schedule, note = schedule_changes(old_def, new_def, directory, since=now)
    return Review(
        campaign_id=record["id"], title=record.get("title") or record["id"],
        definition_hash=record["definition_hash"], approved=bool(record.get("approved")),
        first=old_def is None, general=general_changes(old_def, new_def, directory),
        messages=message_reviews(old_def, new_def), schedule=schedule, schedule_note=note)


def summary_lines(review: Review) -> list[str]:
    """A short Vietnamese summary (the Telegram message, the page's header)."""
    lines: list[str] = []
    if review.first:
        lines.append(f"Chiến dịch mới: {len(review.messages)} tin, chưa được duyệt lần nào.")
    else:
        changed = review.changed_messages
        lines.append(f"{len(changed)} tin có thay đổi so với bản đã duyệt."
                     if changed else "Nội dung các tin không đổi.")
        for c in review.general:
            lines.append(f"{c.label}: {c.old or '—'} → {c.new or '—'}")
    for s in review.schedule:
        if review.first:
            lines.append(f"{s.name}: {s.total} bài sắp tới.")
        elif s.added or s.moved or s.cancelled:
            lines.append(f"{s.name}: thêm {s.added}, dời giờ {s.moved}, huỷ {s.cancelled} bài "
                         f"(còn {s.total} bài sắp tới).")
    return lines
