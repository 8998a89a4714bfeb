"""The workspace's reading settings reach every channel that reads scripts aloud."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campaign.approval import approve
from campaign.errors import InputError
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.runtime import make_dispatcher
from campaign.workspace import Workspace
from tests.conftest import CAMPAIGN, write_campaign


def test_operator_dictionary_is_used_for_the_reading_text(ws, ledger):
    (ws.root / "tu-dien.yaml").write_text("TTVH: trung tâm văn hoá\n", encoding="utf-8")
    directory = ws.root / "directory.yaml"
    directory.write_text(directory.read_text(encoding="utf-8") +
                         "reading: {dictionary: tu-dien.yaml}\n", encoding="utf-8")
    ws = Workspace.open(ws.root)
    text = CAMPAIGN.replace("Đây là bài đọc A.", "TTVH thông báo lịch tiêm chủng.")
    campaign = load_campaign(write_campaign(ws, text), ws.directory, ws.media_dir)
    apply_plan(ledger, build_plan(campaign, ws.directory), now=datetime(2025, 4, 1, tzinfo=UTC))
    approve(ledger, campaign.id, "Lãnh đạo")
    make_dispatcher(ws, ledger).run_once(now=datetime(2025, 4, 27, 22, 30, tzinfo=UTC))
    reading = (ws.root / "outbox" / "loa-tan-phong" / "2025-04-28" /
               "0530-tin-a.txt").read_text(encoding="utf-8")
    assert "trung tâm văn hoá thông báo" in reading and "TTVH" not in reading


def test_bad_speech_engine_block_is_an_input_error_with_line(ws):
    directory = ws.root / "directory.yaml"
    directory.write_text(directory.read_text(encoding="utf-8") +
                         "reading:\n  engine: {engine: http}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        _ = Workspace.open(ws.root).directory
    problem = err.value.problems[0]
    assert problem.field == "reading.engine" and "url" in problem.message
    assert problem.line == len(directory.read_text(encoding="utf-8").splitlines())
