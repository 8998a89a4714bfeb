"""`campaign doctor`: a healthy workspace passes; each broken part is a Vietnamese finding with
its fix and exit status 1. Platforms are local fakes; nothing is published."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from campaign.cli import main
from campaign.doctor import _clock, run_checks
from campaign.workspace import Workspace
from schedules.ledger import Ledger, new_secret_key
from tests.channels.fakes.graph_api import GraphAPI
from tests.channels.fakes.telegram_api import TelegramAPI
from tests.schedules.engine_fixtures import fb_workspace

BOT = "123456:BotTokenSECRET-doctor"
CHAT = -100555


@pytest.fixture
def fakes():
    with GraphAPI() as graph, TelegramAPI(BOT, chats={CHAT: "Loa phường 1"}) as bot:
        yield graph, bot


def healthy_workspace(root: Path, graph: GraphAPI, bot: TelegramAPI) -> Workspace:
    fb_workspace(root, graph.api_base, messages=2)
    text = (root / "directory.yaml").read_text(encoding="utf-8")
    text = text.replace("units:\n", f"telegram: {{token: env:BOT_TOKEN, api_base: {bot.base}}}\n"
                                    "units:\n")
    text += ("  - {id: loa-1, channel: loudspeaker, unit: trung-tam, slots: ['05:30'], "
             f"deliver: {{via: telegram, chat_id: {CHAT}}}}}\n"
             "  - {id: loa-2, channel: loudspeaker, unit: trung-tam, slots: ['05:30'], "
             "deliver: {via: folder, path: var/loa/2}}\n")
    (root / "directory.yaml").write_text(text, encoding="utf-8")
    with (root / ".env").open("a", encoding="utf-8") as env:
        env.write(f"BOT_TOKEN={BOT}\nCAMPAIGN_SECRET_KEY={new_secret_key()}\n")
    ws = Workspace.open(root)
    Ledger(ws.db_url).dispose()
    return ws


def _doctor(root: Path) -> tuple[int, dict]:
    out = CliRunner().invoke(main, ["doctor", "--json", "-w", str(root)])
    return out.exit_code, json.loads(out.output)


def test_a_healthy_workspace_passes(fakes, tmp_path: Path) -> None:
    graph, bot = fakes
    ws = healthy_workspace(tmp_path / "ws", graph, bot)
    code, report = _doctor(ws.root)
    by_check = {f["check"]: f for f in report["findings"]}
    assert code == 0 and report["ok"], [f for f in report["findings"] if f["status"] != "ok"]
    for name in ("tool:espeak-ng", "tool:ffmpeg", "font:led", "ledger", "secret-key", "env",
                 "endpoint:fb-trung-tam", "endpoint:loa-1", "endpoint:loa-2", "telegram-bot",
                 "disk", "clock"):
        assert by_check[name]["status"] == "ok", by_check[name]
    assert "thành viên" in by_check["endpoint:loa-1"]["message"]
    assert "@loa_phuong_bot" in by_check["telegram-bot"]["message"]
    assert bot.called("getChatMember") and not bot.called("sendMessage")
    assert not graph.posts  # nothing published
    assert BOT not in json.dumps(report)


def test_broken_parts_are_findings_with_fixes(fakes, tmp_path: Path) -> None:
    graph, bot = fakes
    ws = healthy_workspace(tmp_path / "ws", graph, bot)
    env = (ws.root / ".env").read_text(encoding="utf-8")
    env = env.replace(f"BOT_TOKEN={BOT}", "BOT_TOKEN=999:wrong").replace("FB_PAGE_TOKEN=",
                                                                           "OTHER=")
    (ws.root / ".env").write_text(env, encoding="utf-8")
    bot.left = {str(CHAT)}
    out = CliRunner().invoke(main, ["doctor", "-w", str(ws.root)])
    assert out.exit_code == 1
    assert "[LỖI] env: Chưa có giá trị cho: FB_PAGE_TOKEN." in out.output
    assert "[LỖI] telegram-bot: Telegram từ chối mã bot" in out.output
    assert "Cách sửa: Lấy lại mã bot với @BotFather" in out.output
    assert "Traceback" not in out.output and "999:wrong" not in out.output


def test_the_clock_is_compared_with_a_platform_date_header(fakes, tmp_path: Path) -> None:
    graph, bot = fakes
    ws = healthy_workspace(tmp_path / "ws", graph, bot)
    ahead = list(_clock(ws, now=lambda: datetime.now(UTC) + timedelta(minutes=7)))
    assert ahead[0].status == "fail" and "nhanh 4" in ahead[0].message
    assert "timedatectl set-ntp true" in (ahead[0].fix or "")


def test_unverifiable_clock_and_an_old_ledger_are_warnings(tmp_path: Path) -> None:
    ws = Workspace.open(fb_workspace(tmp_path / "ws", "http://127.0.0.1:9", messages=1))
    findings = {f.check: f for f in run_checks(ws)}
    assert findings["clock"].status == "warn" and "Không kiểm tra được" in findings["clock"].message
    assert findings["ledger"].status == "warn"  # not created yet
    assert findings["endpoint:fb-trung-tam"].status == "fail"
