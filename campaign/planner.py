"""Turn a campaign into posts: one per message × endpoint × slot, with deterministic keys.

``build_plan`` is pure (campaign + directory → planned posts); ``apply_plan`` hands it to
``schedules.plans.apply_plan``, which writes it to the ledger with upsert semantics: future
unsent posts change, posts that no longer exist are cancelled (never deleted), and posts already
sent are never touched.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, cast
from zoneinfo import ZoneInfo

from assets.speech import estimate_seconds
from campaign.checks import DEFAULT_SLOT_MINUTES, cross_check, load_campaign
from campaign.definition import (
    PRIORITY_RANK,
    Campaign,
    ChannelSchedule,
    DayPart,
    Message,
    variant_content,
)
from campaign.directory import Directory
from channels.base import EndpointConfig, minutes_of

__all__ = ["DEFAULT_SLOT_MINUTES", "PlanResult", "apply_plan", "build_plan", "cross_check",
           "load_campaign", "summarise"]
from schedules import calendar, plans
from schedules.ledger import Ledger
from schedules.plans import CampaignRecord, PlanResult

LEAD_ROUTES = {"telegram", "folder"}
"""Loudspeaker routes that need the material ahead of the session (a person reads it)."""
WHOLE_DAY = DayPart.model_validate({"from": "00:00", "to": "24:00"})


class PlannedPost(NamedTuple):
    """One post to be (a NamedTuple: a national plan builds hundreds of thousands)."""

    key: str
    message_id: str
    endpoint_id: str
    channel: str
    unit_id: str
    content_hash: str
    slot_at: datetime
    due_at: datetime
    expires_at: datetime | None
    priority: int


@dataclass
class EndpointSpec:
    """Everything needed to generate one endpoint's posts, without holding them in memory."""

    endpoint: EndpointConfig
    channel: str
    messages: list[Message]
    hashes: list[str]
    slots: list[Slot]
    per_slot: int
    durations: list[float] = field(default_factory=list)
    capacity: float = 0.0
    spill: bool = False
    once: bool = False
    """Each message goes out once, in order (website articles): no rotation, no repeats."""


@dataclass
class Plan:
    """A campaign's posts, generated lazily (a national campaign has hundreds of thousands)."""

    campaign: Campaign
    definition_hash: str
    timezone: str
    specs: list[EndpointSpec] = field(default_factory=list)
    contents: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    skipped_holidays: dict[date, str] = field(default_factory=dict)

    def iter_posts(self) -> Iterator[PlannedPost]:
        """Every planned post, endpoint by endpoint, slot by slot."""
        campaign_id = self.campaign.id
        priority = PRIORITY_RANK[self.campaign.priority]
        for spec in self.specs:
            n, k = len(spec.messages), spec.per_slot
            if spec.durations and k * max(spec.durations) > spec.capacity:
                chosen, dropped = _fit(_rotate(n, len(spec.slots), k), spec.durations,
                                       spec.capacity, spec.spill)
                warning = (f"Đài {spec.endpoint.id}: {dropped} bài đọc không còn buổi phát "
                           "nào để chuyển sang (hết thời gian chiến dịch).")
                if dropped and warning not in self.warnings:  # each pass over the plan sees it
                    self.warnings.append(warning)
            else:  # the common case: the rotation fits, no need to materialise it
                chosen = None
            endpoint_id, unit_id, channel = spec.endpoint.id, spec.endpoint.unit, spec.channel
            prefix = f"{campaign_id}/{endpoint_id}/"
            ids, hashes = [m.id for m in spec.messages], spec.hashes
            for i, (label, slot_at, due_at, expires_at) in enumerate(spec.slots):
                if spec.once:
                    picks = list(range(i * k, min(i * k + k, n)))
                else:
                    picks = chosen[i] if chosen is not None else \
                        [(i * k + j) % n for j in range(k)]
                for idx in picks:
                    yield PlannedPost(f"{prefix}{label}/{ids[idx]}", ids[idx], endpoint_id,
                                      channel, unit_id, hashes[idx], slot_at, due_at,
                                      expires_at, priority)

    def expected_count(self) -> int:
        """Posts the plan will yield (before any spill drops), without generating them."""
        return sum(min(len(spec.slots) * spec.per_slot, len(spec.messages)) if spec.once
                   else len(spec.slots) * spec.per_slot for spec in self.specs)

    @property
    def posts(self) -> list[PlannedPost]:
        """All posts as a list (fine for one city; use :meth:`iter_posts` for a nation)."""
        return list(self.iter_posts())


