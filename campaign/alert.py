"""Emergency bulletins (mức khẩn cấp, Thông tư 39/2020/TT-BTTTT).

An alert is a one-message campaign with priority ``emergency``, due now on every selected
endpoint, approved by the person who issues it (they are accountable), and claimed before
anything queued. Quiet hours do not apply: an emergency is announced when it happens.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from assets.led.words import slogan_chunks
from campaign.actor import os_user_detail
from campaign.approval import approve
from campaign.definition import SLOGAN_MAX, Campaign
from campaign.directory import Directory
from campaign.errors import InputError
from campaign.planner import EndpointSpec, Plan, apply_plan, content_hash
from channels.base import CHANNELS, AdapterContext, ChannelError, adapter_class, adapter_kind
from schedules.ledger import Ledger
from schedules.models import utcnow

DEFAULT_VALID_MINUTES = 120
logger = logging.getLogger("campaign.alert")


@dataclass
class AlertResult:
    campaign_id: str
    posts: int
    endpoints: list[str]


def create_alert(ledger: Ledger, directory: Directory, *, text: str, targets: list[str],
                 channels: list[str], by: str, title: str | None = None,
                 valid_minutes: int = DEFAULT_VALID_MINUTES,
                 now: dt.datetime | None = None,
                 context: AdapterContext | None = None) -> AlertResult:
    """Plan and approve an emergency bulletin that goes out at once.

    With ``context`` (the workspace's adapter context) the bulletin's media — speech, the
    Icecast stream — is rendered for every selected endpoint *before* the posts are written,
    into the same stores the adapters read: twenty wards then start it within seconds
    instead of each lane synthesising the same speech at once. The posts fall due when the
    media is ready.
    """
    text = text.strip()
    problems = []
    if not text:
        problems.append("Nội dung thông báo khẩn cấp đang trống (--text).")
    if not by.strip():
        problems.append('Phải ghi người phát lệnh (--by "Họ tên").')
    unknown_channels = [c for c in channels if c not in CHANNELS]
    if unknown_channels:
        problems.append(f"Kênh không hợp lệ: {', '.join(unknown_channels)} "
                        f"(chọn trong {', '.join(CHANNELS)}).")
    unknown = directory.unknown_targets(targets)
    if unknown:
        problems.append(f"Không có đơn vị hay nhóm: {', '.join(unknown)}.")
    if problems:
        raise InputError.single("campaign alert", " ".join(problems),
                                fix="Xem campaign alert --help.")
    title = title or f"Thông báo khẩn cấp: {text[:80]}"
    script = f"Thông báo khẩn cấp. {text} Xin nhắc lại. {text}"
    if context is not None:
        _render(directory, context, targets, channels,
                {"loudspeaker": {"title": title, "script": script}})
    now = now or utcnow()
    zone = directory.zone
    local = now.astimezone(zone)
    campaign_id = f"khan-cap-{local:%Y%m%d-%H%M%S}"
    variants = {
        "facebook": {"text": text},
        "zalo": {"title": title[:150], "text": text},
        "led": {"slogans": _slogans(text)},
        "loudspeaker": {"script": script},
    }
    hhmm = f"{local:%H:%M}"
    definition = {
        "id": campaign_id, "title": title, "priority": "emergency", "holidays": "keep",
        "period": {"start": local.date(), "end": local.date()}, "targets": targets,
        "messages": [{"id": "khan-cap", "title": title,
                      **{c: variants[c] for c in channels}}],
        "schedule": {c: {"times": [hhmm]} if c in ("facebook", "zalo") else {}
                     for c in channels},
    }
    campaign = Campaign.model_validate(definition)
    plan = Plan(campaign, campaign.content_hash(), directory.timezone)
    message = campaign.messages[0]
    units = directory.resolve_targets(targets)
    expires = now + dt.timedelta(minutes=valid_minutes)
    label = f"{local:%Y-%m-%dT%H:%M:%S}"
    endpoints: list[str] = []
    for channel in campaign.channels:
        body = {"title": title, **message.variant(channel).model_dump(  # type: ignore[union-attr]
            mode="json", exclude_none=True)}
        digest = content_hash(channel, body)
        plan.contents[digest] = (channel, body)
        for endpoint in sorted(directory.endpoints_for(channel, units), key=lambda e: e.id):
            plan.specs.append(EndpointSpec(endpoint, channel, [message], [digest],
                                           [(label, now, now, expires)], 1))
            endpoints.append(endpoint.id)
    if not endpoints:
        raise InputError.single("campaign alert", "Các đơn vị được chọn không có điểm nhận nào "
                                "trên các kênh đã chọn.", fix="Kiểm tra --targets và --channels.")
    result = apply_plan(ledger, plan, now=now, actor=by)
    approve(ledger, campaign_id, by, now=now, detail=os_user_detail())  # CLI-only caller
    return AlertResult(campaign_id, result.inserted, endpoints)


def _render(directory: Directory, context: AdapterContext, targets: list[str],
            channels: list[str], contents: dict[str, dict[str, str]]) -> None:
    """Let each selected endpoint's adapter render its media ahead (``Adapter.prepare``).

    A failure here does not stop the alert: the delivery meets the same fault and records
    it in the log, where the operator looks; the process log says it now.
    """
    units = directory.resolve_targets(targets)
    for channel in channels:
        if channel not in contents:
            continue
        for endpoint in directory.endpoints_for(channel, units):
            try:
                cls = adapter_class(adapter_kind(endpoint.channel, endpoint.via))
                adapter = cls(endpoint, context)
                try:
                    adapter.prepare(contents[channel])
                finally:
                    adapter.close()
            except ChannelError as exc:
                logger.warning("không chuẩn bị trước được âm thanh cho %s: %s", endpoint.id,
                               exc.message)
            except OSError as exc:
                logger.warning("không chuẩn bị trước được âm thanh cho %s: %s", endpoint.id,
                               exc.strerror or exc)


def _slogans(text: str, limit: int = SLOGAN_MAX) -> list[str]:
    """Cut the bulletin into LED-sized pieces between words and names; a word longer than
    ``limit`` is hyphenated rather than refused (assets.led.words.slogan_chunks)."""
    return slogan_chunks(text.upper(), limit)[:8] or ["THÔNG BÁO KHẨN CẤP"]
