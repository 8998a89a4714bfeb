"""The importer's measured test set: documents written for the tests in the forms operators
receive (portal copies, PDF table headers, compound symbols, two-line issuers, blank dates,
loudspeaker wording), with the facts a person reads in each, and the fact-level score."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from campaign.importer.model import DocumentFacts

CORPUS = Path(__file__).parent / "corpus"
FACTS = ("kind", "number", "date", "place", "issuer", "subject", "recipients", "references",
         "channels", "deadlines")


def cases() -> dict[str, dict[str, Any]]:
    """File name → expected facts."""
    return json.loads((CORPUS / "facts.json").read_text(encoding="utf-8"))


def lines_of(name: str) -> list[str]:
    return (CORPUS / name).read_text(encoding="utf-8").split("\n")


def actual(doc: DocumentFacts) -> dict[str, Any]:
    """The facts of ``doc`` in the shape facts.json writes them."""
    deadlines = [d.date.isoformat() if d.date else f"{d.day}/{d.month or '*'}"
                 for d in doc.deadlines]
    return {"kind": doc.kind, "number": doc.number,
            "date": doc.date.isoformat() if doc.date else None, "place": doc.place,
            "issuer": doc.issuer, "subject": doc.subject, "recipients": list(doc.recipients),
            "references": [r.number for r in doc.references], "channels": list(doc.channels),
            "deadlines": deadlines}


def score(got: dict[str, Any], want: dict[str, Any]) -> tuple[int, int, list[str]]:
    """(right, counted, misses). A single fact counts once; a list counts each expected item
    and each spurious one, so finding too much costs as much as missing."""
    right = counted = 0
    misses: list[str] = []
    for fact in FACTS:
        expected, found = want[fact], got[fact]
        if isinstance(expected, list):
            hits = [item for item in expected if item in found]
            extra = [item for item in found if item not in expected]
            right += len(hits)
            counted += len(expected) + len(extra)
            if len(hits) < len(expected) or extra:
                misses.append(f"{fact}: want {expected}, got {found}")
        else:
            counted += 1
            if expected == found:
                right += 1
            else:
                misses.append(f"{fact}: want {expected!r}, got {found!r}")
    return right, counted, misses