# ---------------------------------------------------------------------------- expansion
def content_hash(channel: str, body: dict[str, Any]) -> str:
    blob = json.dumps([channel, body], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def build_plan(campaign: Campaign, directory: Directory, *,
               estimate: Callable[[str, float], float] = estimate_seconds) -> Plan:
    """Expand a validated campaign into a plan. Pure: touches no database."""
    tz_name = campaign.timezone or directory.timezone
    zone = ZoneInfo(tz_name)
    plan = Plan(campaign, campaign.content_hash(), tz_name)
    units = directory.resolve_targets(campaign.targets)
    skip = campaign.holidays == "skip"
    if skip:
        plan.skipped_holidays = calendar.public_holidays(campaign.period.start,
                                                         campaign.period.end)
    rate = directory.data.reading.syllables_per_second
    for channel in campaign.channels:
        if channel == "visual":
            _plan_visual(plan, campaign, directory, units, zone)
            continue
        sched = campaign.schedule[channel]  # type: ignore[index]
        messages = campaign.messages_for(channel)
        hashes = []
        for message in messages:
            body = variant_content(message, channel, sched, sources=campaign.source)
            digest = content_hash(channel, body)
            plan.contents[digest] = (channel, body)
            hashes.append(digest)
        endpoints = directory.endpoints_for(channel, units)
        if not endpoints:
            plan.warnings.append(f"Kênh {channel}: các đơn vị được chọn chưa có điểm nhận nào.")
            continue
        days = calendar.days_between(campaign.period.start, campaign.period.end,
                                     sched.weekday_set(), skip_holidays=skip)
        quiet = cast("dict[str, tuple[str, str]]", campaign.quiet_hours).get(channel) \
            or directory.quiet_hours(channel)
        durations = ([estimate(m.loudspeaker.script, rate) for m in messages]  # type: ignore[union-attr]
                     if channel == "loudspeaker" else [])
        per_slot = _per_slot(channel, sched, messages)
        once = channel == "website"
        slot_cache: dict[tuple[Any, ...], list[Slot]] = {}
        for endpoint in sorted(endpoints, key=lambda e: e.id):
            shape = _slot_shape(channel, sched, endpoint)
            if shape not in slot_cache:  # thousands of stations share a few slot patterns
                slots = _slots(channel, sched, endpoint, days, zone, quiet)
                if once:
                    slots, per_slot = _once(plan, slots, len(messages))
                slot_cache[shape] = slots
            plan.specs.append(EndpointSpec(
                endpoint, channel, messages, hashes, slot_cache[shape], per_slot, durations,
                (endpoint.slot_minutes or DEFAULT_SLOT_MINUTES) * 60,
                sched.overflow == "spill", once))
    return plan


def _once(plan: Plan, slots: list[Slot], n_messages: int) -> tuple[list[Slot], int]:
    """Website articles: message i in slot i; with fewer slots than articles, several per
    slot (and a warning), never the same article twice."""
    if not slots:
        return slots, 1
    per_slot = -(-n_messages // len(slots))
    if per_slot > 1:
        warning = (f"Kênh website: {n_messages} bài nhưng chỉ {len(slots)} lần đăng; mỗi lần "
                   f"đăng {per_slot} bài.")
        if warning not in plan.warnings:
            plan.warnings.append(warning)
    return slots[:-(-n_messages // per_slot)], per_slot


def _plan_visual(plan: Plan, campaign: Campaign, directory: Directory, units: list[str],
                 zone: ZoneInfo) -> None:
    """Printed materials: one post per message × product endpoint, due ``lead_days`` before the
    hanging date, valid until the campaign ends (a late banner still serves)."""
    sched = campaign.visual
    assert sched is not None
    messages = campaign.messages_for("visual")
    hashes = []
    for message in messages:
        body = variant_content(message, "visual", sched)
        digest = content_hash("visual", body)
        plan.contents[digest] = ("visual", body)
        hashes.append(digest)
    kinds = {p.kind for p in sched.products}
    endpoints = [e for e in directory.endpoints_for("visual", units)
                 if not kinds or getattr(e, "kind", None) in kinds]
    if not endpoints:
        plan.warnings.append("Ấn phẩm cổ động: các đơn vị được chọn chưa có điểm nhận nào"
                             + (f" cho loại {', '.join(sorted(kinds))}." if kinds else "."))
        return
    slot_at = calendar.local_instant(sched.hang_on, sched.time, zone)
    due_at = calendar.local_instant(sched.due_date(), sched.time, zone)
    expires = calendar.local_instant(campaign.period.end + timedelta(days=1), "00:00", zone)
    slots: list[Slot] = [(f"{sched.hang_on.isoformat()}T{sched.time}", slot_at, due_at,
                          expires)]
    for endpoint in sorted(endpoints, key=lambda e: e.id):
        plan.specs.append(EndpointSpec(endpoint, "visual", messages, hashes, slots,
                                       len(messages)))


def _slot_shape(channel: str, sched: ChannelSchedule, endpoint: EndpointConfig) -> tuple[Any, ...]:
    times = tuple(sched.times if sched.times is not None else endpoint.slots)
    lead = channel == "loudspeaker" and endpoint.via in LEAD_ROUTES
    return (times, lead, endpoint.slot_minutes)


Slot = tuple[str, datetime, datetime, datetime | None]


def _slots(channel: str, sched: ChannelSchedule, endpoint: EndpointConfig, days: list[date],
           zone: ZoneInfo, quiet: tuple[str, str] | None) -> list[Slot]:
    """(local label, slot instant, due instant, expiry instant) for every slot, in order."""
    out: list[Slot] = []
    if channel == "led":
        parts = sched.day_parts or [WHOLE_DAY]
        for day in days:
            for part in sorted(parts, key=lambda p: minutes_of(p.from_)):
                start = calendar.local_instant(day, part.from_, zone)
                end_day = day if minutes_of(part.to) > minutes_of(part.from_) else \
                    day + timedelta(days=1)
                end = calendar.local_instant(end_day, part.to, zone)
                out.append((f"{day.isoformat()}T{part.from_}", start, start, end))
        return out
    times = sorted(sched.times if sched.times is not None else endpoint.slots, key=minutes_of)
    lead = timedelta(minutes=sched.lead_minutes) if (
        channel == "loudspeaker" and endpoint.via in LEAD_ROUTES) else timedelta(0)
    session = timedelta(minutes=endpoint.slot_minutes or DEFAULT_SLOT_MINUTES)
    for day in days:
        for hhmm in times:
            slot_at = calendar.local_instant(day, hhmm, zone)
            if channel == "loudspeaker":
                expires = slot_at + session
            else:
                cap = slot_at + timedelta(hours=12)
                expires = min(cap, calendar.next_window_start(slot_at, quiet, zone)) \
                    if quiet else cap
            out.append((f"{day.isoformat()}T{hhmm}", slot_at, slot_at - lead, expires))
    return out


def _per_slot(channel: str, sched: ChannelSchedule, messages: list[Message]) -> int:
    if channel == "led" and "per_slot" not in sched.model_fields_set:
        return len(messages)  # a board shows all the campaign's slogans in turn
    return min(sched.per_slot, len(messages))


def _rotate(n_messages: int, n_slots: int, per_slot: int) -> list[list[int]]:
    """Round-robin: slot i gets messages i*k … i*k+k-1 (mod n), so all get equal airtime."""
    return [[(i * per_slot + j) % n_messages for j in range(per_slot)] for i in range(n_slots)]


def _fit(chosen: list[list[int]], durations: list[float], capacity: float,
         spill: bool) -> tuple[list[list[int]], int]:
    """Keep each slot's scripts within its minutes; with spill, carry the rest forward."""
    out: list[list[int]] = []
    carry: list[int] = []
    for picks in chosen:
        queue = carry + [p for p in picks if p not in carry]
        used = 0.0
        slot: list[int] = []
        carry = []
        for idx in queue:
            if idx in slot:
                continue
            if used + durations[idx] <= capacity:
                slot.append(idx)
                used += durations[idx]
            elif spill:
                carry.append(idx)
        out.append(slot)
    return out, len(carry)


# ---------------------------------------------------------------------------- ledger
def apply_plan(ledger: Ledger, plan: Plan, *, now: datetime | None = None,
               source_path: str | None = None, actor: str | None = None,
               progress: Callable[[int], None] | None = None,
               reopen: bool = False) -> PlanResult:
    """Write the plan to the ledger through :func:`schedules.plans.apply_plan`.

    The campaign layer only says what the campaign row and posts are; the schedules layer
    does every write (see ``tests/test_ledger_writes.py``).
    """
    campaign = plan.campaign
    record = CampaignRecord(
        id=campaign.id, title=campaign.title, timezone=plan.timezone,
        priority=campaign.priority, period_start=campaign.period.start,
        period_end=campaign.period.end, report_due=campaign.report_due,
        definition=campaign.model_dump(mode="json", by_alias=True),
        definition_hash=plan.definition_hash)
    return plans.apply_plan(ledger, record, plan.contents, plan.iter_posts(), now=now,
                            source_path=source_path, actor=actor, progress=progress,
                            reopen=reopen)


# ---------------------------------------------------------------------------- summary
@dataclass
class Summary:
    by_day: dict[date, Counter[str]]
    by_unit: dict[str, Counter[str]]
    channels: list[str]
    total: int


def summarise(plan: Plan) -> Summary:
    """Counts per local day × channel and per unit × channel, for people to check a plan."""
    zone = ZoneInfo(plan.timezone)
    by_day: dict[date, Counter[str]] = defaultdict(Counter)
    by_unit: dict[str, Counter[str]] = defaultdict(Counter)
    for post in plan.iter_posts():
        by_day[post.slot_at.astimezone(zone).date()][post.channel] += 1
        by_unit[post.unit_id][post.channel] += 1
    return Summary(dict(sorted(by_day.items())), dict(sorted(by_unit.items())),
                   plan.campaign.channels, sum(sum(c.values()) for c in by_day.values()))
