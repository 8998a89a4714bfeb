"""Dates as Vietnamese administrative text writes them: "20/02/2025", "ngày 20 tháng 02 năm 2025"."""

from __future__ import annotations

import datetime as dt
import re

# A numeric date: 22/12/2024, 28/2/2025, 15.3.2025, 15-3-2025
NUMERIC = r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})"
# A written date: "22 tháng 12 năm 2024"
WRITTEN = r"(\d{1,2})\s+tháng\s+(\d{1,2})\s*,?\s*năm\s+(\d{4})"
ANY_DATE = rf"(?:{NUMERIC}|{WRITTEN})"


def make_date(day: str | int | None, month: str | int | None,
              year: str | int | None) -> dt.date | None:
    """A date, or None when a part is missing or the date does not exist (31/02)."""
    try:
        return dt.date(int(year), int(month), int(day))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def parse_any(text: str) -> dt.date | None:
    """The first date written in ``text`` in either form."""
    match = re.search(ANY_DATE, text)
    if not match:
        return None
    groups = match.groups()
    day, month, year = groups[0:3] if groups[0] else groups[3:6]
    return make_date(day, month, year)
