"""``campaign serve``: the managers' web dashboard."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from campaign.commands._common import open_ledger, open_workspace, user_errors, workspace_option

if TYPE_CHECKING:
    from campaign.workspace import Workspace

SESSION_SECRET_ENV = "CAMPAIGN_WEB_SECRET"


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Địa chỉ lắng nghe (0.0.0.0 để máy khác trong mạng nội bộ truy cập).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535),
              help="Cổng.")
@click.option("--https-only", is_flag=True,
              help="Chỉ gửi cookie phiên qua HTTPS (tự bật khi lắng nghe ngoài 127.0.0.1).")
@click.option("--allow-http", is_flag=True,
              help="Cho đăng nhập qua HTTP thường khi lắng nghe ngoài 127.0.0.1 (không khuyến "
                   "nghị: mật khẩu đi qua mạng không mã hoá).")
@click.option("--trusted-proxy", "proxies", multiple=True, metavar="DIA_CHI",
              help="Địa chỉ proxy ngược (nginx) được tin khi báo địa chỉ thật của người dùng "
                   "(X-Forwarded-For). Lặp lại được; hoặc CAMPAIGN_TRUSTED_PROXIES trong .env.")
@workspace_option
@user_errors
def command(host: str, port: int, https_only: bool, allow_http: bool, proxies: tuple[str, ...],
            workspace: Path) -> None:
    """Trang theo dõi tiến độ, xác nhận phát loa, nhật ký, xử lý bài lỗi và phê duyệt.

    Khoá ký phiên đăng nhập lấy từ biến CAMPAIGN_WEB_SECRET (hoặc .env); nếu chưa đặt, một
    khoá được tạo và lưu trong var/web-secret của thư mục làm việc.

    \b
    Ví dụ:
      campaign user add lanhdao --role approver
      campaign serve --port 8080
    """
    import uvicorn

    from campaign.web import create_app

    ws = open_workspace(workspace)
    ledger = open_ledger(ws)
    from campaign.web.security import (
        TRUSTED_PROXIES_ENV,
        behind_proxies,
        secure_cookie,
        trusted_proxies,
    )

    secure = https_only or secure_cookie(host, allow_http=allow_http)
    app = create_app(ws, ledger, secret=_secret(ws), https_only=secure)
    served = behind_proxies(app, trusted_proxies(proxies, ws.secrets.setting(TRUSTED_PROXIES_ENV)))
    click.echo(f"Trang theo dõi: http://{host}:{port}/  (Ctrl+C để dừng)")
    if secure and not https_only:
        click.echo("Cookie đăng nhập chỉ gửi qua HTTPS: hãy truy cập qua proxy có chứng chỉ "
                   "(xem docs/HUONG-DAN.md), hoặc dùng --allow-http trong mạng nội bộ tin cậy.")
    uvicorn.run(served, host=host, port=port, log_level="warning", proxy_headers=False)


def _secret(ws: Workspace) -> str:
    """A stable signing key: from the environment, else generated once into var/ (0600)."""
    import secrets

    value = ws.secrets.setting(SESSION_SECRET_ENV)
    if value:
        return value
    path = ws.var_dir / "web-secret"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value
