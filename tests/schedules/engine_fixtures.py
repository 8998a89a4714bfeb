"""A workspace whose Facebook page is a local Graph API fake, and a campaign of unique posts.

Every post carries a distinct text, so the fake's record shows exactly which of our posts
reached the "platform" and whether any went out twice.
"""

from __future__ import annotations

from pathlib import Path

FB_TOKEN = "EAAPageTokenSECRET123"


def fb_workspace(root: Path, api_base: str, *, messages: int = 12, leds: int = 0,
                 db_url: str | None = None) -> Path:
    """A workspace: one Facebook page on the fake, optionally LED boards to a folder."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "campaigns").mkdir(exist_ok=True)
    (root / "media").mkdir(exist_ok=True)
    units = ["  - {id: trung-tam, name: Trung tâm, kind: centre}"]
    endpoints = [f'  - {{id: fb-trung-tam, channel: facebook, unit: trung-tam, page_id: "1029384756",'
                 f" token: env:FB_PAGE_TOKEN, api_base: {api_base}}}"]
    for i in range(leds):
        units.append(f"  - {{id: p{i}, name: Phường {i}, groups: [phuong-xa]}}")
        endpoints.append(f"  - {{id: led-p{i}, channel: led, unit: p{i}, size: 192x96, "
                         f"deliver: {{via: folder, path: var/led/p{i}}}}}")
    (root / "directory.yaml").write_text(
        "timezone: Asia/Ho_Chi_Minh\nquiet_hours: {facebook: ['23:59', '00:00']}\nunits:\n"
        + "\n".join(units) + "\nendpoints:\n" + "\n".join(endpoints) + "\n", encoding="utf-8")
    env = f"FB_PAGE_TOKEN={FB_TOKEN}\n"
    if db_url:
        env += f"CAMPAIGN_DB={db_url}\n"
    (root / ".env").write_text(env, encoding="utf-8")
    times = [f"{8 + i // 6:02d}:{(i % 6) * 10:02d}" for i in range(messages)]
    lines = ["id: su-co", "title: Thử sự cố", "period: {start: 2025-04-28, end: 2025-04-28}",
             "holidays: keep", "targets: [tat-ca]", "messages:"]
    for i in range(messages):
        lines += [f"  - id: tin-{i:03d}", f"    title: Tin {i:03d}",
                  f"    facebook: {{text: Nội dung riêng của tin số {i:03d}.}}"]
        if leds:
            lines.append(f"    led: {{slogans: [KHẨU HIỆU {i:03d}]}}")
    lines += ["schedule:", f"  facebook: {{times: [{', '.join(repr(t) for t in times)}]}}"]
    if leds:
        lines.append('  led: {day_parts: [{from: "06:00", to: "22:00"}], per_slot: 1}')
    (root / "campaigns" / "su-co.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root
