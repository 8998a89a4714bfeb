"""``campaign report ID --out FILE``: the results report the guidance asks for."""

from __future__ import annotations

from pathlib import Path

import click

from campaign.commands._common import open_ledger, open_workspace, user_errors, workspace_option


@click.command("report")
@click.argument("campaign_id")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Tệp kết quả: .docx (văn bản) hoặc .xlsx (bảng tính, kèm toàn bộ nhật ký).")
@click.option("--date", "on", default=None,
              help="Ngày ghi trên báo cáo (YYYY-MM-DD); mặc định hôm nay.")
@workspace_option
@user_errors
def command(campaign_id: str, out: Path, on: str | None, workspace: Path) -> None:
    """Báo cáo kết quả tuyên truyền theo thể thức văn bản hành chính.

    \b
    Ví dụ:
      campaign report nq57-thang3 --out bao-cao-nq57.docx
      campaign report nq57-thang3 --out bao-cao-nq57.xlsx
    """
    from datetime import date

    from campaign.report import write_report

    try:
        today = date.fromisoformat(on) if on else None
    except ValueError:
        raise click.BadParameter(f"Ngày '{on}' không hợp lệ, ghi dạng 2025-03-15.",
                                 param_hint="--date") from None
    ws = open_workspace(workspace)
    path = write_report(ws, open_ledger(ws), campaign_id, out, today=today)
    click.echo(f"Đã ghi báo cáo: {path}")
    click.echo("Phần đánh giá và đề xuất, kiến nghị để trống cho người lập báo cáo điền.")
    if ws.directory.data.organisation.signer is None:
        click.echo("Chưa khai báo người ký: thêm vào directory.yaml, mục organisation, ví dụ\n"
                   "  signer: {authority: KT. GIÁM ĐỐC, title: PHÓ GIÁM ĐỐC, "
                   "name: Nguyễn Văn An}")
