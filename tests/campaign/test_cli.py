"""The CLI end to end with CliRunner on real files: messages, exit codes, no half-writes."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner
from sqlalchemy import func, select

from campaign.cli import main
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from schedules.models import Campaign as CampaignRow
from schedules.models import Post
from tests.conftest import CAMPAIGN, write_campaign


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_init_scaffolds_a_valid_workspace(tmp_path):
    result = run("init", str(tmp_path / "tt"))
    assert result.exit_code == 0, result.output
    root = tmp_path / "tt"
    assert (root / ".env.example").read_text(encoding="utf-8").count("=") >= 4
    ws = Workspace.open(root)
    assert len([u for u in ws.directory.units.values() if u.kind != "centre"]) == 25
    assert "env:FB_PAGE_TOKEN_TRUNG_TAM" in (root / "directory.yaml").read_text(encoding="utf-8")
    again = run("init", str(root))
    assert again.exit_code == 2 and "--force" in again.output
    check = run("check", "-w", str(root), str(root / "campaigns" / "vi-du.yaml"))
    assert check.exit_code == 0, check.output
    assert "Tệp hợp lệ" in check.output


def test_check_reports_every_error_with_file_and_line(ws):
    bad = CAMPAIGN.replace("priority", "x").replace(
        "period: {start: 2025-04-28, end: 2025-05-04}", "period: {start: 2025-04-28}").replace(
        "holidays: skip", "holidays: skip\npriority: gap")
    path = write_campaign(ws, bad)
    result = run("check", "-w", str(ws.root), str(path))
    assert result.exit_code == 2
    assert f"{path}:3: [period.end] Thiếu trường bắt buộc." in result.output
    assert f"{path}:6: [priority]" in result.output and "normal" in result.output
    assert "Traceback" not in result.output


def test_yaml_syntax_error_names_the_line(ws):
    path = write_campaign(ws, CAMPAIGN.replace("targets: [trung-tam, phuong-xa]",
                                               "targets: [trung-tam, phuong-xa"))
    result = run("check", "-w", str(ws.root), str(path))
    assert result.exit_code == 2
    assert "Lỗi cú pháp YAML" in result.output and f"{path}:" in result.output


def test_bad_plan_leaves_ledger_unchanged(ws):
    good = write_campaign(ws)
    assert run("plan", "-w", str(ws.root), str(good)).exit_code == 0
    ledger = Ledger(ws.db_url)
    with ledger.session() as s:
        before = s.scalar(select(func.count()).select_from(Post))
    bad = write_campaign(ws, CAMPAIGN.replace('times: ["08:00"]', 'times: ["25:00"]'))
    result = run("plan", "-w", str(ws.root), str(bad))
    assert result.exit_code == 2 and "25:00" in result.output
    with ledger.session() as s:
        assert s.scalar(select(func.count()).select_from(Post)) == before


def test_plan_approve_run_status_log(ws):
    path = write_campaign(ws)
    planned = run("plan", "-w", str(ws.root), str(path), "--json")
    data = json.loads(planned.output)
    assert data["posts"] == data["inserted"] == 52
    assert data["by_day"]["2025-04-28"] == {"facebook": 1, "led": 6, "loudspeaker": 6}
    table = run("plan", "-w", str(ws.root), str(path))
    assert "28/04/2025" in table.output and "không đổi 52" in table.output
    not_yet = run("run", "-w", str(ws.root), "--once", "--now", "2025-04-28 08:00")
    assert "Không có bài nào" in not_yet.output
    assert "3 bài đã quá khung giờ gửi" in not_yet.output  # the 05:30 sessions
    approved = run("approve", "thu-nghiem", "--by", "Nguyễn Văn A", "-w", str(ws.root),
                   "--allow-past")
    assert "Đã phê duyệt" in approved.output
    sent = run("run", "-w", str(ws.root), "--once", "--now", "2025-04-28 08:00", "--json")
    assert json.loads(sent.output) == {"claimed": 7, "sent": 7}
    status = json.loads(run("status", "-w", str(ws.root), "--json").output)
    totals = status["campaigns"]["thu-nghiem"]["totals"]
    assert totals["sent"] == 7 and totals["expired"] == 3  # the 05:30 sessions passed
    log_csv = run("log", "-w", str(ws.root), "--status", "sent", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(log_csv.output)))
    assert len(rows) == 7 and rows[0]["at"].startswith("28/04/2025")
    log_json = json.loads(run("log", "-w", str(ws.root), "--unit", "tan-phong",
                              "--channel", "led", "--format", "json").output)
    assert {r["event"] for r in log_json} == {"claimed", "sent"}


def test_missing_workspace_is_a_clear_error(tmp_path):
    result = run("status", "-w", str(tmp_path / "khong-co"))
    assert result.exit_code == 2
    assert "campaign init" in result.output


def future_campaign(days: int = 7) -> str:
    """The test campaign moved to start a month from today (so its posts are editable)."""
    import datetime as dt

    start = dt.date.today() + dt.timedelta(days=30)
    end = start + dt.timedelta(days=days - 1)
    return CAMPAIGN.replace("period: {start: 2025-04-28, end: 2025-05-04}",
                            f"period: {{start: {start}, end: {end}}}").replace(
        "report_due: 2025-05-10", f"report_due: {end + dt.timedelta(days=6)}")


def test_plan_keeps_operator_cancel_and_reopens_on_request(ws):
    path = write_campaign(ws, future_campaign())
    assert run("plan", "-w", str(ws.root), str(path)).exit_code == 0
    ledger = Ledger(ws.db_url)
    with ledger.session() as s:
        post_id = s.scalar(select(Post.id).where(Post.key.like("%fb-trung-tam/%")).limit(1))
    cancelled = run("cancel", "-w", str(ws.root), str(post_id), "--by", "A",
                    "--reason", "Phường mất điện")
    assert cancelled.exit_code == 0, cancelled.output
    again = run("plan", "-w", str(ws.root), str(path))
    assert "Giữ huỷ 1 bài" in again.output
    with ledger.session() as s:
        assert s.get(Post, post_id).state == "cancelled"
    reopened = run("plan", "-w", str(ws.root), str(path), "--reopen-cancelled")
    assert "Đã mở lại 1 bài" in reopened.output
    with ledger.session() as s:
        assert s.get(Post, post_id).state == "pending"
    ledger.dispose()


def test_past_period_warns_at_check_and_approve_needs_a_flag(ws):
    path = write_campaign(ws)  # 2025: wholly past on this machine's clock
    check = run("check", "-w", str(ws.root), str(path))
    assert check.exit_code == 0 and "đã qua hết" in check.output
    assert run("plan", "-w", str(ws.root), str(path)).exit_code == 0
    refused = run("approve", "thu-nghiem", "--by", "Nguyễn Văn A", "-w", str(ws.root))
    assert refused.exit_code == 2 and "--allow-past" in refused.output
    ledger = Ledger(ws.db_url)
    with ledger.session() as s:
        assert s.get(CampaignRow, "thu-nghiem").approved_hash is None
    ledger.dispose()
    forced = run("approve", "thu-nghiem", "--by", "Nguyễn Văn A", "-w", str(ws.root),
                 "--allow-past")
    assert forced.exit_code == 0 and "Đã phê duyệt" in forced.output
    ran = run("run", "-w", str(ws.root), "--once")
    assert "52 bài đã quá khung giờ gửi" in ran.output


def test_future_period_has_no_past_warning(ws):
    check = run("check", "-w", str(ws.root), str(write_campaign(ws, future_campaign())))
    assert check.exit_code == 0 and "đã qua" not in check.output
