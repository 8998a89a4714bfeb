"""Telegram application glue: the listener, its thread, and the service hook.

:class:`WardBot` holds what every handler family needs (workspace, ledger, roster, zone,
clock) and builds a python-telegram-bot ``Application`` from :data:`HANDLER_FAMILIES`. A new
conversation (``/baocao``, approval buttons, photo confirmations) is one module with a
``handlers(bot) -> list[BaseHandler]`` function, added to that tuple before ``presses``, whose
callback handler is the catch-all fallback. Database work runs in worker threads
(``asyncio.to_thread``) so a slow ledger never stalls polling.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import warnings
from collections.abc import Callable
from datetime import datetime
from typing import Any

from campaign.bot import approvals, commands, evidence, presses, reports
from campaign.bot.presses import Press, PressOutcome
from campaign.bot.reminders import REMIND_EVERY, send_reminders
from campaign.bot.report_reminders import send_report_reminders
from campaign.bot.roster import (
    Roster,
    TelegramAccess,
    bot_configured,
    quiet_http_logs,
    telegram_access,
)
from campaign.workspace import Workspace
from channels.base import ConfigError
from schedules.ledger import Ledger
from schedules.models import utcnow

__all__ = ["HANDLER_FAMILIES", "BotRunner", "WardBot", "attach_to_service", "run_bot"]

logger = logging.getLogger("campaign.bot")

HandlerFamily = Callable[["WardBot"], list[Any]]
HANDLER_FAMILIES: tuple[HandlerFamily, ...] = (commands.handlers, approvals.handlers,
                                               reports.handlers, evidence.handlers,
                                               presses.handlers)
"""Registered in this order; ``presses`` stays last (it answers every other callback query)."""


class WardBot:
    """The listener's state and Telegram application, independent of how it is run
    (foreground or service thread)."""

    def __init__(self, ws: Workspace, ledger: Ledger, *, clock: Callable[[], datetime] = utcnow,
                 poll_timeout: float = 30.0, request_timeout: float = 15.0,
                 remind_every: float | None = None, retry_delay: float = 2.0) -> None:
        self.ws = ws
        self.ledger = ledger
        self.clock = clock
        self.roster = Roster.from_directory(ws.directory)
        self.zone = ws.directory.zone
        self.poll_timeout = poll_timeout
        self.request_timeout = request_timeout
        self.remind_every = remind_every
        self.retry_delay = retry_delay
        """First wait after Telegram was unreachable at start; doubles up to 5 minutes."""

    # ------------------------------------------------------------------ logic (sync)
    def handle_press(self, press: Press) -> PressOutcome:
        """See :func:`campaign.bot.presses.handle_press`."""
        return presses.handle_press(self, press)

    def schedule_text(self, chat_id: int | str, now: datetime | None = None) -> str:
        """See :func:`campaign.bot.commands.schedule_text`."""
        return commands.schedule_text(self, chat_id, now)

    # ------------------------------------------------------------------ telegram glue
    def build(self, access: TelegramAccess) -> Any:
        """A python-telegram-bot Application pointed at the workspace's Bot API base."""
        from telegram.ext import Application
        from telegram.request import HTTPXRequest

        timeout = self.request_timeout
        app = (Application.builder().token(access.token)
               .base_url(access.base_url).base_file_url(access.base_file_url)
               .request(HTTPXRequest(connect_timeout=timeout, read_timeout=timeout,
                                     write_timeout=timeout))
               .get_updates_request(HTTPXRequest(connect_timeout=timeout, read_timeout=timeout,
                                                 write_timeout=timeout))
               .job_queue(None).build())
        for family in HANDLER_FAMILIES:
            for handler in family(self):
                app.add_handler(handler)
        app.add_error_handler(self._on_error)
        return app

    async def _on_error(self, _update: object, context: Any) -> None:
        logger.error("telegram handler failed: %s", context.error,
                     exc_info=(type(context.error), context.error, context.error.__traceback__))

    async def serve(self, stop: threading.Event, ready: threading.Event | None = None,
                    failed: list[BaseException] | None = None) -> None:
        """Poll until ``stop`` is set. Network trouble at start is retried; a bad token is not."""
        from telegram.error import InvalidToken, NetworkError

        quiet_http_logs()
        try:
            access = telegram_access(self.ws)
        except ConfigError as exc:
            if failed is not None:
                failed.append(exc)
            if ready is not None:
                ready.set()
            raise
        delay = self.retry_delay
        while not stop.is_set():
            app = self.build(access)
            try:
                with warnings.catch_warnings():  # PTB 22.2+ RetryAfter deprecation chatter
                    warnings.simplefilter("ignore", DeprecationWarning)
                    await app.initialize()
                    await app.start()
                    await app.updater.start_polling(
                        timeout=int(self.poll_timeout), poll_interval=0.0,
                        allowed_updates=["message", "callback_query"],
                        error_callback=self._polling_error)
            except InvalidToken as exc:
                await _close(app)
                error = ConfigError("Telegram từ chối mã bot (token). Hãy kiểm tra telegram.token.")
                if failed is not None:
                    failed.append(error)
                if ready is not None:
                    ready.set()
                raise error from exc
            except NetworkError as exc:  # the ward office's internet: try again, never give up
                await _close(app)
                logger.warning("telegram unreachable (%s); retrying in %.1f s",
                               type(exc).__name__, delay)
                await _sleep_until(stop, delay)
                delay = min(delay * 2, 300.0)
                continue
            logger.info("telegram bot listening for %d station(s)", len(self.roster.stations))
            if ready is not None:
                ready.set()
            reminders = asyncio.create_task(self._remind_loop(stop)) if self.remind_every else None
            try:
                await _sleep_until(stop, None)
            finally:
                if reminders is not None:
                    reminders.cancel()
                await _close(app)
            return

    @staticmethod
    def _polling_error(exc: Exception) -> None:
        """Polling errors are retried by python-telegram-bot; say plainly what a conflict means."""
        from telegram.error import Conflict

        if isinstance(exc, Conflict):
            logger.error("another process is polling with this bot token (is 'campaign bot' "
                         "running beside 'campaign run'?): %s", exc)
        else:
            logger.warning("polling telegram failed (%s): %s", type(exc).__name__, exc)

    async def _remind_loop(self, stop: threading.Event) -> None:
        """Reminders for the foreground bot (the service runs them as an APScheduler job)."""
        assert self.remind_every
        while not stop.is_set():
            try:
                await asyncio.to_thread(send_reminders, self.ws, self.ledger, now=self.clock(),
                                        roster=self.roster)
                await asyncio.to_thread(send_report_reminders, self.ws, self.ledger,
                                        now=self.clock(), roster=self.roster)
                await asyncio.to_thread(approvals.remind_approvals, self.ws, self.ledger,
                                        now=self.clock())
            except Exception:  # noqa: BLE001 - a failed pass is retried on the next one
                logger.exception("reminder pass failed")
            await _sleep_until(stop, self.remind_every)


