"""``campaign resolve POST --sent|--resend``: settle a post whose outcome was unknown."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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
from schedules.models import STATE_LABEL
from schedules.operations import OperationError, resolve


@click.command("resolve")
@click.argument("post_id", type=POST_ID)
@click.option("--sent", "outcome", flag_value="sent",
              help="Bài đã thực sự lên trang (đã kiểm tra trên Facebook/Zalo).")
@click.option("--resend", "outcome", flag_value="resend", help="Bài chưa lên: gửi lại ngay.")
@click.option("--by", "actor", required=True, help="Họ tên người xử lý.")
@click.option("--note", default="", help="Ghi chú (ví dụ: đã kiểm tra lúc 9h).")
@workspace_option
@user_errors
def command(post_id: int, outcome: Literal["sent", "resend"] | None, actor: str, note: str, workspace: Path) -> None:
    """Xử lý bài "chưa rõ kết quả" (mạng chậm, mất kết nối sau khi gửi). Phần mềm không tự gửi
    lại bài lên Facebook/Zalo để tránh đăng trùng: người kiểm tra trên trang rồi chọn.

    \b
    Ví dụ:
      campaign resolve 1234 --sent --by "Nguyễn Văn A"
      campaign resolve 1234 --resend --by "Nguyễn Văn A"
    """
    if outcome is None:
        fail("Chọn --sent (bài đã lên trang) hoặc --resend (gửi lại).")
    try:
        state = resolve(open_ledger(open_workspace(workspace)), post_id, outcome, actor,
                        note=note, detail=os_user_detail())
    except OperationError as exc:
        fail(exc.message)
    click.echo(f"Bài #{post_id}: {STATE_LABEL.get(state, state).lower()}.")
