"""Typed shapes of the rows :mod:`campaign.queries` hands to pages, exports and the CLI.

They are TypedDicts rather than dataclasses because templates, exports and tests read them by
key (``row["at"]``) and a few consumers add a key of their own (the dashboard's ``days_left``);
the type checker now knows each key and its type without changing how the rows are used.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NotRequired, TypedDict


class CampaignProgress(TypedDict):
    """One campaign's facts and its progress counts (:func:`campaign.queries.campaign_progress`)."""

    id: str
    title: str
    timezone: str
    priority: str
    period_start: date
    period_end: date
    report_due: date | None
    report_to: str | None
    approved: bool
    approved_by: str | None
    approved_at: datetime | None
    ever_approved: bool
    channels: dict[str, dict[str, int]]
    """Channel → counts keyed by :data:`campaign.queries.PROGRESS_KEYS`, in display order."""
    total: dict[str, int]
    days_left: NotRequired[int | None]
    """Days until the report is due; filled in by the dashboard, which knows today's date."""


class LogRow(TypedDict):
    """One delivery log entry joined with its post (log pages, exports, ``campaign log``)."""

    id: int
    at: datetime
    event: str
    campaign: str | None
    post_id: int | None
    post_key: str | None
    unit: str | None
    channel: str | None
    message: str | None
    endpoint: str | None
    actor: str | None
    detail: dict[str, Any]


class ProblemPost(TypedDict):
    """A failed or unconfirmed post in the operator's work queue."""

    id: int
    key: str
    campaign_id: str
    message_id: str
    channel: str
    unit_id: str
    endpoint_id: str
    slot_at: datetime
    state: str
    attempts: int
    last_error: str | None
    updated_at: datetime


class DeliverySummary(TypedDict):
    """What the results report states (:func:`campaign.queries.delivery_summary`).

    A bucket holds counts (planned, sent, played, not_played, received, failed, unconfirmed,
    expired) and the ``first``/``last`` delivery instants (None before the first send); it is
    a plain dict because the counts are filled by state name."""

    by_channel: dict[str, dict[str, Any]]
    by_unit: dict[str, dict[str, dict[str, Any]]]
    """Unit → channel → bucket."""
    unconfirmed_units: dict[str, int]
    """Unit → loudspeaker broadcasts sent but not confirmed as played."""
