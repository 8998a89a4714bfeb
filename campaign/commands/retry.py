"""``campaign retry --failed``: queue failed posts again after fixing the cause."""

from __future__ import annotations

from pathlib import Path

import click

from campaign.actor import os_user_detail
from campaign.commands._common import (
    POST_ID,
    fail,
    open_ledger,
    open_workspace,
    user_errors,
    workspace_option,
)
from schedules.operations import retry_failed


@click.command("retry")
@click.option("--failed", "failed", is_flag=True, required=True, help="Gửi lại các bài bị lỗi.")
@click.option("--campaign", "campaign_id", default=None, help="Chỉ các bài của chiến dịch này.")
@click.option("--post", "post_ids", type=POST_ID, multiple=True, help="Chỉ các bài này (lặp lại được).")
@click.option("--by", "actor", default="operator", help="Người thực hiện.")
@workspace_option
@user_errors
def command(failed: bool, campaign_id: str | None, post_ids: tuple[int, ...], actor: str,
            workspace: Path) -> None:
    """Đưa các bài lỗi vào hàng chờ gửi lại (sau khi đã sửa token, cấu hình…). Bài đã quá
    khung giờ thì chuyển sang "quá hạn", không gửi muộn.

    \b
    Ví dụ:
      campaign retry --failed --campaign nq57-thang3
    """
    if not failed:
        fail("Thêm --failed.")
    changed = retry_failed(open_ledger(open_workspace(workspace)), actor,
                           campaign_id=campaign_id, post_ids=list(post_ids) or None,
                           detail=os_user_detail())
    click.echo(f"Đã đưa {changed.count} bài vào hàng chờ gửi lại." if changed.count
               else "Không có bài lỗi nào.")
