"""``campaign plan FILE``: expand a campaign into posts in the ledger and show the calendar."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from campaign.approval import local_today, past_period_warning
from campaign.commands._common import (
    SafePath,
    echo_json,
    open_ledger,
    open_workspace,
    user_errors,
    workspace_option,
)
from campaign.labels import channel_label
from campaign.planner import apply_plan, build_plan, load_campaign, summarise


@click.command("plan")
@click.argument("file", type=SafePath(dir_okay=False, path_type=Path))
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.option("--by", "actor", default=None, help="Người lập lịch (ghi vào nhật ký).")
@click.option("--reopen-cancelled", "reopen", is_flag=True,
              help="Mở lại các bài chưa đến giờ mà người vận hành đã huỷ (mỗi bài ghi nhật ký). "
                   "Mặc định bài đã huỷ giữ nguyên khi lập lại.")
@user_errors
def command(file: Path, workspace: Path, as_json: bool, actor: str | None,
            reopen: bool) -> None:
    """Lập lịch: mỗi tin × điểm nhận × khung giờ thành một bài trong sổ.

    Lập lại sau khi sửa tệp: bài chưa gửi được cập nhật, bài không còn thì huỷ, bài đã gửi
    giữ nguyên. Bài người vận hành đã huỷ vẫn huỷ (trừ khi có --reopen-cancelled). Nội dung
    đổi thì cần phê duyệt lại.

    \b
    Ví dụ:
      campaign plan campaigns/nq57.yaml
    """
    ws = open_workspace(workspace)
    campaign = load_campaign(file, ws.directory, ws.media_dir)
    console = Console(stderr=as_json)
    plan = build_plan(campaign, ws.directory)
    past = past_period_warning(campaign.period.start, campaign.period.end,
                               local_today(plan.timezone))
    if past:
        plan.warnings.insert(0, past)
    ledger = open_ledger(ws)
    with Progress(TextColumn("Đang lập lịch"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("plan", total=plan.expected_count())
        result = apply_plan(ledger, plan, source_path=str(file), actor=actor,
                            progress=lambda n: bar.advance(task, n), reopen=reopen)
    summary = summarise(plan)
    if as_json:
        echo_json({"campaign": campaign.id, "posts": summary.total, **result.as_dict(),
                   "by_day": {d.isoformat(): dict(c) for d, c in summary.by_day.items()},
                   "warnings": plan.warnings})
        return
    table = Table(title=f"Lịch theo ngày — {campaign.id}")
    table.add_column("Ngày")
    for channel in summary.channels:
        table.add_column(channel_label(channel), justify="right")
    for day, counts in summary.by_day.items():
        table.add_row(f"{day:%d/%m/%Y}", *[str(counts.get(c, 0)) for c in summary.channels])
    console.print(table)
    units = ws.directory.units
    utable = Table(title="Theo đơn vị")
    utable.add_column("Đơn vị")
    for channel in summary.channels:
        utable.add_column(channel_label(channel), justify="right")
    for unit_id, counts in summary.by_unit.items():
        name = units[unit_id].name if unit_id in units else unit_id
        utable.add_row(name, *[str(counts.get(c, 0)) for c in summary.channels])
    console.print(utable)
    if plan.skipped_holidays:
        days = ", ".join(f"{d:%d/%m} ({n})" for d, n in sorted(plan.skipped_holidays.items()))
        console.print(f"Bỏ qua ngày lễ: {days}")
    for warning in plan.warnings:
        console.print(f"[yellow]Lưu ý:[/] {warning}")
    console.print(f"Tổng {summary.total} bài: thêm mới {result.inserted}, cập nhật "
                  f"{result.updated}, huỷ {result.cancelled}, không đổi {result.unchanged}, "
                  f"giữ nguyên (đã gửi/đã qua) {result.kept}.")
    if result.kept_cancelled:
        console.print(f"Giữ huỷ {result.kept_cancelled} bài do người vận hành huỷ "
                      "(mở lại bằng: campaign plan … --reopen-cancelled).")
    if result.reopened:
        console.print(f"Đã mở lại {result.reopened} bài trước đó bị huỷ (đã ghi nhật ký).")
    if result.approval_lapsed:
        console.print("[red]Nội dung đã thay đổi sau khi phê duyệt: cần phê duyệt lại[/] "
                      f"(campaign approve {campaign.id} --by …).")
    else:
        console.print(f"Bước tiếp theo: campaign approve {campaign.id} --by \"Họ tên lãnh đạo\"")
