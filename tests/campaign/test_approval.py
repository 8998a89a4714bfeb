"""Nothing unapproved is ever delivered; approval is tied to the definition's hash."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from campaign.approval import approve, pending_diff
from campaign.cli import main
from campaign.errors import InputError
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.runtime import make_dispatcher
from schedules.models import LogEntry
from tests.conftest import CAMPAIGN, write_campaign

MORNING = datetime(2025, 4, 27, 23, 0, tzinfo=UTC)  # 28/4 06:00 local


def plan(ws, ledger, text=CAMPAIGN):
    campaign = load_campaign(write_campaign(ws, text), ws.directory, ws.media_dir)
    apply_plan(ledger, build_plan(campaign, ws.directory), now=datetime(2025, 4, 1, tzinfo=UTC))


def test_unapproved_campaign_is_never_delivered(ws, ledger):
    plan(ws, ledger)
    summary = make_dispatcher(ws, ledger).run_once(now=MORNING)
    assert summary.claimed == 0
    assert not (ws.root / "outbox").exists()


def test_approval_releases_delivery_and_is_logged(ws, ledger):
    plan(ws, ledger)
    approve(ledger, "thu-nghiem", "Trần Thị B")
    summary = make_dispatcher(ws, ledger).run_once(now=MORNING)
    assert summary.counts == {"sent": 6}  # 3 boards × 2 slogans for the 06:00 day part
    with ledger.session() as s:
        entry = s.scalars(select(LogEntry).where(LogEntry.event == "approved")).one()
    assert entry.actor == "Trần Thị B" and entry.detail["definition_hash"]


def test_changed_content_needs_new_approval_and_shows_diff(ws, ledger):
    plan(ws, ledger)
    approve(ledger, "thu-nghiem", "Trần Thị B")
    plan(ws, ledger, CAMPAIGN.replace("Đây là bài đọc A.", "Đây là bài đọc A đã sửa."))
    diff = "\n".join(pending_diff(ledger, "thu-nghiem"))
    assert "-" in diff and "Đây là bài đọc A đã sửa." in diff
    assert make_dispatcher(ws, ledger).run_once(now=MORNING).claimed == 0
    again = approve(ledger, "thu-nghiem", "Trần Thị B")
    assert not again.already
    assert make_dispatcher(ws, ledger).run_once(now=MORNING).claimed == 6


def test_approve_unknown_campaign_or_without_name(ledger):
    with pytest.raises(InputError, match="Chưa có chiến dịch"):
        approve(ledger, "khong-co", "A")
    with pytest.raises(InputError, match="người phê duyệt"):
        approve(ledger, "khong-co", "  ")


def test_revoked_approval_pauses_until_approved_again(ws, ledger):
    plan(ws, ledger)
    approve(ledger, "thu-nghiem", "Trần Thị B")
    out = CliRunner().invoke(main, ["approve", "thu-nghiem", "--by", "Trần Thị B", "--revoke",
                                    "--reason", "Chờ ý kiến", "-w", str(ws.root)])
    assert out.exit_code == 0 and "rút lại" in out.output
    assert make_dispatcher(ws, ledger).run_once(now=MORNING).claimed == 0
    approve(ledger, "thu-nghiem", "Trần Thị B")
    assert make_dispatcher(ws, ledger).run_once(now=MORNING).claimed == 6
    with ledger.session() as session:
        entries = session.execute(select(LogEntry.event, LogEntry.actor, LogEntry.detail)
                                  .where(LogEntry.campaign_id == "thu-nghiem",
                                         LogEntry.post_id.is_(None))
                                  .order_by(LogEntry.id)).all()
    assert [e.event for e in entries] == ["planned", "approved", "revoked", "approved"]
    assert entries[2].actor == "Trần Thị B" and entries[2].detail["reason"] == "Chờ ý kiến"
    shown = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["log", "--status", "revoked", "-w", str(ws.root)])
    assert shown.exit_code == 0 and "Thu hồi phê duyệt" in shown.output, shown.output
