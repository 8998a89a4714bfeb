"""Plan a national-scale campaign and compare with the raw SQLite floor.

3,321 communes × 2 loudspeaker sessions a day × 90 days, plus an LED board, a Facebook Page and
a Zalo OA for each of 34 provinces: about 613k posts. Each side runs in its own process so peak
RSS is its own. Ours is end to end: read directory.yaml and the campaign file, validate, expand,
write the ledger. The floor is only ``sqlite3.executemany`` of the same rows into the same
table with the same indexes.
"""

from __future__ import annotations

import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

COMMUNES = 3321
PROVINCES = 34
DAYS = 90


def write_workspace(root: Path) -> Path:
    lines = ["timezone: Asia/Ho_Chi_Minh", "units:"]
    for p in range(PROVINCES):
        lines.append(f"  - {{id: tinh-{p:02d}, name: Tỉnh {p:02d}, kind: centre, groups: [tinh]}}")
    for c in range(COMMUNES):
        lines.append(f"  - {{id: xa-{c:04d}, name: Xã {c:04d}, kind: commune, groups: [xa]}}")
    lines.append("endpoints:")
    for p in range(PROVINCES):
        lines.append(f"  - {{id: led-{p:02d}, channel: led, unit: tinh-{p:02d}, size: 384x192, "
                     "deliver: {via: outbox}}")
        lines.append(f"  - {{id: fb-{p:02d}, channel: facebook, unit: tinh-{p:02d}, "
                     "deliver: {via: outbox}}")
        lines.append(f"  - {{id: zalo-{p:02d}, channel: zalo, unit: tinh-{p:02d}, "
                     "deliver: {via: outbox}}")
    for c in range(COMMUNES):
        lines.append(f'  - {{id: loa-{c:04d}, channel: loudspeaker, unit: xa-{c:04d}, '
                     'slots: ["05:30", "17:00"], slot_minutes: 15, deliver: {via: outbox}}')
    root.mkdir(parents=True, exist_ok=True)
    (root / "directory.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    messages = []
    for i in range(3):
        messages.append(f"""  - id: tin-{i}
    title: Tin số {i}
    facebook: {{text: Nội dung tin {i} về chuyển đổi số.}}
    zalo: {{title: Tin {i}, text: Nội dung tin {i} về chuyển đổi số.}}
    led: {{slogans: [CHUYỂN ĐỔI SỐ VÌ NHÂN DÂN {i}]}}
    loudspeaker: {{script: Kính thưa bà con. Đây là bài tuyên truyền số {i} về chuyển đổi số.}}""")
    campaign = f"""id: quoc-gia
title: Chiến dịch toàn quốc
period: {{start: 2026-01-05, end: 2026-04-04}}
holidays: keep
targets: [tat-ca]
messages:
{chr(10).join(messages)}
schedule:
  facebook: {{days: hang-ngay, times: ["08:00"]}}
  zalo: {{days: hang-ngay, times: ["09:00"]}}
  led: {{days: hang-ngay, day_parts: [{{from: "06:00", to: "22:00"}}]}}
  loudspeaker: {{days: hang-ngay}}
"""
    (root / "campaigns").mkdir(exist_ok=True)
    path = root / "campaigns" / "quoc-gia.yaml"
    path.write_text(campaign, encoding="utf-8")
    return path


def child_ours(root: Path) -> dict:
    from campaign.planner import apply_plan, build_plan, load_campaign
    from campaign.workspace import Workspace
    from schedules.ledger import Ledger

    ledger = Ledger(f"sqlite:///{root / 'ours.db'}")  # schema set-up is not planning work
    start = time.perf_counter()
    ws = Workspace.open(root)
    campaign = load_campaign(root / "campaigns" / "quoc-gia.yaml", ws.directory)
    result = apply_plan(ledger, build_plan(campaign, ws.directory))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "posts": result.inserted,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def child_floor(root: Path) -> dict:
    """The same rows our planner produces, generated untimed, then one raw executemany."""
    from campaign.planner import build_plan, load_campaign
    from campaign.workspace import Workspace
    from schedules.ledger import Ledger, _sqlite_value

    Ledger(f"sqlite:///{root / 'floor.db'}").dispose()
    ws = Workspace.open(root)
    plan = build_plan(load_campaign(root / "campaigns" / "quoc-gia.yaml", ws.directory),
                      ws.directory)
    now = _sqlite_value(datetime.now(UTC))
    rows = [(p.key, p.message_id, p.endpoint_id, p.channel, p.unit_id, p.content_hash,
             p.priority, _sqlite_value(p.slot_at), _sqlite_value(p.due_at),
             _sqlite_value(p.expires_at), _sqlite_value(p.due_at), now)
            for p in plan.iter_posts()]
    conn = sqlite3.connect(root / "floor.db")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("INSERT INTO campaigns (id, title, timezone, priority, period_start, period_end,"
                 " definition, definition_hash, created_at, updated_at) VALUES ('quoc-gia', 't',"
                 " 'Asia/Ho_Chi_Minh', 'normal', '2026-01-05', '2026-04-04', '{}', 'x', '', '')")
    conn.executemany("INSERT INTO contents (hash, channel, body) VALUES (?, ?, '{}')",
                     [(h, c) for h, (c, _b) in plan.contents.items()])
    conn.commit()
    start = time.perf_counter()
    conn.executemany(
        "INSERT INTO posts (key, campaign_id, message_id, endpoint_id, channel, unit_id,"
        " content_hash, priority, slot_at, due_at, expires_at, available_at, state, attempts,"
        " updated_at) VALUES (?, 'quoc-gia', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)",
        rows)
    conn.commit()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "posts": len(rows),
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _spawn(mode: str, root: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.bench_plan", mode, str(root)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_workspace(root)
        ours = _spawn("ours", root)
        floor = _spawn("floor", root)
    ours_rate = ours["posts"] / ours["seconds"]
    floor_rate = floor["posts"] / floor["seconds"]
    return [
        {"name": "plan_national_posts_per_s", "value": round(ours_rate), "unit": "posts/s",
         "floor": round(floor_rate), "ratio": round(ours_rate / floor_rate, 3),
         "posts": ours["posts"], "target": ">= 100000 posts/s and >= 0.5 of floor"},
        {"name": "plan_national_peak_rss", "value": round(ours["rss_mb"], 1), "unit": "MB",
         "floor": round(floor["rss_mb"], 1), "ratio": round(ours["rss_mb"] / floor["rss_mb"], 3),
         "target": "<= 400 MB"},
    ]


if __name__ == "__main__":
    mode, folder = sys.argv[1], Path(sys.argv[2])
    print(json.dumps(child_ours(folder) if mode == "ours" else child_floor(folder)))
