"""From a file on disk to facts and a draft: the one call the CLI makes."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from campaign.errors import InputError
from campaign.importer.draft import Draft, build_draft
from campaign.importer.extract import extract_documents
from campaign.importer.model import DocumentFacts
from campaign.importer.reading import read_document

if TYPE_CHECKING:
    from campaign.directory import Directory


@dataclass
class ImportResult:
    documents: list[DocumentFacts]
    draft: Draft
    ocr: list[dict[str, Any]] = field(default_factory=list)
    """Per scanned page: page number, mean word confidence, words, whether it was used."""

    def to_json(self) -> dict[str, Any]:
        """The shape `campaign import --json` prints: documents, then the draft campaign."""
        campaign = json.loads(json.dumps(self.draft.data, default=str, ensure_ascii=False))
        out: dict[str, Any] = {"documents": [d.to_json() for d in self.documents]}
        if self.ocr:
            out["ocr"] = self.ocr
        if self.draft.warnings:
            out["warnings"] = list(self.draft.warnings)
        out["campaign"] = campaign
        return out


def import_file(path: str | Path, *, today: dt.date | None = None,
                progress: bool = False, directory: Directory | None = None) -> ImportResult:
    """Read ``path``, extract the facts of every document in it and build the draft.

    ``progress`` shows a progress bar on standard error while scanned pages are read;
    ``directory`` is the workspace's, when the draft is written into one."""
    path = Path(path)
    raw = read_document(path, progress=progress)
    documents = extract_documents(raw.text, reflow=raw.format == "pdf")
    if not documents or not any(d.subject or d.kind or d.number or d.references
                                for d in documents):
        raise InputError.single(
            path, "Không nhận ra văn bản chỉ đạo: không thấy số, loại văn bản, trích yếu "
                  "hay văn bản được viện dẫn.",
            fix="Kiểm tra đúng tệp công văn/hướng dẫn/kế hoạch, có đủ phần đầu văn bản.")
    draft = build_draft(documents, today=today or dt.date.today(), source_file=path.name,
                        notes=list(raw.notes), directory=directory)
    return ImportResult(documents=documents, draft=draft,
                        ocr=[{"page": p.number, "confidence": round(p.confidence, 1),
                              "words": p.words, "used": p.readable} for p in raw.ocr])
