"""``campaign init DIR``: scaffold a workspace."""

from __future__ import annotations

import re
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import click

from campaign.commands._common import fail
from campaign.sample import write_workspace


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Ghi đè directory.yaml nếu đã có.")
def command(directory: Path, force: bool) -> None:
    """Tạo thư mục làm việc mẫu: danh bạ trung tâm và 25 phường, xã, thư mục campaigns/,
    media/ và tệp .env.example.

    \b
    Ví dụ:
      campaign init ~/tuyen-truyen
    """
    if (directory / "directory.yaml").exists() and not force:
        fail(f"{directory / 'directory.yaml'} đã tồn tại. Dùng --force để ghi đè.")
    example = resources.files("campaign.data").joinpath("nq57-example.yaml").read_text("utf-8")
    write_workspace(directory, campaign_text=upcoming_period(example, date.today()))
    click.echo(f"Đã tạo thư mục làm việc: {directory}")
    click.echo("  directory.yaml      danh bạ đơn vị và điểm nhận (sửa mã trang, token…)")
    click.echo("  campaigns/vi-du.yaml chiến dịch mẫu Nghị quyết 57-NQ/TW")
    click.echo("  .env.example        chép thành .env và điền các bí mật")
    click.echo(f"Tiếp theo: campaign check -w {directory} {directory}/campaigns/vi-du.yaml")


def upcoming_period(example: str, today: date) -> str:
    """The sample campaign's two weeks moved to start next Monday.

    The packaged example keeps the dates of the real guidance (March 2025); a newcomer's first
    ``check`` and ``approve`` would refuse a period wholly in the past, so the copy written into
    a new workspace runs in the coming weeks instead.
    """
    start = today + timedelta(days=7 - today.weekday())
    end = start + timedelta(days=13)
    text = re.sub(r"^period: \{start: [0-9-]+, end: [0-9-]+\}$",
                  f"period: {{start: {start.isoformat()}, end: {end.isoformat()}}}",
                  example, count=1, flags=re.M)
    text = re.sub(r"^  hang_on: [0-9-]+$", f"  hang_on: {(start + timedelta(days=2)).isoformat()}",
                  text, count=1, flags=re.M)  # printed materials: hung on the third day
    return re.sub(r"^report_due: [0-9-]+$", f"report_due: {(end + timedelta(days=1)).isoformat()}",
                  text, count=1, flags=re.M)
