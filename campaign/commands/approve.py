"""``campaign approve ID --by NAME``."""

from __future__ import annotations

from pathlib import Path

import click

from campaign.actor import os_user_detail
from campaign.approval import approve, pending_diff
from campaign.approval import revoke as withdraw
from campaign.commands._common import open_ledger, open_workspace, user_errors, workspace_option


@click.command("approve")
@click.argument("campaign_id")
@click.option("--by", "by", required=True, help="Họ tên người phê duyệt.")
@click.option("--diff", "show_diff", is_flag=True, help="Chỉ xem thay đổi so với lần duyệt trước.")
@click.option("--revoke", is_flag=True,
              help="Rút lại phê duyệt: tạm dừng mọi bài chưa gửi (duyệt lại thì gửi tiếp).")
@click.option("--reason", default="", help="Lý do rút lại phê duyệt.")
@click.option("--allow-past", is_flag=True,
              help="Vẫn duyệt chiến dịch có thời gian đã qua hết (mọi bài sẽ quá hạn).")
@workspace_option
@user_errors
def command(campaign_id: str, by: str, show_diff: bool, revoke: bool, reason: str,
            allow_past: bool, workspace: Path) -> None:
    """Phê duyệt nội dung chiến dịch. Chưa duyệt thì không bài nào được gửi.

    \b
    Ví dụ:
      campaign approve nq57-thang3 --by "Nguyễn Văn A"
      campaign approve nq57-thang3 --by "Nguyễn Văn A" --diff
      campaign approve nq57-thang3 --by "Nguyễn Văn A" --revoke --reason "Chờ ý kiến"
    """
    ledger = open_ledger(open_workspace(workspace))
    if show_diff:
        lines = pending_diff(ledger, campaign_id)
        click.echo("\n".join(lines) if lines else "Không có thay đổi so với lần duyệt trước.")
        return
    if revoke:
        withdraw(ledger, campaign_id, by, reason, detail=os_user_detail())
        click.echo(f"Đã rút lại phê duyệt chiến dịch {campaign_id}: các bài chưa gửi tạm dừng.")
        return
    result = approve(ledger, campaign_id, by, refuse_past=not allow_past,
                     detail=os_user_detail())
    if result.already:
        click.echo(f"Chiến dịch {campaign_id} đã được duyệt với nội dung hiện tại.")
    else:
        click.echo(f"Đã phê duyệt chiến dịch {campaign_id} (người duyệt: {by}, "
                   f"mã nội dung {result.definition_hash[:12]}).")
