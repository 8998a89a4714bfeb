"""``campaign restore FILE``: a backup into an empty workspace folder."""

from __future__ import annotations

from pathlib import Path

import click

from campaign.commands._common import echo_json, user_errors, workspace_option


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="In thông tin bản sao lưu dạng JSON.")
@workspace_option
@user_errors
def command(archive: Path, as_json: bool, workspace: Path) -> None:
    """Khôi phục một bản sao lưu vào thư mục làm việc TRỐNG (-w). Không bao giờ ghi đè thư mục
    đang dùng. Muốn dùng PostgreSQL: đặt sẵn tệp .env có CAMPAIGN_DB trỏ tới một cơ sở dữ liệu
    trống trong thư mục đích. Bản sao lưu không kèm bí mật thì chép lại tệp .env cũ sau đó.

    \b
    Ví dụ:
      campaign restore backups/campaign-backup-20250301-031700.tar.gz -w ~/tuyen-truyen-moi
    """
    from campaign.backup import restore_backup

    manifest = restore_backup(archive, workspace)
    if as_json:
        echo_json(manifest)
        return
    click.echo(f"Đã khôi phục bản sao lưu lúc {manifest['created_at']} (phiên bản "
               f"{manifest['version']}) vào {workspace.resolve()}.")
    if not manifest.get("with_secrets") and not (workspace / ".env").is_file():
        click.echo("Bản sao lưu không kèm bí mật: chép tệp .env (có CAMPAIGN_SECRET_KEY và "
                   "các token) vào thư mục này trước khi chạy 'campaign run'.")
    click.echo(f"Kiểm tra: campaign doctor -w {workspace}")
