"""``campaign demo``: run the whole job on the embedded default."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from campaign.commands._common import echo_json, user_errors
from campaign.demo import run_demo
from schedules.models import STATE_LABEL


@click.command("demo")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Thư mục để chạy thử (mặc định: một thư mục tạm mới).")
@click.option("--no-audio", is_flag=True, help="Không tổng hợp giọng đọc (nhanh hơn).")
@click.option("--json", "as_json", is_flag=True,
              help='In {"planned", "delivered", "failed", "preview"} dạng JSON.')
@user_errors
def command(folder: Path | None, no_audio: bool, as_json: bool) -> None:
    """Chạy thử toàn bộ quy trình: đọc Công văn 1587/UBND-KGVX về Nghị quyết 57-NQ/TW, tạo
    chiến dịch cho trung tâm và 25 phường, xã, lập lịch hai tuần trên Facebook, Zalo, bảng LED,
    loa truyền thanh, phê duyệt, rồi gửi theo đồng hồ giả lập vào hộp thư đi (outbox).

    \b
    Ví dụ:
      campaign demo
      campaign demo --json
    """
    started = time.monotonic()
    say = (lambda _m: None) if as_json else (lambda m: click.echo(f"• {m}"))
    result = run_demo(folder, audio=not no_audio, progress=say)
    if as_json:
        echo_json(result.as_json())
        return
    g = result.guidance
    click.echo("")
    click.echo(f"Văn bản: {g['kind']} số {g['number']} của {g['issuer']}")
    click.echo(f"  V/v {g['subject']}")
    if g.get("report_due"):
        due = dt.date.fromisoformat(g["report_due"])
        click.echo(f"  Báo cáo kết quả gửi {g.get('report_to') or '…'} trước ngày "
                   f"{due:%d/%m/%Y}")
    click.echo(f"Chiến dịch: {result.campaign_id} — {result.planned} bài đã lập lịch.")
    parts = ", ".join(f"{STATE_LABEL.get(s, s).lower()}: {n}" for s, n in
                      sorted(result.counts.items()))
    click.echo(f"Kết quả gửi: {parts}.")
    click.echo(f"Thư mục làm việc: {result.workspace}")
    click.echo(f"Xem trước (mở bằng trình duyệt): {result.preview}")
    click.echo(f"Xong sau {time.monotonic() - started:.0f} giây.")
