"""``campaign secret-key``: a new key for encrypting the tokens the software rotates."""

from __future__ import annotations

import click

from schedules.ledger import SECRET_KEY_ENV, new_secret_key


@click.command("secret-key")
def command() -> None:
    """Tạo khoá mã hoá mới cho các token được phần mềm tự làm mới (Zalo). Ghi dòng in ra vào
    tệp .env của thư mục làm việc và giữ kín; mất khoá thì phải kết nối lại tài khoản Zalo.

    \b
    Ví dụ:
      campaign secret-key >> .env
    """
    click.echo(f"{SECRET_KEY_ENV}={new_secret_key()}")
