"""The draft-level test set: documents that state a schedule, a period, content sections and
slogans, with what the draft campaign should take from each, and the draft-level score."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from campaign.definition import Campaign
from campaign.importer.casing import mostly_upper

HERE = Path(__file__).parent
EXPECTED = HERE / "drafts" / "expected.json"


def cases() -> dict[str, dict[str, Any]]:
    """Path (relative to importer_docs) → what the draft should hold."""
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def _listed_slogans(campaign: Campaign, text: str, wanted: list[str]) -> list[str]:
    """Slogans the draft uses: on LED messages, printed (visual), or listed in a comment."""
    used = [s for m in campaign.messages if m.led for s in m.led.slogans]
    used += [s for m in campaign.messages if m.visual for s in m.visual.slogans]
    commented = [w for w in wanted if f"#   - {w}" in text]
    return list(dict.fromkeys([*used, *commented]))


def _sentence_cased(text: str) -> bool:
    first = next((c for c in text if c.isalpha()), "")
    return bool(first) and first.isupper() and not mostly_upper(text)


def score(campaign: Campaign, text: str, want: dict[str, Any],
          made_slogans: bool = False) -> tuple[int, int, list[str]]:
    """(right, counted, misses): period, each channel's days, times and day parts, each listed
    slogan (and each spurious one), and each message's title, text and script in sentence case.
    ``made_slogans``: the LED carries slogans drawn from the content, not counted as spurious."""
    right = counted = 0
    misses: list[str] = []

    def check(label: str, ok: bool, detail: str) -> None:
        nonlocal right, counted
        counted += 1
        right += ok
        if not ok:
            misses.append(f"{label}: {detail}")

    got_period = [campaign.period.start.isoformat(), campaign.period.end.isoformat()]
    check("period", got_period == want["period"], f"want {want['period']}, got {got_period}")
    for channel, days in want["days"].items():
        sched = campaign.schedule.get(channel)  # type: ignore[call-overload]
        got = sched.days if sched else None
        check(f"days.{channel}", got == days, f"want {days}, got {got}")
    for channel, times in want.get("times", {}).items():
        sched = campaign.schedule.get(channel)  # type: ignore[call-overload]
        got = sched.times if sched else "(no schedule)"
        check(f"times.{channel}", got == times, f"want {times}, got {got}")
    for channel, parts in want.get("day_parts", {}).items():
        sched = campaign.schedule.get(channel)  # type: ignore[call-overload]
        got = [[p.from_, p.to] for p in sched.day_parts] if sched else None
        check(f"day_parts.{channel}", got == parts, f"want {parts}, got {got}")
    found = _listed_slogans(campaign, text, want["slogans"])
    for slogan in want["slogans"]:
        check("slogans", slogan in found, f"missing {slogan!r}")
    if want["slogans"] or not made_slogans:
        for slogan in found:
            if slogan not in want["slogans"]:
                check("slogans", False, f"spurious {slogan!r}")
    for message in campaign.messages:
        parts = [message.title]
        for variant in (message.facebook, message.zalo):
            if variant:
                parts.append(variant.text)
        if message.loudspeaker:
            parts.append(message.loudspeaker.script)
        bad = [p[:50] for p in parts if not _sentence_cased(p)]
        check(f"message {message.id}", not bad, f"not in sentence case: {bad}")
    return right, counted, misses
