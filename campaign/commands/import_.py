"""``campaign import FILE``: read a guidance document, show its facts, write a draft campaign.

Nothing is written unless everything succeeded: the draft goes to a temporary file next to the
target and is renamed into place, and an existing file is kept unless ``--force``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from campaign.commands._common import echo_json, user_errors
from campaign.directory import Directory, load_directory
from campaign.errors import InputError
from campaign.importer import ImportResult, import_file

HELP = """Nhập văn bản chỉ đạo (công văn, hướng dẫn, kế hoạch …) thành bản nháp chiến dịch.

Đọc tệp .txt/.md, .docx, .doc/.odt (qua LibreOffice) hoặc .pdf (có lớp chữ, hoặc bản quét:
nhận dạng chữ bằng Tesseract), cả văn bản gõ phông TCVN3/VNI cũ; trích số, ngày, cơ quan ban
hành, trích yếu, nơi nhận, văn bản viện dẫn, hình thức tuyên truyền, hạn báo cáo, nội dung
tuyên truyền; rồi lập bản nháp tệp chiến dịch (YAML) có ghi chú những việc còn phải viết.

\b
Ví dụ:
  campaign import cv-1587.docx -o campaigns/nq57.yaml
  campaign import huong-dan.pdf --json          # in các thông tin trích được dạng JSON
  campaign import cv.txt > campaigns/nhap.yaml  # không có -o: in bản nháp ra màn hình
"""


def _write_atomically(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` via a temporary file and a rename, so a failure never
    leaves a half-written campaign file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                    dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _checked_output(target: Path) -> Path:
    """``-o`` as a usable path: no NUL byte, not a folder, a name the system accepts."""
    try:
        if target.is_dir():
            raise InputError.single(target, "Đây là một thư mục, không phải tệp.",
                                    fix="Cho -o một tên tệp .yaml, ví dụ campaigns/nhap.yaml.")
        target.exists()
    except (OSError, ValueError):
        raise InputError.single(target, "Đường dẫn -o không hợp lệ (ký tự lạ hoặc quá dài).",
                                fix="Chọn tên tệp ngắn, chỉ gồm chữ, số, '-' và '_'.") from None
    return target


def _workspace_directory(target: Path | None) -> Directory | None:
    """The directory of the workspace ``-o`` writes into (campaigns/x.yaml or x.yaml beside
    directory.yaml), so the draft only picks printed products its wards can receive. A
    directory that does not load is left to `campaign check` to explain."""
    if target is None:
        return None
    for root in (target.parent.parent, target.parent):
        if (root / "directory.yaml").is_file():
            try:
                return load_directory(root / "directory.yaml")
            except InputError:
                return None
    return None


def _summary(result: ImportResult) -> list[str]:
    lines: list[str] = []
    for n, doc in enumerate(result.documents):
        label = "Văn bản" if n == 0 else "Kèm theo"
        date = doc.date.strftime("%d/%m/%Y") if doc.date else f"(chưa ghi ngày, năm {doc.year})" \
            if doc.year else "(chưa ghi ngày)"
        lines.append(f"{label}: {doc.kind or '?'} số {doc.number or '(chưa ghi số)'} ngày {date}"
                     + (f" — {doc.issuer}" if doc.issuer else ""))
        if doc.subject:
            lines.append(f"  Trích yếu: {doc.subject}")
        if doc.recipients:
            lines.append(f"  Kính gửi: {'; '.join(doc.recipients)}")
        if doc.references:
            lines.append("  Viện dẫn: " + "; ".join(r.number for r in doc.references))
        if doc.channels:
            lines.append(f"  Hình thức: {', '.join(doc.channels)}")
        for deadline in doc.deadlines:
            when = (deadline.date.strftime("%d/%m/%Y") if deadline.date
                    else f"ngày {deadline.day} tháng {deadline.month} hàng năm"
                    if deadline.recurring == "yearly" else f"ngày {deadline.day} hàng tháng")
            lines.append(f"  Hạn: {when}")
        if doc.signer:
            lines.append(f"  Người ký: {doc.signer.title or ''} {doc.signer.name or ''}".rstrip())
    campaign = result.draft.campaign
    lines.append(f"Bản nháp: {campaign.id} — {len(campaign.messages)} tin, kênh "
                 f"{', '.join(campaign.channels)}, đối tượng {', '.join(campaign.targets)}")
    lines.extend(f"Chú ý: {w}" for w in result.draft.warnings)
    return lines


@click.command("import", help=HELP)
@click.argument("file", type=str)
@click.option("-o", "--output", type=str,
              help="Ghi bản nháp chiến dịch vào tệp này (ví dụ campaigns/nq57.yaml).")
@click.option("--json", "as_json", is_flag=True,
              help="In các thông tin trích được và bản nháp dưới dạng JSON.")
@click.option("--force", is_flag=True, help="Cho phép ghi đè tệp đã có.")
@user_errors
def command(file: str, output: str | None, as_json: bool, force: bool) -> None:
    """Import a guidance document."""
    source = Path(file)
    target = _checked_output(Path(output)) if output is not None else None
    if target is not None and target.exists() and not force:
        raise InputError.single(target, "Tệp đã có, không ghi đè.",
                                fix="Chọn tên khác cho -o, hoặc thêm --force để ghi đè.")
    result = import_file(source, progress=sys.stderr.isatty(),
                         directory=_workspace_directory(target))
    if target is not None:
        try:
            _write_atomically(target, result.draft.text)
        except OSError as exc:
            raise InputError.single(target, f"Không ghi được bản nháp ({exc.strerror}).",
                                    fix="Chọn thư mục có quyền ghi và tên tệp ngắn hơn "
                                        "cho -o.") from None
    if as_json:
        echo_json(result.to_json())
    elif target is not None:
        for line in _summary(result):
            click.echo(line)
        click.echo(f"Đã ghi bản nháp: {target}")
    else:
        click.echo(result.draft.text, nl=False)
