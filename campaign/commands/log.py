"""``campaign log``: the delivery log, filtered, as a table, CSV or JSON."""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from campaign.commands._common import (
    open_ledger,
    open_workspace,
    parse_local,
    user_errors,
    workspace_option,
)
from campaign.labels import channel_label, detail_text
from campaign.queries import LogFilter, log_entries
from schedules.calendar import fmt_local
from schedules.models import EVENT_LABEL, EVENTS

FIELDS = ["id", "at", "event", "campaign", "post_id", "unit", "channel", "endpoint", "message",
          "actor", "detail"]


@click.command("log")
@click.option("--campaign", default=None, help="Mã chiến dịch.")
@click.option("--unit", default=None, help="Mã đơn vị (phường, xã).")
@click.option("--channel", type=click.Choice(["facebook", "zalo", "led", "loudspeaker"]),
              default=None, help="Kênh.")
@click.option("--status", "event", type=click.Choice(EVENTS), default=None,
              help="Loại sự kiện (sent, failed, played…).")
@click.option("--since", default=None, help="Từ thời điểm (giờ địa phương), ví dụ 2025-03-01.")
@click.option("--until", default=None, help="Đến trước thời điểm (giờ địa phương).")
@click.option("--limit", type=click.IntRange(0, 10_000_000), default=200, show_default=True, help="Số dòng tối đa (0: tất cả).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
@workspace_option
@user_errors
def command(campaign: str | None, unit: str | None, channel: str | None, event: str | None,
            since: str | None, until: str | None, limit: int, fmt: str,
            workspace: Path) -> None:
    """Nhật ký gửi: mọi bước của mọi bài, mới nhất trước.

    \b
    Ví dụ:
      campaign log --campaign nq57-thang3 --status failed
      campaign log --unit tan-phong --channel loudspeaker --format csv > loa.csv
    """
    ws = open_workspace(workspace)
    zone = ws.directory.timezone
    rows = log_entries(open_ledger(ws), LogFilter(
        campaign=campaign, unit=unit, channel=channel, event=event,
        since=parse_local(since, zone), until=parse_local(until, zone), limit=limit or None))
    if fmt == "json":
        click.echo(json.dumps([{**r, "at": r["at"].isoformat()} for r in rows],
                              ensure_ascii=False, indent=2))
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({**r, "at": fmt_local(r["at"], zone),
                             "detail": json.dumps(r["detail"], ensure_ascii=False)})
    else:
        # Long errors wrap at word boundaries inside their column (rich's default wrapping);
        # only a single word wider than the column is folded.
        table = Table(title=f"Nhật ký gửi ({len(rows)} dòng)")
        for col in ("Thời điểm", "Sự kiện", "Chiến dịch", "Bài", "Đơn vị", "Kênh"):
            table.add_column(col)
        table.add_column("Chi tiết", overflow="fold")
        for r in rows:
            note = detail_text(r["detail"], lambda iso: fmt_local(
                datetime.fromisoformat(iso), zone))
            table.add_row(fmt_local(r["at"], zone), EVENT_LABEL.get(r["event"], r["event"]),
                          r["campaign"] or "", str(r["post_id"] or ""), r["unit"] or "",
                          channel_label(r["channel"]), str(note))
        Console().print(table)
