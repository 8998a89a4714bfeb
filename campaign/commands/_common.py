"""What every command shares: the workspace option, Vietnamese error output, exit status 2."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from campaign.errors import InputError
from channels.base import ChannelError

F = TypeVar("F", bound=Callable[..., Any])

POST_ID = click.IntRange(1, 2**63 - 1)
"""A post id: SQLite and PostgreSQL integers are 64-bit; larger numbers are usage errors."""

if TYPE_CHECKING:
    from campaign.workspace import Workspace
    from schedules.ledger import Ledger


class SafePath(click.Path):
    """click.Path that turns a NUL or an over-long name into a usage error (exit 2), not a
    traceback: click's own check calls os.stat, which raises ValueError on a NUL."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if isinstance(value, str) and "\x00" in value:
            self.fail("đường dẫn có ký tự NUL (\\x00), hãy gõ lại.", param, ctx)
        try:
            return super().convert(value, param, ctx)
        except (OSError, ValueError):
            self.fail("đường dẫn quá dài hoặc không hợp lệ, hãy gõ lại.", param, ctx)


workspace_option = click.option(
    "-w", "--workspace", "workspace",
    type=SafePath(file_okay=False, path_type=Path),
    envvar="CAMPAIGN_WORKSPACE", default=".", show_default=True,
    help="Thư mục làm việc (chứa directory.yaml). Biến môi trường: CAMPAIGN_WORKSPACE.",
)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a Vietnamese error to stderr and leave with ``code``."""
    click.echo(f"Lỗi: {message}", err=True)
    sys.exit(code)


def user_errors(func: F) -> F:
    """Turn InputError/ChannelError into a Vietnamese message and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            count = len(exc.problems)
            click.echo(f"Có {count} lỗi cần sửa:" if count > 1 else "Có lỗi cần sửa:", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            sys.exit(2)
        except ChannelError as exc:
            fail(exc.message)

    return wrapper  # type: ignore[return-value]


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def open_workspace(path: Path) -> Workspace:  # imported inside: keeps the CLI start light
    """The workspace at ``path`` (InputError when it is not one)."""
    from campaign.errors import shown_path
    from campaign.workspace import Workspace

    try:
        return Workspace.open(path)
    except (ValueError, OSError) as exc:  # a NUL or an over-long name in the folder path
        too_long = getattr(exc, "errno", None) == 36
        raise InputError.single(
            shown_path(str(path)), "Đường dẫn thư mục làm việc quá dài." if too_long else
            "Đường dẫn thư mục làm việc có ký tự không hợp lệ.",
            fix="Gõ lại đường dẫn sau -w (hoặc biến CAMPAIGN_WORKSPACE).") from None


def open_ledger(workspace: Any) -> Ledger:
    from schedules.ledger import Ledger

    return Ledger(workspace.db_url)


def parse_local(value: str | None, zone: str) -> Any:
    """'2025-03-01' or '2025-03-01 05:30' in local time → aware UTC datetime."""
    if not value:
        return None
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            local = datetime.strptime(value, fmt).replace(tzinfo=ZoneInfo(zone))
            return local.astimezone(UTC)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"Không hiểu thời điểm '{value}'. Ghi dạng 2025-03-01 hoặc 2025-03-01 05:30.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed.astimezone(UTC)
