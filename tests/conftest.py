"""Shared fixtures: real workspaces and SQLite ledgers under tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from campaign.sample import write_workspace
from campaign.workspace import Workspace
from schedules.ledger import Ledger

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
WARDS = ["Phường Tân Phong", "Phường Trung Dũng", "Xã Hiệp Hòa"]

CAMPAIGN = """\
id: thu-nghiem
title: Chiến dịch thử nghiệm
period: {start: 2025-04-28, end: 2025-05-04}
report_due: 2025-05-10
holidays: skip
targets: [trung-tam, phuong-xa]
messages:
  - id: tin-a
    title: Tin A
    facebook: {text: Nội dung tin A trên Facebook.}
    led: {slogans: [KHẨU HIỆU A]}
    loudspeaker: {script: Kính thưa bà con. Đây là bài đọc A.}
  - id: tin-b
    title: Tin B
    facebook: {text: Nội dung tin B trên Facebook.}
    led: {slogans: [KHẨU HIỆU B]}
    loudspeaker: {script: Kính thưa bà con. Đây là bài đọc B.}
schedule:
  facebook: {days: hang-ngay, times: ["08:00"]}
  led: {days: hang-ngay, day_parts: [{from: "06:00", to: "22:00"}]}
  loudspeaker: {days: hang-ngay}
"""


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A workspace with the centre and three wards, every endpoint routed to the outbox."""
    root = tmp_path / "ws"
    write_workspace(root, outbox=True, wards=WARDS)
    text = (root / "directory.yaml").read_text(encoding="utf-8")
    # keep the tests fast: no speech synthesis in the outbox unless a test asks for it
    text = text.replace("slot_minutes: 15, deliver: {via: outbox}",
                        "slot_minutes: 15, deliver: {via: outbox, audio: false}")
    (root / "directory.yaml").write_text(text, encoding="utf-8")
    return Workspace.open(root)


@pytest.fixture
def ledger(ws: Workspace) -> Ledger:
    led = Ledger(ws.db_url)
    yield led
    led.dispose()


def write_campaign(ws: Workspace, text: str = CAMPAIGN, name: str = "thu.yaml") -> Path:
    path = ws.campaigns_dir / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path
