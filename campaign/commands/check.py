"""``campaign check FILE``: validate a campaign against the workspace, write nothing."""

from __future__ import annotations

from pathlib import Path

import click

from campaign.approval import local_today, past_period_warning
from campaign.commands._common import SafePath, open_workspace, user_errors, workspace_option
from campaign.planner import build_plan, load_campaign


@click.command("check")
@click.argument("file", type=SafePath(dir_okay=False, path_type=Path))
@workspace_option
@user_errors
def command(file: Path, workspace: Path) -> None:
    """Kiểm tra tệp chiến dịch. Mỗi lỗi ghi rõ tệp:dòng, trường và cách sửa.

    \b
    Ví dụ:
      campaign check campaigns/nq57.yaml
    """
    ws = open_workspace(workspace)
    campaign = load_campaign(file, ws.directory, ws.media_dir)
    plan = build_plan(campaign, ws.directory)
    units = ws.directory.resolve_targets(campaign.targets)
    click.echo(f"Tệp hợp lệ: {file}")
    click.echo(f"  Chiến dịch: {campaign.title} ({campaign.id})")
    click.echo(f"  {len(campaign.messages)} tin, kênh: {', '.join(campaign.channels)}; "
               f"{len(units)} đơn vị nhận; dự kiến {len(plan.posts)} bài.")
    start, end = campaign.period.start, campaign.period.end
    past = past_period_warning(start, end, local_today(campaign.timezone or ws.directory.timezone))
    for warning in [*([past] if past else []), *plan.warnings]:
        click.echo(f"  Lưu ý: {warning}")
