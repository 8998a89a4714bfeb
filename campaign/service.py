"""``campaign run``: the service an operator leaves running.

The lanes (schedules/lanes.py) run in their own control thread, claiming what free lanes can
start from the ledger; APScheduler only runs the daily jobs. There is never one scheduler job
per post, so restarting the service loses nothing: the ledger still knows every post.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
from pathlib import Path
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler

from campaign.backup import daily_backup
from campaign.bot import attach_to_service
from campaign.housekeeping import prune
from campaign.logs import json_handler
from campaign.runtime import make_dispatcher
from campaign.workspace import Workspace
from schedules.lanes import LaneRunner
from schedules.ledger import Ledger
from schedules.models import utcnow

logger = logging.getLogger("campaign.service")


def fault_file(ws: Workspace) -> Path:
    """Where this machine's worker notes a database fault (read by ``campaign status`` even
    when the ledger itself cannot be written)."""
    return ws.root / "var" / "run" / f"worker-{os.getpid()}.json"


def serve_forever(ws: Workspace, ledger: Ledger, *, interval: float = 2.0,
                  stop: threading.Event | None = None, grace: float = 10.0,
                  **dispatcher_options: Any) -> None:
    """Deliver due posts on lanes until SIGTERM/SIGINT (or ``stop``).

    ``interval`` bounds how long the engine sleeps when nothing happens (it wakes at once
    when a lane frees); emergencies are looked for at least every 0.5 s. On a signal,
    deliveries get ``grace`` seconds to finish, then streams are cut; posts claimed but not
    started are released without counting an attempt.

    With a Telegram bot configured, the ward-staff bot listens in a thread alongside and a
    housekeeping job sends reminders (see :mod:`campaign.bot`).
    """
    logging.basicConfig(level=logging.INFO, handlers=[json_handler()])
    dispatcher = make_dispatcher(ws, ledger, **dispatcher_options)
    runner = LaneRunner(dispatcher, poll=min(interval, 0.5), grace=grace)
    state_file = fault_file(ws)

    def note_fault(message: str | None) -> None:
        state_file.parent.mkdir(parents=True, exist_ok=True)
        state_file.write_text(json.dumps({
            "owner": dispatcher.owner, "pid": os.getpid(), "fault": message,
            "at": utcnow().isoformat()}, ensure_ascii=False), encoding="utf-8")

    runner.on_fault = note_fault
    scheduler = BlockingScheduler(timezone="UTC")
    halt = stop or threading.Event()
    engine = threading.Thread(target=runner.serve, args=(halt,), name="lanes", daemon=True)

    scheduler.add_job(dispatcher.refresh_credentials, "cron", hour=3, minute=17,
                      id="refresh-credentials", max_instances=1, coalesce=True)
    scheduler.add_job(prune, "cron", args=[ws], hour=3, minute=47, id="retention",
                      max_instances=1, coalesce=True)
    scheduler.add_job(daily_backup, "cron", args=[ws], hour=2, minute=37, id="backup",
                      timezone=ws.directory.timezone, max_instances=1, coalesce=True)

    stop_bot = attach_to_service(scheduler, ws, ledger)

    def shutdown(signum: int, _frame: Any) -> None:
        logger.info("signal %s: finishing deliveries in flight, releasing the rest", signum)
        halt.set()
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    threading.Thread(target=lambda: (halt.wait(), scheduler.running and scheduler.shutdown(
        wait=False)), daemon=True).start()
    engine.start()
    logger.info("service started as %s with %d lanes", dispatcher.owner, dispatcher.lanes)
    try:
        scheduler.start()
        engine.join()
    finally:
        halt.set()
        engine.join(timeout=grace + 15)
        if stop_bot is not None:
            stop_bot()
        dispatcher.close()
        if runner.fault is None:
            state_file.unlink(missing_ok=True)
        logger.info("service stopped")
