"""``campaign endpoints …``: look at the endpoints of the workspace without posting anything."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from campaign.commands._common import fail, user_errors, workspace_option
from campaign.runtime import token_store
from campaign.workspace import Workspace
from channels.base import ChannelError, EndpointConfig, adapter_class, adapter_kind


@click.group("endpoints", help="Điểm nhận (trang Facebook, Zalo OA, bảng LED, loa truyền thanh).")
def command() -> None:
    """Endpoints group."""


def _describe(result: dict[str, Any]) -> str:
    """One line of what a check found, in Vietnamese."""
    parts: list[str] = []
    if result.get("name"):
        parts.append(f"tên: {result['name']}")
    if result.get("followers") is not None:
        parts.append(f"người quan tâm: {result['followers']}")
    if result.get("permissions"):
        parts.append(f"quyền: {', '.join(result['permissions'])}")
    if result.get("missing"):
        parts.append(f"THIẾU quyền: {', '.join(result['missing'])}")
    if result.get("note"):
        parts.append(str(result["note"]))
    return "; ".join(parts) or "cấu hình hợp lệ"


def check_endpoint(workspace: Workspace, endpoint: EndpointConfig,
                   tokens: Any = None) -> tuple[str, str]:
    """(status, detail) for one endpoint; never raises for a platform answer."""
    cls = adapter_class(adapter_kind(endpoint.channel, endpoint.via))
    adapter = cls(endpoint, workspace.adapter_context(tokens))
    try:
        result = adapter.check()
    except ChannelError as exc:
        hint = f" (mã {exc.code})" if exc.code is not None else ""
        return "LỖI", f"{exc.message}{hint}"
    except (ValueError, OSError):  # a malformed address the directory check did not know
        return "LỖI", ("Địa chỉ hoặc cấu hình kết nối không hợp lệ. Cách sửa: kiểm tra url/"
                       "host/port của điểm nhận trong directory.yaml.")
    finally:
        adapter.close()
    return ("OK" if result.get("ok", True) else "CẦN XỬ LÝ"), _describe(result)


@command.command("check")
@click.argument("endpoint_id", required=False)
@workspace_option
@click.pass_context
@user_errors
def check(ctx: click.Context, endpoint_id: str | None, workspace: Path) -> None:
    """Kiểm tra cấu hình và token của từng điểm nhận (không đăng bài nào).

    Thoát với mã 0 khi mọi điểm nhận đều ổn, 1 khi có điểm nhận lỗi, 2 khi lệnh sai.
    """
    ws = Workspace.open(workspace)
    endpoints = ws.directory.endpoints
    if endpoint_id is not None and endpoint_id not in endpoints:
        known = ", ".join(sorted(endpoints)) or "(chưa khai báo điểm nhận nào)"
        fail(f"Không có điểm nhận '{endpoint_id}' trong directory.yaml. Các điểm nhận: {known}.")
    chosen = [endpoints[endpoint_id]] if endpoint_id else list(endpoints.values())
    if not chosen:
        fail("directory.yaml chưa khai báo điểm nhận nào (mục endpoints).")
    tokens = (ctx.obj or {}).get("token_store") if isinstance(ctx.obj, dict) else None
    tokens = tokens or token_store(ws)
    rows = [(e.id, e.channel, *check_endpoint(ws, e, tokens)) for e in chosen]
    headers = ("Điểm nhận", "Kênh", "Kết quả", "Chi tiết")
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(3)]
    for row in [headers, *rows]:
        click.echo("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row[:3]))
                   + "  " + str(row[3]))
    bad = sum(1 for r in rows if r[2] != "OK")
    if bad:
        click.echo(f"{bad}/{len(rows)} điểm nhận cần xử lý.", err=True)
        sys.exit(1)
    click.echo(f"Tất cả {len(rows)} điểm nhận đều ổn.")
