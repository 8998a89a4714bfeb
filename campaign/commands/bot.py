"""``campaign bot``: the ward-staff Telegram bot in the foreground, until Ctrl+C or SIGTERM."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

import click

from campaign.commands._common import open_ledger, open_workspace, user_errors, workspace_option


@click.command("bot")
@click.option("--no-reminders", "no_reminders", is_flag=True,
              help="Không gửi tin nhắc nhở (khi 'campaign run' đang chạy và đã nhắc).")
@workspace_option
@user_errors
def command(no_reminders: bool, workspace: Path) -> None:
    """Chạy bot Telegram cho cán bộ phường: ghi nhận nút «Đã nhận», «Đã phát», «Không phát
    được», trả lời /lich và /trogiup, nhắc khi chưa xác nhận.

    Chỉ nhận nút bấm từ nhóm (chat_id) và người (users) đã khai báo ở loa truyền thanh có
    deliver.via: telegram trong directory.yaml. 'campaign run' cũng tự chạy bot này; không
    chạy cả hai cùng lúc với một mã bot.

    \b
    Ví dụ:
      campaign bot -w ~/tuyen-truyen
    """
    from campaign.bot import REMIND_EVERY, WardBot, run_bot, telegram_access

    ws = open_workspace(workspace)
    telegram_access(ws)  # fail early, in Vietnamese, when the token or the stations are missing
    ledger = open_ledger(ws)
    bot = WardBot(ws, ledger, remind_every=None if no_reminders else REMIND_EVERY)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    stations = len(bot.roster.stations)
    click.echo(f"Bot Telegram đang chạy cho {stations} đài truyền thanh. Nhấn Ctrl+C để dừng.")
    try:
        run_bot(bot, stop)
    finally:
        ledger.dispose()
    click.echo("Đã dừng bot Telegram.")
