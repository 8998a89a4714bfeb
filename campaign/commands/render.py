"""``campaign render …``: preview what a channel would show or play, without a campaign.

Sub-commands live in modules named ``render_*`` exposing a click command ``subcommand``.
"""

from __future__ import annotations

import importlib
import pkgutil

import click

from campaign import commands


@click.group("render", help="Xem trước nội dung: khung hình bảng LED, giọng đọc loa truyền thanh, bản in cổ động.")
def command() -> None:
    """Render group."""


for _info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
    if _info.name.startswith("render_"):
        _sub = getattr(importlib.import_module(f"campaign.commands.{_info.name}"), "subcommand", None)
        if isinstance(_sub, click.Command):
            command.add_command(_sub)
