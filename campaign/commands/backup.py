"""``campaign backup``: one archive of the ledger and the workspace, safe while running."""

from __future__ import annotations

from pathlib import Path

import click

from campaign.commands._common import echo_json, open_workspace, user_errors, workspace_option


@click.command("backup")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Thư mục ghi bản sao lưu (mặc định: backups/ trong thư mục làm việc). Nên "
                   "chép sang ổ đĩa hoặc máy khác.")
@click.option("--with-secrets", is_flag=True,
              help="Kèm tệp .env (token, mật khẩu, khoá mã hoá). Giữ bản sao lưu này thật kín.")
@click.option("--keep", type=int, default=None, metavar="N",
              help="Sau khi sao lưu, chỉ giữ N bản mới nhất trong thư mục đó.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@workspace_option
@user_errors
def command(out_dir: Path | None, with_secrets: bool, keep: int | None, as_json: bool,
            workspace: Path) -> None:
    """Sao lưu sổ cái (kể cả khi 'campaign run' đang chạy), danh bạ, chiến dịch, tệp media và
    kho âm thanh, hình ảnh vào một tệp .tar.gz. Mặc định KHÔNG kèm tệp .env (bí mật): hãy
    giữ riêng khoá CAMPAIGN_SECRET_KEY, vì token lưu trong sổ cái được mã hoá bằng khoá đó.

    \b
    Ví dụ:
      campaign backup
      campaign backup --out /mnt/usb/sao-luu --keep 30
    """
    from campaign.backup import make_backup, prune_backups

    ws = open_workspace(workspace)
    result = make_backup(ws, out_dir, with_secrets=with_secrets)
    removed = prune_backups(result.path.parent, keep) if keep is not None else []
    if as_json:
        echo_json({**result.as_dict(), "removed": [str(p) for p in removed]})
        return
    click.echo(f"Đã sao lưu vào {result.path} ({result.size / 1e6:.1f} MB, {result.files} tệp, "
               f"sổ cái {result.dialect}).")
    if with_secrets:
        click.echo("Bản này có chứa bí mật (.env): cất giữ kín, không gửi qua mạng xã hội.")
    else:
        click.echo("Không kèm .env: nhớ giữ riêng khoá CAMPAIGN_SECRET_KEY và các token.")
    if removed:
        click.echo(f"Đã xoá {len(removed)} bản cũ, giữ {keep} bản mới nhất.")
