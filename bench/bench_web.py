"""Dashboard pages on a big ledger: p95 per page with about a million delivery-log rows.

A province-sized workspace (1,000 wards, a loudspeaker station with two sessions a day and an
LED board each, a Facebook Page) runs four 32-day campaigns; the last one is half done. Rows are
written with raw ``sqlite3.executemany`` into the schema the migrations create (indexes
included). Each page is fetched through the real app (routing, login gate, queries, templates)
and compared with its floor: the bare SQL behind the page, run directly with sqlite3.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import socket
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

UNITS = 1000
DAYS = 32
CAMPAIGNS = 4
RUNS = 25
LIMIT_MS = 300.0
NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)  # 16/3 09:00 local, mid-way through the last
PASSWORD = "mat-khau-do-hieu-nang"


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def write_workspace(root: Path) -> None:
    lines = ["timezone: Asia/Ho_Chi_Minh", "organisation:", "  name: Trung tâm VH-TT-TT tỉnh",
             "  parent: UBND tỉnh", "  place: Biên Hòa", "units:",
             "  - {id: trung-tam, name: Trung tâm, kind: centre}"]
    lines += [f"  - {{id: p-{u:04d}, name: Phường {u:04d}, kind: ward, groups: [phuong]}}"
              for u in range(UNITS)]
    lines += ["endpoints:",
              "  - {id: fb-tt, channel: facebook, unit: trung-tam, deliver: {via: outbox}}"]
    for u in range(UNITS):
        lines.append(f"  - {{id: led-{u:04d}, channel: led, unit: p-{u:04d}, size: 192x96, "
                     "deliver: {via: outbox}}")
        lines.append(f'  - {{id: loa-{u:04d}, channel: loudspeaker, unit: p-{u:04d}, '
                     'slots: ["05:30", "17:00"], deliver: {via: outbox}}')
    root.mkdir(parents=True, exist_ok=True)
    (root / "directory.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def fill(db: Path) -> dict[str, Any]:
    """Campaigns, contents, posts and log rows straight into SQLite; returns what was made."""
    rng = random.Random(57)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    created = _instant(NOW - timedelta(days=200))
    contents = {"facebook": ("h-fb", {"title": "Tin", "text": "Nội dung tin trên Facebook."}),
                "led": ("h-led", {"title": "Tin", "slogans": ["KHẨU HIỆU"], "dwell": 10}),
                "loudspeaker": ("h-loa", {"title": "Tin", "script": "Kính thưa bà con."})}
    con.executemany("INSERT INTO contents (hash, channel, body) VALUES (?, ?, ?)",
                    [(h, ch, json.dumps(b, ensure_ascii=False))
                     for ch, (h, b) in contents.items()])
    post_id = 0
    posts: list[tuple[Any, ...]] = []
    logs: list[tuple[Any, ...]] = []
    for c in range(CAMPAIGNS):
        cid = f"chien-dich-{c}"
        start = (NOW - timedelta(days=15 + (CAMPAIGNS - 1 - c) * 40)).date()
        end = start + timedelta(days=DAYS - 1)
        definition = {"id": cid, "title": f"Chiến dịch {c}", "report_to": "Ban Tuyên giáo",
                      "period": {"start": start.isoformat(), "end": end.isoformat()}}
        con.execute(
            "INSERT INTO campaigns (id, title, timezone, priority, period_start, period_end, "
            "report_due, definition, definition_hash, approved_hash, approved_definition, "
            "approved_by, approved_at, source_path, created_at, updated_at) "
            "VALUES (?, ?, 'Asia/Ho_Chi_Minh', 'normal', ?, ?, ?, ?, 'h1', 'h1', ?, 'Lãnh đạo', "
            "?, NULL, ?, ?)",
            (cid, f"Chiến dịch {c}", start.isoformat(), end.isoformat(),
             (end + timedelta(days=5)).isoformat(), json.dumps(definition),
             json.dumps(definition), created, created, created))
        logs.append((created, cid, None, None, "planned", "bench", "{}"))
        for d in range(DAYS):
            day = datetime.combine(start + timedelta(days=d), datetime.min.time(), tzinfo=UTC)
            slots = [("loudspeaker", f"loa-{u:04d}", f"p-{u:04d}", day + timedelta(hours=h))
                     for u in range(UNITS) for h in (-1.5 + 0, 10)]  # 05:30 and 17:00 local
            slots += [("led", f"led-{u:04d}", f"p-{u:04d}", day - timedelta(hours=1))
                      for u in range(UNITS)]
            slots.append(("facebook", "fb-tt", "trung-tam", day + timedelta(hours=1)))
            for channel, endpoint, unit, slot in slots:
                post_id += 1
                at = _instant(slot)
                key = f"{cid}/{endpoint}/{slot:%Y-%m-%dT%H:%M}/tin"
                confirmation = None
                if slot >= NOW:
                    state = "pending"
                else:
                    roll = rng.random()
                    state = "failed" if roll < 0.004 else "unconfirmed" if roll < 0.005 \
                        else "sent"
                    logs.append((at, None, post_id, None, "claimed", "may-1", "{}"))
                    logs.append((at, cid, post_id, endpoint, state, "may-1",
                                 '{"duration_ms": 12}'))
                    if channel == "loudspeaker" and state == "sent" and rng.random() < 0.8:
                        confirmation = "received"
                        logs.append((at, cid, post_id, endpoint, "received", "can-bo", "{}"))
                        if rng.random() < 0.85:
                            confirmation = "played"
                            logs.append((at, cid, post_id, endpoint, "played", "can-bo", "{}"))
                posts.append((post_id, key, cid, "tin", endpoint, channel, unit,
                              contents[channel][0], 0, at, at, None, at, state, 1, confirmation,
                              at))
            if len(posts) > 50_000:
                _flush(con, posts, logs)
    _flush(con, posts, logs)
    con.commit()  # no ANALYZE: a centre's ledger never gets one, so neither does the bench
    n_posts = con.execute("SELECT count(*) FROM posts").fetchone()[0]
    n_logs = con.execute("SELECT count(*) FROM delivery_log").fetchone()[0]
    con.close()
    return {"posts": n_posts, "log": n_logs}


def _flush(con: sqlite3.Connection, posts: list[tuple[Any, ...]],
           logs: list[tuple[Any, ...]]) -> None:
    con.executemany(
        "INSERT INTO posts (id, key, campaign_id, message_id, endpoint_id, channel, unit_id, "
        "content_hash, priority, slot_at, due_at, expires_at, available_at, state, attempts, "
        "confirmation, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        posts)
    con.executemany(
        "INSERT INTO delivery_log (at, campaign_id, post_id, endpoint_id, event, actor, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)", logs)
    posts.clear()
    logs.clear()


def p95(fn: Callable[[], Any], runs: int = RUNS) -> float:
    fn()
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.quantiles(times, n=20)[18]


LOG_SELECT = ("SELECT l.id, l.at, l.event, l.campaign_id, l.post_id, l.endpoint_id, l.actor, "
              "l.detail, p.unit_id, p.channel, p.key, p.message_id, p.campaign_id, "
              "p.endpoint_id FROM delivery_log l LEFT JOIN posts p ON p.id = l.post_id ")


class Browser:
    """A keep-alive HTTP client with the session cookie, against the real uvicorn server."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""

    def request(self, method: str, url: str, body: str | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": self.cookie}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, url, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        cookie = response.getheader("set-cookie")
        if cookie:
            self.cookie = cookie.split(";")[0]
        return response.status, data


def serve(app: Any) -> tuple[Any, int]:
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off",
                                           timeout_keep_alive=300))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, port


