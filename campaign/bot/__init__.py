"""The ward-staff Telegram bot: button presses, reminders and the /lich and /trogiup commands.

The loudspeaker adapter (``channels.loudspeaker``, route ``telegram``) sends the ward officer
the script and audio with three buttons; this package is the other half, split along its seams:

* :mod:`~campaign.bot.roster` — who is registered (stations, chats, users) and the bot's access;
* :mod:`~campaign.bot.presses` — button presses become evidence in the ledger;
* :mod:`~campaign.bot.commands` — ``/lich`` and ``/trogiup``;
* :mod:`~campaign.bot.reminders` — reminders sent once each;
* :mod:`~campaign.bot.application` — the python-telegram-bot application, its thread and the
  ``campaign run`` hook. Each conversation family is one module with ``handlers(bot)``.

The bot reads the ledger through :mod:`campaign.queries` and writes only through
:mod:`schedules.operations` (confirmations, refusals, reminders).
"""

from campaign.bot.application import (
    HANDLER_FAMILIES,
    BotRunner,
    WardBot,
    attach_to_service,
    run_bot,
)
from campaign.bot.presses import Press, PressOutcome
from campaign.bot.reminders import REMIND_EVERY, Reminder, send_reminders
from campaign.bot.roster import Roster, Station, TelegramAccess, bot_configured, telegram_access

__all__ = [
    "HANDLER_FAMILIES",
    "REMIND_EVERY",
    "BotRunner",
    "Press",
    "PressOutcome",
    "Reminder",
    "Roster",
    "Station",
    "TelegramAccess",
    "WardBot",
    "attach_to_service",
    "bot_configured",
    "run_bot",
    "send_reminders",
    "telegram_access",
]
