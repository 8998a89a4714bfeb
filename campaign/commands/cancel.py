"""``campaign cancel POST | --campaign ID``."""

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
from schedules.operations import OperationError, cancel


@click.command("cancel")
@click.argument("post_id", type=POST_ID, required=False)
@click.option("--campaign", "campaign_id", default=None, help="Huỷ mọi bài chưa gửi của chiến dịch.")
@click.option("--by", "actor", required=True, help="Họ tên người huỷ.")
@click.option("--reason", default="", help="Lý do.")
@workspace_option
@user_errors
def command(post_id: int | None, campaign_id: str | None, actor: str, reason: str,
            workspace: Path) -> None:
    """Huỷ một bài hoặc mọi bài chưa gửi của một chiến dịch. Bài đã gửi giữ nguyên.

    \b
    Ví dụ:
      campaign cancel 1234 --by "Nguyễn Văn A"
      campaign cancel --campaign nq57-thang3 --by "Nguyễn Văn A" --reason "Dừng theo chỉ đạo"
    """
    try:
        changed = cancel(open_ledger(open_workspace(workspace)), actor, post_id=post_id,
                         campaign_id=campaign_id, reason=reason, detail=os_user_detail())
    except OperationError as exc:
        fail(exc.message)
    click.echo(f"Đã huỷ {changed.count} bài.")
