"""``campaign status``: where every campaign stands."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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
from campaign.queries import status, workers
from campaign.ward_results import overview
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
    ledger = open_ledger(ws)
    data = status(ledger)
    data["workers"] = workers(ledger, run_dir=ws.root / "var" / "run")
    for cid, entry in data["campaigns"].items():  # what the wards did (same as the report)
        entry["wards"] = overview(ws, ledger, cid).as_json()
    if as_json:
        echo_json(data)
        return
    console = Console()
    _print_workers(console, data["workers"], ws.directory.zone)
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
        _print_wards(console, entry["wards"], ws)
    overdue = data["oldest_overdue"]
    if overdue:
        console.print(f"Bài chờ lâu nhất: #{overdue['post_id']} {overdue['key']} "
                      f"(trễ {overdue['late_seconds'] // 60} phút).")


def _print_workers(console: Console, rows: list[dict[str, Any]], zone: ZoneInfo) -> None:
    """One line per worker (lanes busy, fault) and one per delivery in flight."""
    for worker in rows:
        state = "đang chạy" if worker.get("alive") else "[red]không phản hồi[/]"
        busy = worker.get("delivering") or []
        console.print(f"Bộ gửi {worker['owner']}: {state}, {len(busy)}/{worker.get('lanes', '?')} "
                      "làn đang gửi.")
        for job in busy:
            console.print(f"  làn {job['lane']}: bài #{job['post_id']} → {job['endpoint']} "
                          f"từ {datetime.fromisoformat(job['since']).astimezone(zone):%H:%M:%S}")
        if worker.get("fault"):
            console.print(f"  [red]Sự cố cơ sở dữ liệu:[/] {worker['fault']}")


def _print_wards(console: Console, wards: dict[str, Any], ws: object) -> None:
    """Who has reported their results and who is missing, with the deadline."""
    if not wards["expected"]:
        return
    units = wards["units"]
    due = wards["report_due"]
    when = ""
    if due:
        left = wards["days_left"]
        when = f" — hạn {datetime.fromisoformat(due):%d/%m/%Y}, " + (
            f"còn {left} ngày" if left >= 0 else f"[red]quá hạn {-left} ngày[/]")
    console.print(f"Báo cáo của phường/xã: {len(wards['expected']) - len(wards['missing'])}/"
                  f"{len(wards['expected'])} đơn vị đã báo cáo{when}.")
    if wards["missing"]:
        names = ", ".join(units[u]["name"] for u in wards["missing"])
        console.print(f"  [red]Chưa báo cáo:[/] {names}")
