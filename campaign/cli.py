"""The ``campaign`` command: a thin shell over the core.

Every sub-command lives in its own module under ``campaign/commands`` and exposes a click
object named ``command``; they are discovered here, so adding a command never touches this file.
"""

from __future__ import annotations

import importlib
import pkgutil

import click

from campaign import clilocale, commands

clilocale.install()

HELP = """Lập lịch chiến dịch tuyên truyền cơ sở: Facebook, Zalo, bảng LED, loa truyền thanh.

\b
Ví dụ:
  campaign init ~/tuyen-truyen          # tạo thư mục làm việc mẫu (25 phường)
  campaign check campaigns/nq57.yaml    # kiểm tra tệp chiến dịch
  campaign plan campaigns/nq57.yaml     # lập lịch các bài đăng
  campaign approve nq57-thang3 --by "Nguyễn Văn A"
  campaign run --once                   # gửi các bài đã đến giờ
  campaign demo                         # chạy thử toàn bộ quy trình
"""

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(help=HELP, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="campaign-scheduler", message="campaign %(version)s")
def main() -> None:
    """Entry point."""


def _discover() -> None:
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"campaign.commands.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            main.add_command(command)


_discover()


if __name__ == "__main__":
    main()