def run() -> list[dict[str, Any]]:
    from campaign.web import create_app
    from campaign.web.users import add_user
    from campaign.workspace import Workspace
    from schedules.ledger import Ledger

    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        root = Path(tmp) / "ws"
        write_workspace(root)
        ws = Workspace.open(root)
        Ledger(ws.db_url).dispose()  # the schema, by the migrations
        made = fill(root / "campaign.db")
        ledger = Ledger(ws.db_url)
        add_user(ledger, "quanly", "operator", PASSWORD)
        print(f"  {made['posts']:,} posts, {made['log']:,} log rows", flush=True)
        cid = f"chien-dich-{CAMPAIGNS - 1}"
        con = sqlite3.connect(root / "campaign.db")
        sent_post = con.execute("SELECT id FROM posts WHERE campaign_id = ? AND channel = "
                                "'loudspeaker' AND state = 'sent' LIMIT 1", (cid,)).fetchone()[0]
        grid_units = [f"p-{u:04d}" for u in range(40)]
        server, port = serve(create_app(ws, ledger, secret="b" * 32, clock=lambda: NOW))
        client = Browser(port)
        _, login = client.request("GET", "/login")
        token = re.search(rb'name="csrf" value="([^"]+)"', login).group(1).decode()
        status, _ = client.request("POST", "/login", urlencode(
            {"name": "quanly", "password": PASSWORD, "csrf": token}))
        assert status == 303, "login failed"
        now, week = _instant(NOW), _instant(NOW + timedelta(days=7))
        pages: list[tuple[str, str, str, tuple[Any, ...]]] = [
            ("campaigns", "/",
             "SELECT campaign_id, channel, state, confirmation, count(*) FROM posts "
             "GROUP BY campaign_id, channel, state, confirmation", ()),
            ("campaign", f"/campaigns/{cid}",
             "SELECT channel, state, confirmation, count(*) FROM posts WHERE campaign_id = ? "
             "GROUP BY channel, state, confirmation", (cid,)),
            ("loudspeaker_grid", f"/campaigns/{cid}/loa",
             "SELECT unit_id, slot_at, confirmation, state, count(*) FROM posts "
             "WHERE campaign_id = ? AND channel = 'loudspeaker' AND unit_id IN "
             f"({','.join('?' * len(grid_units))}) GROUP BY unit_id, slot_at, confirmation, "
             "state", (cid, *grid_units)),
            ("calendar", "/calendar",
             "SELECT slot_at, channel, count(*) FROM posts WHERE state IN ('pending', 'retry') "
             "AND available_at >= ? AND available_at < ? GROUP BY slot_at, channel",
             (now, week)),
            ("log", "/log",
             LOG_SELECT + "ORDER BY l.at DESC, l.id DESC LIMIT 101", ()),
            ("log_channel", "/log?channel=led",
             LOG_SELECT + "WHERE p.channel = 'led' ORDER BY l.at DESC, l.id DESC LIMIT 101",
             ()),
            ("log_old_campaign", "/log?campaign=chien-dich-0",
             LOG_SELECT + "WHERE l.campaign_id = 'chien-dich-0' ORDER BY l.at DESC, l.id DESC "
             "LIMIT 101", ()),
            ("log_filtered", f"/log?campaign={cid}&unit=p-0007&channel=loudspeaker",
             LOG_SELECT + "WHERE (l.campaign_id = ? OR (l.campaign_id IS NULL AND "
             "p.campaign_id = ?)) AND p.unit_id = 'p-0007' AND p.channel = 'loudspeaker' "
             "ORDER BY l.at DESC, l.id DESC LIMIT 101", (cid, cid)),
            ("log_failed", "/log?event=failed",
             LOG_SELECT + "WHERE l.event = 'failed' ORDER BY l.at DESC, l.id DESC LIMIT 101",
             ()),
            ("post", f"/posts/{sent_post}",
             "SELECT * FROM posts p JOIN contents c ON c.hash = p.content_hash JOIN campaigns "
             "k ON k.id = p.campaign_id WHERE p.id = ?; SELECT * FROM delivery_log WHERE "
             "post_id = ? ORDER BY at, id", (sent_post,)),
            ("queue", "/queue",
             "SELECT id, key, campaign_id, channel, unit_id, slot_at, state, last_error FROM "
             "posts WHERE state IN ('failed', 'unconfirmed') ORDER BY updated_at DESC, id DESC "
             "LIMIT 500", ()),
            ("approval", f"/campaigns/{cid}/approval",
             "SELECT definition, approved_definition FROM campaigns WHERE id = ?", (cid,)),
        ]
        for name, url, sql, params in pages:
            status, _ = client.request("GET", url)
            assert status == 200, (url, status)
            value = p95(lambda url=url: client.request("GET", url))
            statements = sql.split("; ")

            def floor_query(statements: list[str] = statements,
                            params: tuple[Any, ...] = params) -> None:
                for stmt in statements:
                    wanted = stmt.count("?")
                    con.execute(stmt, params[:wanted]).fetchall()

            floor = p95(floor_query)
            ok = "ok" if value <= LIMIT_MS else "OVER 300 ms"
            print(f"  {name:<18} p95 {value:7.1f} ms   floor {floor:7.1f} ms   {ok}", flush=True)
            results.append({"name": f"web_{name}_p95_1M_log", "value": round(value, 1),
                            "unit": "ms", "floor": round(floor, 1),
                            "ratio": round(floor / value, 3) if value else None})
        con.close()
        server.should_exit = True
        ledger.dispose()
    return results


if __name__ == "__main__":
    for row in run():
        print(row)
