"""The managers' dashboard: server-rendered Vietnamese pages over the ledger.

Every number comes from :mod:`campaign.queries` (the same read path as the CLI and the report);
every change goes through :mod:`schedules.operations` or :mod:`campaign.approval`, which log who
did it. No JavaScript and nothing from the internet: centres often sit behind poor links.

This module only assembles: one router each for pages, actions (forms), exports and media,
over one shared :class:`~campaign.web.dashboard.Dashboard`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware

from campaign.web.actions import Actions
from campaign.web.dashboard import Dashboard
from campaign.web.exports import Exports
from campaign.web.media import Media
from campaign.web.pages import Pages
from campaign.web.security import LoginGate
from campaign.web.users import LoginLimiter
from campaign.web.wards import Wards
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from schedules.models import utcnow

__all__ = ["Dashboard", "create_app"]


def create_app(workspace: Workspace, ledger: Ledger, *, secret: str,
               https_only: bool = False, clock: Callable[[], datetime] = utcnow,
               limiter: LoginLimiter | None = None, session_hours: int = 8) -> Starlette:
    """The dashboard as an ASGI app. ``secret`` signs the session cookie: keep it stable
    across restarts (or everybody is logged out) and out of the code."""
    if len(secret) < 16:
        raise ValueError("secret must be at least 16 characters")
    dash = Dashboard(workspace, ledger, clock=clock, limiter=limiter)
    routes = [route for router in (Actions(dash), Pages(dash), Exports(dash), Media(dash),
                                          Wards(dash))
              for route in router.routes()]
    middleware = [
        Middleware(SessionMiddleware, secret_key=secret, session_cookie="campaign_session",
                   max_age=session_hours * 3600, same_site="lax", https_only=https_only),
        Middleware(LoginGate),
    ]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: dash.error})
    app.state.ledger = ledger
    app.state.dashboard = dash
    return app
