"""``campaign doctor``: check the machine, the ledger, the secrets and every endpoint."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from campaign.commands._common import echo_json, open_workspace, user_errors, workspace_option


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True,
              help='In {"ok", "findings": [{"check", "status", "message", "fix"}]} cho giám sát.')
@workspace_option
@user_errors
def command(as_json: bool, workspace: Path) -> None:
    """Kiểm tra sức khoẻ hệ thống và chỉ cách sửa: gói phần mềm và phông chữ, sổ cái, khoá mã
    hoá và các bí mật env:TEN, từng điểm nhận (không đăng bài), các đường phát loa (mật khẩu
    Icecast, thư mục ghi được, bot trong nhóm phường), mã bot Telegram, dung lượng đĩa, đồng
    hồ máy. Thoát với mã 0 khi không có LỖI, 1 khi có.

    \b
    Ví dụ:
      campaign doctor
      campaign doctor --json
    """
    from campaign.doctor import LABEL, healthy, run_checks

    ws = open_workspace(workspace)
    findings = run_checks(ws)
    ok = healthy(findings)
    if as_json:
        echo_json({"ok": ok, "findings": [f.as_dict() for f in findings]})
    else:
        for finding in findings:
            click.echo(f"[{LABEL[finding.status]}] {finding.check}: {finding.message}")
            if finding.fix and finding.status != "ok":
                click.echo(f"        Cách sửa: {finding.fix}")
        bad = sum(1 for f in findings if f.status == "fail")
        click.echo("Mọi thứ đều ổn." if ok else f"Có {bad} lỗi cần sửa.")
    sys.exit(0 if ok else 1)
