"""The ``campaign`` command: a thin shell over the core.

Every sub-command lives in its own module under ``campaign/commands`` and exposes a click
object named ``command``; they are found by module name and imported on demand, so adding a
command never touches this file.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Any

import click

from assets.systools import MissingToolError
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


def _command_modules() -> dict[str, str]:
    """Command name → module in campaign/commands (``import_`` → ``import``), unimported."""
    out = {}
    for info in pkgutil.iter_modules(commands.__path__):
        if not info.name.startswith(("_", "render_")):
            out[info.name.rstrip("_").replace("_", "-")] = info.name
    return out


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs (or help lists it), so
    ``campaign status`` does not pay for the dashboard, the importer and speech synthesis."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_command_modules())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = _command_modules().get(cmd_name)
        if module_name is None:
            return None
        command = getattr(importlib.import_module(f"campaign.commands.{module_name}"),
                          "command", None)
        return command if isinstance(command, click.Command) else None

    def invoke(self, ctx: click.Context) -> Any:
        """A system tool missing anywhere below becomes the apt-get line, not a traceback."""
        try:
            return super().invoke(ctx)
        except MissingToolError as exc:
            click.echo(f"Lỗi: {exc.message}", err=True)
            sys.exit(2)


@click.group(cls=LazyGroup, help=HELP, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="campaign-scheduler", message="campaign %(version)s")
def main() -> None:
    """Entry point."""


if __name__ == "__main__":
    main()
