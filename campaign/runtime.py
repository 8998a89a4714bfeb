"""Wiring a workspace to the delivery machinery (shared by `run`, `demo` and the service)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime

from campaign.workspace import Workspace
from schedules.dispatcher import Dispatcher
from schedules.ledger import EncryptedTokenStore, Ledger
from schedules.models import utcnow


def make_dispatcher(ws: Workspace, ledger: Ledger, *, owner: str | None = None,
                    clock: Callable[[], datetime] = utcnow, **kwargs: object) -> Dispatcher:
    directory = ws.directory
    context = ws.adapter_context(tokens=EncryptedTokenStore(ledger))
    context.now = clock
    return Dispatcher(ledger, directory.endpoints, context,
                      unit_names={u.id: u.name for u in directory.data.units},
                      owner=owner or os.environ.get("CAMPAIGN_OWNER"), clock=clock,
                      **kwargs)  # type: ignore[arg-type]
