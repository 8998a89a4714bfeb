"""``campaign user add|list|disable|enable|remove``: dashboard accounts and their roles."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from campaign.commands._common import (
    echo_json,
    open_ledger,
    open_workspace,
    user_errors,
    workspace_option,
)


@click.group("user")
def command() -> None:
    """Tài khoản đăng nhập trang theo dõi (web).

    \b
    Vai trò:
      viewer, manager  xem
      operator         xem, lập lịch, xử lý bài lỗi/chưa rõ kết quả, gửi lại
      approver         xem, phê duyệt chiến dịch
      ward             một phường/xã (--unit): chỉ xem và báo cáo kết quả của đơn vị mình
    """


@command.command("add")
@click.argument("name")
@click.option("--role", default=None,
              type=click.Choice(["viewer", "manager", "operator", "approver", "ward"]),
              help="Vai trò của tài khoản (bắt buộc khi tạo mới).")
@click.option("--unit", default=None, help="Mã đơn vị của tài khoản phường/xã (--role ward).")
@click.option("--full-name", default=None, help="Họ và tên (ghi vào nhật ký khi phê duyệt).")
@click.option("--replace", is_flag=True,
              help="Sửa tài khoản đã có: chỉ đổi những gì được cho (vai trò, họ tên, mật khẩu; "
                   "mật khẩu để trống thì giữ nguyên).")
@click.option("--password-stdin", is_flag=True,
              help="Đọc mật khẩu từ dòng đầu của đầu vào chuẩn (dùng trong kịch bản).")
@workspace_option
@user_errors
def add(name: str, role: str | None, full_name: str | None, replace: bool,
        password_stdin: bool, workspace: Path, unit: str | None = None) -> None:
    """Thêm tài khoản; mật khẩu được hỏi (không hiện) hoặc đọc từ đầu vào chuẩn.

    \b
    Ví dụ:
      campaign user add lanhdao --role approver --full-name "Nguyễn Văn A"
      echo "mat-khau-dai" | campaign user add vanhanh --role operator --password-stdin
      campaign user add tan-phong --role ward --unit tan-phong
      campaign user add lanhdao --replace --role approver   (giữ mật khẩu: để trống)
    """
    from campaign.web.users import add_user

    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    elif replace:
        password = click.prompt("Mật khẩu mới (để trống: giữ nguyên)", hide_input=True,
                                default="", show_default=False)
        if password:
            click.prompt("Nhập lại", hide_input=True, value_proc=_same_as(password))
    else:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại")
    ws = open_workspace(workspace)
    if unit is not None and unit not in ws.directory.units:
        from campaign.errors import InputError

        raise InputError.single("--unit", f"Không có đơn vị '{unit}' trong directory.yaml.",
                                fix="Dùng mã đơn vị (id) trong mục units.")
    user = add_user(open_ledger(ws), name, role, password or None, full_name=full_name,
                    replace=replace, unit=unit)
    click.echo(f"Đã lưu tài khoản '{user.name}' (vai trò {user.role}).")


def _same_as(expected: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value != expected:
            raise click.UsageError("Hai lần nhập mật khẩu không khớp.")
        return value
    return check


@command.command("disable")
@click.argument("name")
@workspace_option
@user_errors
def disable(name: str, workspace: Path) -> None:
    """Khoá tài khoản: không đăng nhập được nữa, các phiên đang mở kết thúc ngay."""
    from campaign.web.users import set_active

    user = set_active(open_ledger(open_workspace(workspace)), name, False)
    click.echo(f"Đã khoá tài khoản '{user.name}'.")


@command.command("enable")
@click.argument("name")
@workspace_option
@user_errors
def enable(name: str, workspace: Path) -> None:
    """Mở lại tài khoản đã khoá."""
    from campaign.web.users import set_active

    user = set_active(open_ledger(open_workspace(workspace)), name, True)
    click.echo(f"Đã mở lại tài khoản '{user.name}'.")


@command.command("remove")
@click.argument("name")
@workspace_option
@user_errors
def remove(name: str, workspace: Path) -> None:
    """Xoá tài khoản (nhật ký vẫn giữ tên người đã thao tác); các phiên đang mở kết thúc ngay."""
    from campaign.web.users import remove_user

    remove_user(open_ledger(open_workspace(workspace)), name)
    click.echo(f"Đã xoá tài khoản '{name}'.")


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON.")
@workspace_option
@user_errors
def list_(as_json: bool, workspace: Path) -> None:
    """Liệt kê các tài khoản (không bao giờ in mật khẩu)."""
    from campaign.web.users import ROLE_LABEL, list_users

    ws = open_workspace(workspace)
    users = list_users(open_ledger(ws))
    if as_json:
        echo_json([{**u, "created_at": str(u["created_at"])} for u in users])
        return
    if not users:
        click.echo("Chưa có tài khoản nào. Thêm bằng: campaign user add TEN --role viewer")
    for u in users:
        state = "" if u["active"] else " (đã khoá)"
        full = f" — {u['full_name']}" if u["full_name"] else ""
        click.echo(f"{u['name']}{full}: {ROLE_LABEL.get(str(u['role']), u['role'])}{state}")
