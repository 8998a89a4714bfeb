"""``campaign run``: the service an operator leaves running.

APScheduler is only the clock: one short interval job wakes the dispatcher, which claims what
is due from the ledger. There is never one scheduler job per post, so restarting the service
loses nothing: the ledger still knows every post.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler

from campaign.backup import daily_backup
from campaign.bot import attach_to_service
from campaign.housekeeping import prune
from campaign.runtime import make_dispatcher
from campaign.workspace import Workspace
from schedules.ledger import Ledger

logger = logging.getLogger("campaign.service")


def serve_forever(ws: Workspace, ledger: Ledger, *, interval: float = 5.0,
                  stop: threading.Event | None = None, **dispatcher_options: Any) -> None:
    """Deliver due posts every ``interval`` seconds until SIGTERM/SIGINT (or ``stop``).

    With a Telegram bot configured, the ward-staff bot listens in a thread alongside and a
    housekeeping job sends reminders (see :mod:`campaign.bot`).
    """
    logging.basicConfig(level=logging.INFO,
                        format='{"at":"%(asctime)s","level":"%(levelname)s","msg":"%(message)s"}')
    dispatcher = make_dispatcher(ws, ledger, **dispatcher_options)
    scheduler = BlockingScheduler(timezone="UTC")
    lock = threading.Lock()

    def tick() -> None:
        if not lock.acquire(blocking=False):
            return  # the previous pass is still delivering
        try:
            summary = dispatcher.run_once()
            if summary.claimed:
                logger.info("delivered %s", summary.as_dict())
        except Exception:  # noqa: BLE001 - the service must survive a bad pass
            logger.exception("dispatch pass failed")
        finally:
            lock.release()

    scheduler.add_job(tick, "interval", seconds=interval, id="dispatch", max_instances=1,
                      coalesce=True)

    scheduler.add_job(dispatcher.refresh_credentials, "cron", hour=3, minute=17,
                      id="refresh-credentials", max_instances=1, coalesce=True)
    scheduler.add_job(prune, "cron", args=[ws], hour=3, minute=47, id="retention",
                      max_instances=1, coalesce=True)
    scheduler.add_job(daily_backup, "cron", args=[ws], hour=2, minute=37, id="backup",
                      timezone=ws.directory.timezone, max_instances=1, coalesce=True)

    stop_bot = attach_to_service(scheduler, ws, ledger)

    def shutdown(signum: int, _frame: Any) -> None:
        logger.info("signal %s: finishing the current post, releasing the rest", signum)
        dispatcher.stopping = True
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    if stop is not None:
        threading.Thread(target=lambda: (stop.wait(), scheduler.shutdown(wait=True)),
                         daemon=True).start()
    tick()
    logger.info("service started as %s, every %.1f s", dispatcher.owner, interval)
    try:
        scheduler.start()
    finally:
        if stop_bot is not None:
            stop_bot()
        dispatcher.close()
        logger.info("service stopped")
