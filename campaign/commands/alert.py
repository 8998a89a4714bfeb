"""``campaign alert``: an emergency bulletin, out at once on every selected endpoint."""

from __future__ import annotations

from pathlib import Path

import click

from campaign.alert import DEFAULT_VALID_MINUTES, create_alert
from campaign.commands._common import open_ledger, open_workspace, user_errors, workspace_option
from channels.base import CHANNELS


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


@click.command("alert")
@click.option("--text", required=True, help="Nội dung thông báo khẩn cấp.")
@click.option("--targets", default="tat-ca", show_default=True,
              help="Đơn vị hoặc nhóm, cách nhau bằng dấu phẩy.")
@click.option("--channels", default=",".join(CHANNELS), show_default=True,
              help="Kênh, cách nhau bằng dấu phẩy.")
@click.option("--by", "by", required=True, help="Họ tên người phát lệnh (chịu trách nhiệm).")
@click.option("--title", default=None, help="Tiêu đề (mặc định lấy từ nội dung).")
@click.option("--valid-minutes", type=click.IntRange(1, 7 * 24 * 60), default=DEFAULT_VALID_MINUTES, show_default=True,
              help="Sau bao nhiêu phút thì thôi gửi (bài chưa gửi chuyển sang quá hạn).")
@workspace_option
@user_errors
def command(text: str, targets: str, channels: str, by: str, title: str | None,
            valid_minutes: int, workspace: Path) -> None:
    """Phát thông báo khẩn cấp ngay trên mọi điểm nhận được chọn, trước mọi bài đang chờ.

    \b
    Ví dụ:
      campaign alert --text "Bão số 3 đổ bộ, đề nghị bà con không ra đường" \\
          --targets phuong-xa --channels loudspeaker,led,zalo --by "Chủ tịch UBND"
    """
    ws = open_workspace(workspace)
    result = create_alert(open_ledger(ws), ws.directory, text=text, targets=_csv(targets),
                          channels=_csv(channels), by=by, title=title,
                          valid_minutes=valid_minutes, context=ws.adapter_context())
    click.echo(f"Đã tạo thông báo khẩn cấp {result.campaign_id}: {result.posts} bài trên "
               f"{len(result.endpoints)} điểm nhận, gửi ngay khi dịch vụ chạy "
               "(hoặc chạy: campaign run --once).")
