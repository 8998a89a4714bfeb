"""Assemble the facts of every document in a text: header, references, channels, deadlines,
themes. Kept apart from reading so tests can feed text directly."""

from __future__ import annotations

from campaign.importer.casing import learn_casing
from campaign.importer.channels import find_channels, find_print_kinds
from campaign.importer.cleanup import clean_lines, flat
from campaign.importer.deadlines import find_deadlines
from campaign.importer.header import read_header, split_documents
from campaign.importer.model import DocumentFacts
from campaign.importer.references import find_references
from campaign.importer.slogans import find_slogans
from campaign.importer.themes import descriptive_paragraphs, find_purpose, find_themes
from campaign.importer.timing import find_timings


def extract_documents(text: str, *, reflow: bool = False) -> list[DocumentFacts]:
    """Facts of each document in ``text``; the first is the main one."""
    lines = clean_lines(text, reflow=reflow)
    return [_extract(doc) for doc in split_documents(lines)]


def _extract(lines: list[str]) -> DocumentFacts:
    header = read_header(lines)
    facts = DocumentFacts(
        kind=header.kind, number=header.number, issuer=header.issuer, place=header.place,
        date=header.date, year=header.year, subject=header.subject,
        recipients=header.recipients, copies_to=header.copies_to, signer=header.signer)
    facts.references = find_references(flat(lines), own_number=header.number)
    facts.channels = find_channels(lines)
    facts.print_kinds = find_print_kinds(lines)
    year = header.year or (header.date.year if header.date else None)
    facts.deadlines = find_deadlines([line for line in lines if line], year=year)
    facts.themes = find_themes(lines)
    facts.purpose = find_purpose(lines)
    facts.slogans = find_slogans(lines)
    facts.timings = find_timings(lines, year=year)
    facts.casing = learn_casing(lines)
    facts.excerpt = [p for p in descriptive_paragraphs([line for line in lines if line])
                     if p != header.subject]
    return facts
