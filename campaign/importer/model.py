"""The facts read from one guidance document, in the JSON shape `campaign import --json` prints."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reference:
    """A document the text cites: "Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị"."""

    kind: str
    number: str
    date: dt.date | None = None
    issuer: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "number": self.number,
                "date": self.date.isoformat() if self.date else None, "issuer": self.issuer}


@dataclass
class Deadline:
    """A date by which something is due; ``recurring`` deadlines have no year.

    ``to`` (who the report goes to) helps the draft but is not part of the published facts.
    """

    text: str
    date: dt.date | None = None
    month: int | None = None
    day: int | None = None
    recurring: str | None = None  # "yearly" | "monthly"
    to: str | None = None

    @property
    def is_report(self) -> bool:
        low = self.text.lower()
        return "báo cáo" in low or "gửi về" in low or "kết quả" in low

    def next_on_or_after(self, start: dt.date) -> dt.date | None:
        """The concrete date of this deadline on or after ``start``."""
        if self.date is not None:
            return self.date
        if self.recurring == "yearly" and self.month and self.day:
            for year in (start.year, start.year + 1):
                try:
                    candidate = dt.date(year, self.month, self.day)
                except ValueError:
                    return None
                if candidate >= start:
                    return candidate
        if self.recurring == "monthly" and self.day:
            year, month = start.year, start.month
            for _ in range(3):
                try:
                    candidate = dt.date(year, month, self.day)
                except ValueError:  # day 31 in a 30-day month: try the next month
                    pass
                else:
                    if candidate >= start:
                        return candidate
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return None

    def to_json(self) -> dict[str, Any]:
        if self.recurring:
            out: dict[str, Any] = {}
            if self.month is not None:
                out["month"] = self.month
            out.update({"day": self.day, "recurring": self.recurring, "text": self.text})
            return out
        return {"date": self.date.isoformat() if self.date else None, "text": self.text}


@dataclass
class Theme:
    """One thing to tell people, with the points the document lists under it."""

    title: str
    points: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "points": list(self.points)}


@dataclass
class Signer:
    name: str | None
    title: str | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title}


@dataclass
class DocumentFacts:
    """Everything a person needs from one document, as written (spaces in symbols removed)."""

    kind: str | None = None
    number: str | None = None
    issuer: str | None = None
    place: str | None = None
    date: dt.date | None = None
    year: int | None = None
    subject: str | None = None
    recipients: list[str] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    signer: Signer | None = None
    copies_to: list[str] = field(default_factory=list)
    excerpt: list[str] = field(default_factory=list)
    """Explanatory paragraphs for drafting posts; not part of the published facts."""
    purpose: list[str] = field(default_factory=list)
    """Sentences of the purpose section addressed to people (material for posts)."""
    slogans: list[str] = field(default_factory=list)
    """Slogans the document lists, verbatim."""
    print_kinds: list[str] = field(default_factory=list)
    """Printed products named as forms (bang-ron, phuon, pano, ap-phich, to-roi)."""
    timings: list[Any] = field(default_factory=list)
    """:class:`campaign.importer.timing.Timing`: days, times, periods the document states."""
    casing: dict[str, str] = field(default_factory=dict)
    """How the document capitalises words mid-sentence (for sentence-casing its headings)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "number": self.number, "issuer": self.issuer,
            "place": self.place, "date": self.date.isoformat() if self.date else None,
            "year": self.year, "subject": self.subject, "recipients": list(self.recipients),
            "references": [r.to_json() for r in self.references],
            "channels": list(self.channels),
            "deadlines": [d.to_json() for d in self.deadlines],
            "themes": [t.to_json() for t in self.themes],
            "signer": self.signer.to_json() if self.signer else None,
            "copies_to": list(self.copies_to),
            "slogans": list(self.slogans),
            "print_kinds": list(self.print_kinds),
            "schedule": [t.to_json() for t in self.timings],
        }
