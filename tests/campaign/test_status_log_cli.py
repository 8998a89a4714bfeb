"""``campaign status`` and ``campaign log`` as a person reads them: Vietnamese channel names,
errors wrapped between words, and every row naming its campaign."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner
from sqlalchemy import select

from campaign.cli import main
from campaign.labels import CHANNEL_LABEL
from schedules import operations
from schedules.ledger import Ledger
from schedules.models import Post
from tests.conftest import write_campaign

LONG = ("Loa phường mất điện từ sáng, cán bộ đã báo Điện lực Biên Hòa; chưa phát được buổi "
        "này, đề nghị phát bù vào buổi chiều khi có điện trở lại")


def run(*args: str):
    return CliRunner(env={"COLUMNS": "110"}).invoke(main, list(args), catch_exceptions=False)


def sent_workspace(ws):
    """Plan, approve and run one pass, so the log holds claimed and sent rows."""
    path = write_campaign(ws)
    assert run("plan", "-w", str(ws.root), str(path)).exit_code == 0
    approved = run("approve", "thu-nghiem", "--by", "Nguyễn Văn A", "-w", str(ws.root),
                   "--allow-past")  # the 2025 test period is in the past
    assert approved.exit_code == 0, approved.output
    sent = run("run", "-w", str(ws.root), "--once", "--now", "2025-04-28 08:00", "--json")
    assert json.loads(sent.output)["sent"] == 7
    return Ledger(ws.db_url)


def test_status_names_channels_as_plan_does(ws):
    sent_workspace(ws)
    status = run("status", "-w", str(ws.root))
    assert status.exit_code == 0, status.output
    for label in ("Facebook", "Bảng LED", "Loa truyền thanh"):
        assert label in status.output
    assert not re.search(r"\b(loudspeaker|led|facebook)\b", status.output)
    plan = run("plan", "-w", str(ws.root), str(ws.root / "campaigns" / "thu.yaml"))
    assert "Loa truyền thanh" in plan.output and "Bảng LED" in plan.output
    # the JSON keeps the stored names for scripts
    data = json.loads(run("status", "-w", str(ws.root), "--json").output)
    assert set(data["campaigns"]["thu-nghiem"]["channels"]) == {"facebook", "led",
                                                                  "loudspeaker"}
    assert set(CHANNEL_LABEL) >= {"facebook", "zalo", "led", "loudspeaker"}


def test_log_rows_name_their_campaign_and_wrap_errors_between_words(ws):
    ledger = sent_workspace(ws)
    with ledger.session() as session:
        post_id = session.scalar(select(Post.id).where(Post.channel == "led",
                                                       Post.state == "sent").limit(1))
    assert operations.record_confirmation(ledger, post_id, "not_played", "Cán bộ Tân Phong",
                                          detail={"message": LONG})
    out = run("log", "-w", str(ws.root), "--limit", "0").output
    claimed = [line for line in out.splitlines() if "Nhận gửi" in line]
    assert len(claimed) == 7
    assert all("thu-nghiem" in line for line in claimed), claimed
    kinds = {line.split("│")[6].strip() for line in out.splitlines() if line.count("│") == 8}
    assert kinds - {""} == {"Facebook", "Bảng LED", "Loa truyền thanh"}, kinds
    # every word of the long error is whole somewhere in the table (no "Biên Hò|a")
    cells = " ".join(line.split("│")[-2].strip() for line in out.splitlines()
                     if line.count("│") >= 2)
    for word in LONG.replace(",", " ").replace(";", " ").split():
        assert re.search(rf"(?<!\w){re.escape(word)}(?!\w)", cells), word
    rows = json.loads(run("log", "-w", str(ws.root), "--status", "claimed",
                          "--format", "json").output)
    assert {r["campaign"] for r in rows} == {"thu-nghiem"}
