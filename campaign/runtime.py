"""Wiring a workspace to the delivery machinery (shared by `run`, `demo` and the service)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime

from campaign.workspace import Workspace
from channels.base import TokenStore
from schedules.dispatcher import Dispatcher
from schedules.ledger import SECRET_KEY_ENV, EncryptedTokenStore, Ledger
from schedules.models import utcnow


def secret_key(ws: Workspace) -> str | None:
    """The key that encrypts rotated tokens: environment first, then the workspace's .env."""
    return ws.secrets.setting(SECRET_KEY_ENV)


def token_store(ws: Workspace, ledger: Ledger | None = None) -> TokenStore | None:
    """The ledger's encrypted token store, when a key is configured (None otherwise)."""
    key = secret_key(ws)
    if not key:
        return None
    return EncryptedTokenStore(ledger or Ledger(ws.db_url), key=key)


def make_dispatcher(ws: Workspace, ledger: Ledger, *, owner: str | None = None,
                    clock: Callable[[], datetime] = utcnow, **kwargs: object) -> Dispatcher:
    directory = ws.directory
    context = ws.adapter_context(tokens=EncryptedTokenStore(ledger, key=secret_key(ws)))
    context.now = clock
    pacing: dict[str, object] = {"platform_rates": directory.platform_rates(),
                                 "endpoint_rates": directory.endpoint_rates(),
                                 "in_flight": directory.in_flight()}
    pacing.update(kwargs)  # a caller (tests, bench) may override the configured pacing
    return Dispatcher(ledger, directory.endpoints, context,
                      unit_names={u.id: u.name for u in directory.data.units},
                      owner=owner or os.environ.get("CAMPAIGN_OWNER"), clock=clock,
                      **pacing)  # type: ignore[arg-type]
