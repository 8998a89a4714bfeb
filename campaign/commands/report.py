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
@click.option("--unit", "unit", default=None,
              help="Báo cáo của một phường/xã gửi lên (mã đơn vị), từ cùng số liệu.")
@click.option("--danh-gia", "assessment", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Tệp YAML có các mục ket_qua, han_che, de_xuat để điền phần đánh giá, "
                   "đề xuất; không có thì để dòng trống điền trong Word.")
@workspace_option
@user_errors
def command(campaign_id: str, out: Path, on: str | None, workspace: Path,
            unit: str | None = None, assessment: Path | None = None) -> None:
    """Báo cáo kết quả tuyên truyền theo thể thức văn bản hành chính.

    \b
    Ví dụ:
      campaign report nq57-thang3 --out bao-cao-nq57.docx
      campaign report nq57-thang3 --out bao-cao-nq57.xlsx
      campaign report nq57-thang3 --out bao-cao.docx --danh-gia danh-gia.yaml
      campaign report nq57-thang3 --unit tan-phong --out bao-cao-tan-phong.docx
    """
    from datetime import date

    from campaign.report import read_assessment, write_report

    try:
        today = date.fromisoformat(on) if on else None
    except ValueError:
        raise click.BadParameter(f"Ngày '{on}' không hợp lệ, ghi dạng 2025-03-15.",
                                 param_hint="--date") from None
    ws = open_workspace(workspace)
    words = read_assessment(assessment) if assessment else None
    path = write_report(ws, open_ledger(ws), campaign_id, out, today=today, unit=unit,
                        assessment=words)
    click.echo(f"Đã ghi báo cáo: {path}")
    if not words:
        click.echo("Phần kết quả, hạn chế và đề xuất, kiến nghị để trống cho người lập báo cáo "
                   "điền (hoặc dùng --danh-gia TEP.yaml).")
    if ws.directory.data.organisation.signer is None and unit is None:
        click.echo("Chưa khai báo người ký: thêm vào directory.yaml, mục organisation, ví dụ\n"
                   "  signer: {authority: KT. GIÁM ĐỐC, title: PHÓ GIÁM ĐỐC, "
                   "name: Nguyễn Văn An}")
