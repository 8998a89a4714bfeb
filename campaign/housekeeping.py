"""Retention: files a workspace accumulates that nobody needs after a while.

Only derived files are pruned — outbox previews by day, the speech cache and the Icecast
constant-bit-rate transcodes in var/icecast/ (both re-made on demand; a stream already playing
keeps its open file). The ledger and its delivery log are the record and are never touched here.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from datetime import date, timedelta

from campaign.workspace import Workspace

logger = logging.getLogger("campaign.housekeeping")


@dataclass
class Pruned:
    folders: int = 0
    files: int = 0


def prune(ws: Workspace, *, today: date | None = None, now: float | None = None) -> Pruned:
    """Remove outbox day folders and cached audio older than the workspace's retention."""
    days = ws.directory.data.retention_days
    result = Pruned()
    if days <= 0:
        return result
    today = today or date.today()
    cutoff_day = today - timedelta(days=days)
    if ws.outbox_dir.is_dir():
        for day_dir in ws.outbox_dir.glob("*/????-??-??"):
            try:
                day = date.fromisoformat(day_dir.name)
            except ValueError:
                continue
            if day < cutoff_day and day_dir.is_dir():
                shutil.rmtree(day_dir)
                result.folders += 1
    cutoff = (now or time.time()) - days * 86400
    for cache in (ws.var_dir / "speech", ws.var_dir / "icecast"):
        if not cache.is_dir():
            continue
        for path in cache.rglob("*"):
            try:
                stat = path.stat()
                if path.is_file() and max(stat.st_atime, stat.st_mtime) < cutoff:
                    path.unlink()
                    result.files += 1
            except FileNotFoundError:  # a worker replaced or removed it meanwhile
                continue
    if result.folders or result.files:
        logger.info("retention: removed %s outbox day folders and %s cached files",
                    result.folders, result.files)
    return result
