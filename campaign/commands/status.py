"""``campaign status``: where every campaign stands."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from campaign.commands._common import (
    echo_json,
    open_ledger,
    open_workspace,
    user_errors,
    workspace_option,
)
from campaign.labels import channel_label, channel_sort_key
from campaign.queries import status
from schedules.models import STATE_LABEL, STATES


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@workspace_option
@user_errors
def command(as_json: bool, workspace: Path) -> None:
    """Số bài theo trạng thái, theo chiến dịch và kênh; bài quá hạn lâu nhất.

    \b
    Ví dụ:
      campaign status
      campaign status --json
    """
    ws = open_workspace(workspace)
    data = status(open_ledger(ws))
    if as_json:
        echo_json(data)
        return
    console = Console()
    if not data["campaigns"]:
        console.print("Chưa có chiến dịch nào. Bắt đầu bằng: campaign plan campaigns/TEN.yaml")
        return
    for cid, entry in data["campaigns"].items():
        approved = "đã duyệt" if entry.get("approved") else "[red]chưa duyệt[/]"
        table = Table(title=f"{entry.get('title', cid)} ({cid}) — {approved}")
        table.add_column("Kênh")
        states = [s for s in STATES if any(s in c for c in entry["channels"].values())]
        for state in states:
            table.add_column(STATE_LABEL[state], justify="right")
        for channel in sorted(entry["channels"], key=channel_sort_key):
            counts = entry["channels"][channel]
            table.add_row(channel_label(channel), *[str(counts.get(s, 0)) for s in states])
        console.print(table)
    overdue = data["oldest_overdue"]
    if overdue:
        console.print(f"Bài chờ lâu nhất: #{overdue['post_id']} {overdue['key']} "
                      f"(trễ {overdue['late_seconds'] // 60} phút).")
