"""`campaign demo`: the whole job on the embedded default, from the real guidance."""

from __future__ import annotations

import json

from click.testing import CliRunner

from campaign.cli import main
from campaign.demo import run_demo


def test_demo_runs_the_whole_job_without_audio(tmp_path):
    result = run_demo(tmp_path / "demo", audio=False)
    assert result.guidance["number"] == "1587/UBND-KGVX"
    assert result.guidance["report_due"] == "2025-03-15"
    # 1/3–14/3/2025: LED 25 boards × 14 days × 3 messages, loudspeaker 25 × 14 × 2 sessions,
    # Facebook Mon/Wed/Fri and Zalo Tue/Thu on the centre's accounts
    assert result.planned == 25 * 14 * 3 + 25 * 14 * 2 + 6 + 4
    assert result.counts == {"sent": result.planned}
    index = result.preview.read_text(encoding="utf-8")
    assert "loa-tan-phong/index.html" in index and "Bảng LED" in index
    zalo = (result.workspace / "outbox" / "zalo-trung-tam" / "2025-03-04")
    assert list(zalo.glob("0900-*.txt"))
    # a few wards reported what they did; the rest show as missing
    from campaign.ward_results import overview
    from campaign.workspace import Workspace
    from schedules.ledger import Ledger

    ledger = Ledger(Workspace.open(result.workspace).db_url)
    view = overview(Workspace.open(result.workspace), ledger, result.campaign_id)
    ledger.dispose()
    assert sorted(view.totals()) == ["bang_ron", "hoi_nghi", "to_roi"]
    assert len(view.missing) == len(view.expected) - 3 > 0


def test_demo_cli_json_shape(tmp_path):
    out = CliRunner().invoke(main, ["demo", "--json", "--no-audio", "--dir",
                                    str(tmp_path / "d")], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert set(data) == {"planned", "delivered", "failed", "preview"}
    assert data["delivered"] == data["planned"] > 0 and data["failed"] == 0
