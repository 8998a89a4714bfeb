"""``campaign service install``: systemd units for ``campaign run`` and ``campaign serve``."""

from __future__ import annotations

import os
from pathlib import Path

import click

from campaign.commands._common import fail, open_workspace, user_errors, workspace_option

SYSTEM_DIR = Path("/etc/systemd/system")


@click.group("service", help="Chạy phần mềm như một dịch vụ hệ thống (systemd).")
def command() -> None:
    """Service group."""


@command.command("install")
@click.option("--user", "user", default=None,
              help="Tài khoản hệ điều hành chạy dịch vụ (mặc định: người gọi lệnh).")
@click.option("--port", default=8080, show_default=True, type=int,
              help="Cổng của trang theo dõi (chỉ nghe trên 127.0.0.1, sau proxy HTTPS).")
@click.option("--dir", "target", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Thư mục ghi tệp unit (mặc định /etc/systemd/system khi chạy bằng root, "
                   "ngược lại ./systemd).")
@click.option("--force", is_flag=True, help="Ghi đè tệp unit đã có.")
@workspace_option
@user_errors
def install(user: str | None, port: int, target: Path | None, force: bool,
            workspace: Path) -> None:
    """Ghi hai tệp unit systemd: campaign-run.service (gửi bài) và campaign-serve.service
    (trang theo dõi), chạy bằng tài khoản --user, thư mục làm việc -w, đọc bí mật từ .env,
    tự khởi động lại khi lỗi.

    \b
    Ví dụ:
      sudo .venv/bin/campaign service install -w /srv/tuyen-truyen --user tuyentruyen
      sudo systemctl daemon-reload
      sudo systemctl enable --now campaign-run campaign-serve
    """
    from campaign.systemd import service_user, units, write_units

    ws = open_workspace(workspace)
    user = user or service_user()
    if user == "root":
        fail("Không chạy dịch vụ bằng root. Tạo tài khoản riêng: sudo adduser --system "
             "--group tuyentruyen, rồi dùng --user tuyentruyen.")
    target = target or (SYSTEM_DIR if os.geteuid() == 0 else Path.cwd() / "systemd")
    try:
        paths = write_units(target, units(ws.root, user=user, port=port,
                                          postgres=not ws.db_url.startswith("sqlite")),
                            force=force)
    except FileExistsError as exc:
        fail(f"Đã có tệp {exc} khác nội dung. Dùng --force để ghi đè.")
    except PermissionError as exc:
        fail(f"Không ghi được vào {exc.filename or target}. Chạy bằng sudo hoặc chọn --dir.")
    for path in paths:
        click.echo(f"Đã ghi {path}")
    if target != SYSTEM_DIR:
        click.echo(f"Chép các tệp này vào {SYSTEM_DIR}/ (cần quyền root), rồi:")
    click.echo("  sudo systemctl daemon-reload")
    click.echo("  sudo systemctl enable --now campaign-run campaign-serve")
    click.echo("  journalctl -u campaign-run -f      # xem nhật ký dịch vụ")
    click.echo(f"Tài khoản {user} cần quyền đọc/ghi thư mục {ws.root}. Trang theo dõi nghe ở "
               f"127.0.0.1:{port}: đặt nginx có HTTPS phía trước (docs/HUONG-DAN.md).")
