"""The words people see for the ledger's channel names, in one place.

The CLI (plan, status, log), the report and the dashboard all say the same thing for a channel;
an unknown channel is shown as it is stored rather than hidden.
"""

from __future__ import annotations

CHANNEL_LABEL = {"facebook": "Facebook", "zalo": "Zalo", "led": "Bảng LED",
                 "loudspeaker": "Loa truyền thanh", "telegram": "Telegram"}
CHANNEL_ORDER = ("facebook", "zalo", "led", "loudspeaker")
"""The order channels are listed in: public pages first, then the street."""


def channel_label(channel: str | None) -> str:
    """Vietnamese name of a channel ('' for none, the stored name for an unknown one)."""
    return CHANNEL_LABEL.get(channel or "", channel or "")


def channel_sort_key(channel: str) -> tuple[int, str]:
    """Sort key putting channels in :data:`CHANNEL_ORDER`, unknown ones last by name."""
    return (CHANNEL_ORDER.index(channel) if channel in CHANNEL_ORDER else len(CHANNEL_ORDER),
            channel)
