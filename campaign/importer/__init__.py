"""Turn a guidance document (công văn, hướng dẫn, kế hoạch …) into facts and a draft campaign.

Operators receive these documents as .docx, .pdf or pasted text and used to retype them. The
package is split by job so each piece can be read and tested alone:

* :mod:`reading`     – bytes on disk → plain text (txt/md, docx, pdf text layer), bad files refused
* :mod:`cleanup`     – the text normalised into lines (markdown, broken symbols, page breaks)
* :mod:`header`      – the administrative header and footer: kind, number, place, date, subject,
                       recipients, signer, copies; splitting attached documents
* :mod:`references`  – documents cited in the body ("Nghị quyết số 57-NQ/TW ngày …")
* :mod:`channels`    – forms of propaganda named → channel kinds
* :mod:`deadlines`   – report deadlines, one-off or recurring
* :mod:`themes`      – propaganda themes from the "Nội dung tuyên truyền" section
* :mod:`extract`     – the pieces above assembled into :class:`DocumentFacts`
* :mod:`draft`       – the draft campaign YAML, with comments saying what is left to write
"""

from __future__ import annotations

from campaign.importer.draft import Draft, build_draft
from campaign.importer.extract import extract_documents
from campaign.importer.model import DocumentFacts
from campaign.importer.pipeline import ImportResult, import_file

__all__ = ["Draft", "DocumentFacts", "ImportResult", "build_draft", "extract_documents",
           "import_file"]