async def _close(app: Any) -> None:
    """Stop whatever part of the application got started, then release its HTTP clients."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


async def _sleep_until(stop: threading.Event, seconds: float | None) -> None:
    """Sleep ``seconds`` (forever if None) or until ``stop`` is set, whichever comes first."""
    loop = asyncio.get_running_loop()
    deadline = None if seconds is None else loop.time() + seconds
    while not stop.is_set() and (deadline is None or loop.time() < deadline):
        await asyncio.sleep(0.05)


def run_bot(bot: WardBot, stop: threading.Event) -> None:
    """Run the listener in this thread until ``stop`` is set (``campaign bot``)."""
    asyncio.run(bot.serve(stop))


class BotRunner:
    """The listener on its own event loop in a background thread (``campaign run``, tests)."""

    def __init__(self, bot: WardBot) -> None:
        self.bot = bot
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._failed: list[BaseException] = []
        self._thread = threading.Thread(target=self._main, name="telegram-bot", daemon=True)

    def _main(self) -> None:
        try:
            asyncio.run(self.bot.serve(self._stop, self._ready, self._failed))
        except Exception as exc:  # noqa: BLE001 - reported to start() and the log
            if not self._failed:
                self._failed.append(exc)
            self._ready.set()
            logger.error("telegram bot stopped: %s", exc)

    def start(self, wait: float = 15.0) -> bool:
        """Start polling; True once listening (False if not within ``wait`` s — still retrying).

        Raises the ConfigError when the bot cannot work at all (no token, token refused).
        """
        self._thread.start()
        self._ready.wait(wait)
        if self._failed:
            raise self._failed[0]
        return self._ready.is_set()

    def stop(self, wait: float = 15.0) -> None:
        self._stop.set()
        self._thread.join(wait)


def attach_to_service(scheduler: Any, ws: Workspace, ledger: Ledger, *,
                      remind_every: float = REMIND_EVERY) -> Callable[[], None] | None:
    """Start the bot in a thread and add the reminder job to the service's scheduler.

    Does nothing (returns None) when the workspace has no bot token or no Telegram-routed
    station. Returns the function that stops the bot.
    """
    if not bot_configured(ws):
        return None
    runner = BotRunner(WardBot(ws, ledger))
    try:
        if not runner.start(wait=5.0):
            logger.warning("telegram bot not listening yet; it keeps retrying in the background")
    except ConfigError as exc:
        logger.error("telegram bot not started: %s", exc.message)
        runner.stop()
        return None
    lock = threading.Lock()

    def remind() -> None:
        if not lock.acquire(blocking=False):
            return
        try:
            sent = [*send_reminders(ws, ledger, roster=runner.bot.roster),
                    *send_report_reminders(ws, ledger, roster=runner.bot.roster)]
            if sent:
                logger.info("sent %d reminder(s)", len(sent))
            if approvals.remind_approvals(ws, ledger):
                logger.info("sent approval requests or reminders")
        except Exception:  # noqa: BLE001 - the service must survive a bad pass
            logger.exception("reminder pass failed")
        finally:
            lock.release()

    scheduler.add_job(remind, "interval", seconds=remind_every, id="reminders", max_instances=1,
                      coalesce=True)
    return runner.stop
