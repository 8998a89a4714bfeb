"""Planner: expansion, calendar rules, capacity, keys — against real workspace files."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from campaign.errors import InputError
from campaign.planner import apply_plan, build_plan, load_campaign
from tests.conftest import CAMPAIGN, write_campaign


def plan_for(ws, text=CAMPAIGN):
    campaign = load_campaign(write_campaign(ws, text), ws.directory, ws.media_dir)
    return build_plan(campaign, ws.directory)


def test_expands_message_endpoint_slot_and_skips_holidays(ws):
    plan = plan_for(ws)
    by_channel = Counter(p.channel for p in plan.posts)
    # 28/4–4/5/2025 minus 30/4, 1/5 and the 2/5 substitute day off = 4 days
    assert by_channel == {"facebook": 4, "led": 3 * 4 * 2, "loudspeaker": 3 * 4 * 2}
    days = {p.slot_at.astimezone(plan.campaign_zone if hasattr(plan, "campaign_zone") else UTC)
            for p in plan.posts}
    assert days
    local_days = {p.key.split("/")[-2][:10] for p in plan.posts}
    assert local_days == {"2025-04-28", "2025-04-29", "2025-05-03", "2025-05-04"}
    assert set(plan.skipped_holidays) >= {datetime(2025, 4, 30).date(), datetime(2025, 5, 1).date()}


def test_keep_holidays_plans_every_day(ws):
    plan = plan_for(ws, CAMPAIGN.replace("holidays: skip", "holidays: keep"))
    assert len({p.key.split("/")[-2][:10] for p in plan.posts}) == 7


def test_keys_are_deterministic_and_unique(ws):
    first, second = plan_for(ws), plan_for(ws)
    keys = [p.key for p in first.posts]
    assert keys == [p.key for p in second.posts]
    assert len(keys) == len(set(keys))
    assert "thu-nghiem/loa-tan-phong/2025-04-28T05:30/tin-a" in keys


def test_local_slots_are_stored_as_utc_instants(ws):
    plan = plan_for(ws)
    post = next(p for p in plan.posts if "/loa-tan-phong/2025-04-28T05:30/" in p.key)
    assert post.slot_at == datetime(2025, 4, 27, 22, 30, tzinfo=UTC)
    assert post.expires_at == datetime(2025, 4, 27, 22, 45, tzinfo=UTC)  # 15-minute session
    led = next(p for p in plan.posts if "/led-tan-phong/2025-04-28T06:00/" in p.key)
    assert led.expires_at == datetime(2025, 4, 28, 15, 0, tzinfo=UTC)  # 22:00 local


def test_rotation_gives_messages_equal_airtime(ws):
    plan = plan_for(ws)
    loud = [p for p in plan.posts if p.endpoint_id == "loa-tan-phong"]
    assert Counter(p.message_id for p in loud) == {"tin-a": 4, "tin-b": 4}
    ordered = [p.message_id for p in sorted(loud, key=lambda p: p.slot_at)]
    assert ordered[:4] == ["tin-a", "tin-b", "tin-a", "tin-b"]


def test_weekdays_filter(ws):
    text = CAMPAIGN.replace('facebook: {days: hang-ngay, times: ["08:00"]}',
                            'facebook: {days: [t2, cn], times: ["08:00"]}')
    plan = plan_for(ws, text)
    fb_days = sorted(p.key.split("/")[-2][:10] for p in plan.posts if p.channel == "facebook")
    assert fb_days == ["2025-04-28", "2025-05-04"]  # Monday and Sunday


def test_overnight_day_part_expires_next_morning(ws):
    text = CAMPAIGN.replace('day_parts: [{from: "06:00", to: "22:00"}]',
                            'day_parts: [{from: "18:00", to: "02:00"}]')
    plan = plan_for(ws, text)
    led = next(p for p in plan.posts if "/led-tan-phong/2025-04-28T18:00/" in p.key)
    assert led.expires_at == datetime(2025, 4, 28, 19, 0, tzinfo=UTC)  # 02:00 on the 29th


def test_telegram_route_gets_lead_time(ws):
    path = ws.root / "directory.yaml"
    text = path.read_text(encoding="utf-8").replace(
        'id: loa-tan-phong, channel: loudspeaker, unit: tan-phong, slots: ["05:30", "17:00"], '
        "slot_minutes: 15, deliver: {via: outbox, audio: false}",
        'id: loa-tan-phong, channel: loudspeaker, unit: tan-phong, slots: ["05:30", "17:00"], '
        "slot_minutes: 15, deliver: {via: folder, path: var/loa}")
    path.write_text(text, encoding="utf-8")
    ws.__dict__.pop("directory", None)
    plan = plan_for(ws, CAMPAIGN.replace("loudspeaker: {days: hang-ngay}",
                                         "loudspeaker: {days: hang-ngay, lead_minutes: 90}"))
    post = next(p for p in plan.posts if "/loa-tan-phong/2025-04-28T05:30/" in p.key)
    assert (post.slot_at - post.due_at).total_seconds() == 90 * 60


def test_quiet_hours_time_is_an_error_with_line(ws):
    path = write_campaign(ws, CAMPAIGN.replace('times: ["08:00"]', 'times: ["23:00"]'))
    with pytest.raises(InputError) as err:
        load_campaign(path, ws.directory, ws.media_dir)
    problem = err.value.problems[0]
    assert problem.line == 19 and "yên lặng" in problem.message
    assert problem.field == "schedule.facebook.times.0"


def long_script(words: int) -> str:
    return " ".join(["chuyển đổi số"] * (words // 3))


def test_slot_capacity_error_names_the_script(ws):
    text = CAMPAIGN.replace("Kính thưa bà con. Đây là bài đọc A.", long_script(4 * 60 * 16))
    path = write_campaign(ws, text)
    with pytest.raises(InputError) as err:
        load_campaign(path, ws.directory, ws.media_dir)
    messages = [p.message for p in err.value.problems]
    assert messages == [
        "Bài đọc 'tin-a' dài khoảng 16.0 phút, vượt thời lượng một buổi phát (15 phút).",
        "1 bài đọc trong một buổi dài khoảng 16.0 phút, vượt thời lượng buổi phát (15 phút)."]
    assert err.value.problems[0].line == 12


def test_per_slot_overflow_error_and_spill(ws):
    eight_minutes = long_script(4 * 60 * 8)
    text = (CAMPAIGN.replace("Kính thưa bà con. Đây là bài đọc A.", eight_minutes)
            .replace("Kính thưa bà con. Đây là bài đọc B.", eight_minutes)
            .replace("loudspeaker: {days: hang-ngay}", "loudspeaker: {days: hang-ngay, per_slot: 2}"))
    with pytest.raises(InputError) as err:
        load_campaign(write_campaign(ws, text), ws.directory, ws.media_dir)
    assert "overflow: spill" in str(err.value)

    spilled = text.replace("per_slot: 2}", "per_slot: 2, overflow: spill}")
    plan = plan_for(ws, spilled)
    loud = sorted((p for p in plan.posts if p.endpoint_id == "loa-tan-phong"),
                  key=lambda p: p.slot_at)
    per_slot = Counter(p.slot_at for p in loud)
    assert max(per_slot.values()) == 1  # two 8-minute scripts never share a 15-minute slot
    assert Counter(p.message_id for p in loud) == {"tin-a": 4, "tin-b": 4}
    assert len(plan.posts) == len(list(plan.iter_posts()))  # every pass sees the spill again
    assert plan.warnings == [
        f"Đài {station}: 1 bài đọc không còn buổi phát nào để chuyển sang (hết thời gian "
        "chiến dịch)." for station in sorted({p.endpoint_id for p in plan.posts
                                              if p.channel == "loudspeaker"})]


def test_unknown_target_and_missing_media(ws):
    text = CAMPAIGN.replace("targets: [trung-tam, phuong-xa]", "targets: [trung-tam, phuong-x]")
    text = text.replace("facebook: {text: Nội dung tin A trên Facebook.}",
                        "facebook: {text: Nội dung tin A., images: [khong-co.png]}")
    with pytest.raises(InputError) as err:
        load_campaign(write_campaign(ws, text), ws.directory, ws.media_dir)
    found = {(p.field, p.line) for p in err.value.problems}
    assert ("targets.1", 6) in found
    assert ("messages.0.facebook.images.0", 10) in found


def test_expected_count_matches_the_posts_and_progress_adds_up(ws, ledger):
    plan = plan_for(ws)
    seen: list[int] = []
    apply_plan(ledger, plan, progress=seen.append)
    assert plan.expected_count() == len(plan.posts) == sum(seen) == 52
