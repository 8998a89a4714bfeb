"""Web dashboard for managers: progress, confirmations, the delivery log, actions by role."""

from __future__ import annotations

from campaign.web.app import create_app

__all__ = ["create_app"]
