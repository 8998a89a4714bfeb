"""``campaign run``: deliver due posts (``--once``: one pass, then exit)."""

from __future__ import annotations

from pathlib import Path

import click

from campaign.commands._common import (
    echo_json,
    open_ledger,
    open_workspace,
    parse_local,
    user_errors,
    workspace_option,
)
from campaign.runtime import make_dispatcher
from schedules.models import STATE_LABEL

DEFAULT_LANES = 32
"""Lanes mostly wait on the network or sleep between stream chunks, so 32 fit a 2-core
machine and let a district's wards start their morning session together (docs/DECISIONS.md)."""


@click.command("run")
@click.option("--once", is_flag=True, help="Gửi một lượt các bài đã đến giờ rồi thoát.")
@click.option("--now", "now_text", default=None, metavar="THOI_DIEM",
              help="Giả lập đồng hồ (giờ địa phương, ví dụ '2025-03-03 08:00'); để kiểm thử.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.option("--interval", type=float, default=2.0, show_default=True,
              help="Số giây giữa hai lượt kiểm tra bài đến giờ.")
@click.option("--lease-seconds", type=float, default=300.0, show_default=True,
              help="Thời hạn giữ một bài đang gửi; quá hạn (máy chết) thì máy khác xử lý.")
@click.option("--batch", type=int, default=50, show_default=True,
              help="Số bài nhận mỗi lần khi giả lập đồng hồ (--now).")
@click.option("--lanes", type=click.IntRange(1, 512), default=DEFAULT_LANES, show_default=True,
              help="Số bài gửi cùng lúc tối đa (mỗi điểm nhận một bài); thêm làn dự phòng "
                   "cho tin khẩn cấp.")
@workspace_option
@user_errors
def command(once: bool, now_text: str | None, as_json: bool, interval: float,
            lease_seconds: float, batch: int, lanes: int, workspace: Path) -> None:
    """Gửi các bài đã được duyệt khi đến giờ, qua bộ gửi của từng kênh, và ghi nhật ký.

    Không có --once: chạy liên tục như một dịch vụ, gửi nhiều bài cùng lúc (--lanes). Dừng
    bằng Ctrl+C hoặc SIGTERM: bài đang gửi có 10 giây để xong, luồng phát chưa xong thì bị
    ngắt và xếp lại hàng chờ; bài chưa bắt đầu được trả lại hàng chờ. Tin khẩn cấp ngắt bản
    tin thường đang phát trên cùng điểm phát. Nhiều máy có thể cùng chạy
    trên một cơ sở dữ liệu PostgreSQL chung (CAMPAIGN_DB): mỗi bài chỉ được gửi một lần.

    \b
    Ví dụ:
      campaign run --once
      campaign run
    """
    ws = open_workspace(workspace)
    ledger = open_ledger(ws)
    now = parse_local(now_text, ws.directory.timezone)
    if not once:
        from campaign.service import serve_forever

        serve_forever(ws, ledger, interval=interval, lease_seconds=lease_seconds, batch=batch,
                      lanes=lanes)
        return
    dispatcher = make_dispatcher(ws, ledger, lease_seconds=lease_seconds, batch=batch,
                                 lanes=lanes)
    try:
        expired = dispatcher.expire(now or dispatcher.clock())  # counted here, shown below
        summary = dispatcher.run_once(now=now)
        if expired:
            summary.counts["expired"] += expired
    finally:
        dispatcher.close()
    if as_json:
        echo_json(summary.as_dict())
        return
    if expired:
        click.echo(f"{expired} bài đã quá khung giờ gửi, chuyển sang quá hạn (không gửi muộn).")
    if not summary.claimed:
        click.echo("Không có bài nào đến giờ gửi.")
        return
    parts = ", ".join(f"{STATE_LABEL.get(s, s).lower()} {n}" for s, n in summary.counts.items())
    click.echo(f"Đã xử lý {summary.claimed} bài: {parts}.")
