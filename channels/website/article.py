"""The website article every backend publishes: title, body HTML, files, cover, category.

Built once from a post's content so WordPress, NukeViet and the upload package show the same
article. The body starts with the reference line of the guidance ("Thực hiện Công văn số …
ngày … của …"), because a portal editor is expected to cite what the article answers.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from channels.base import Delivery, PermanentError

IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
               ".gif": "image/gif", ".webp": "image/webp"}
FILE_TYPES = {".pdf": "application/pdf", ".doc": "application/msword",
              ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              ".xls": "application/vnd.ms-excel",
              ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              ".odt": "application/vnd.oasis.opendocument.text", ".txt": "text/plain",
              ".zip": "application/zip", **IMAGE_TYPES}


class SourceRef(BaseModel):
    """One guidance document the article answers (the campaign's ``source`` entries)."""

    model_config = ConfigDict(extra="ignore")
    kind: str | None = None
    number: str | None = None
    date: dt.date | None = None
    issuer: str | None = None
    subject: str | None = None
    file: str | None = None


class WebsiteContent(BaseModel):
    """The website variant of a message as the planner hands it over."""

    model_config = ConfigDict(extra="ignore")
    title: str = Field(min_length=1, max_length=300)
    text: str | None = None
    """Long text; paragraphs separated by a blank line."""
    html: str | None = None
    """Ready HTML body (used instead of ``text`` when given)."""
    excerpt: str | None = Field(default=None, max_length=1000)
    reference: str | None = None
    """An explicit reference line; otherwise built from ``sources``."""
    sources: list[SourceRef] = Field(default_factory=list)
    attachments: list[str] = Field(default_factory=list, max_length=30)
    """Files in media/ (the guidance itself, its annexes) offered for download."""
    cover: str | None = None
    category: str | None = None
    tags: list[str] = Field(default_factory=list, max_length=30)

    @model_validator(mode="after")
    def _has_body(self) -> WebsiteContent:
        if not (self.text or "").strip() and not (self.html or "").strip():
            raise ValueError("Bài viết cần 'text' hoặc 'html'.")
        return self


def vn_date(value: dt.date) -> str:
    return f"{value:%d/%m/%Y}"


def reference_line(sources: Sequence[SourceRef]) -> str | None:
    """``Thực hiện Công văn số 1587/UBND-KGVX ngày 20/02/2025 của UBND tỉnh Đồng Nai về …``.

    Several documents are joined with "; " after one "Thực hiện". Parts that are unknown are
    left out rather than guessed.
    """
    parts: list[str] = []
    for src in sources:
        if not (src.number or src.kind or src.subject):
            continue
        words = [src.kind or "văn bản"]
        if src.number:
            words.append(f"số {src.number}")
        if src.date:
            words.append(f"ngày {vn_date(src.date)}")
        if src.issuer:
            words.append(f"của {src.issuer}")
        if src.subject:
            subject = src.subject.strip()
            words.append(subject if subject.lower().startswith("về") else f"về {subject}")
        parts.append(" ".join(words))
    if not parts:
        return None
    return "Thực hiện " + "; ".join(parts) + "."


def text_to_html(text: str) -> str:
    """Paragraphs (blank-line separated) become ``<p>``; single line breaks ``<br>``."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "\n".join("<p>" + "<br>\n".join(html.escape(line) for line in p.split("\n")) + "</p>"
                     for p in paragraphs)


@dataclass(frozen=True)
class FileRef:
    """A file offered with the article: where it is here, and how people will see its name."""

    path: Path
    name: str

    @property
    def mime(self) -> str:
        return FILE_TYPES.get(self.path.suffix.lower(), "application/octet-stream")


@dataclass
class Article:
    """Everything a backend needs, independent of the CMS."""

    title: str
    intro_html: str
    """The reference line as HTML (empty when no source is known)."""
    body_html: str
    excerpt: str
    reference: str | None
    cover: FileRef | None
    attachments: list[FileRef] = field(default_factory=list)
    category: str | None = None
    tags: list[str] = field(default_factory=list)

    def html(self, links: Sequence[tuple[str, str]] = ()) -> str:
        """The full body: reference line, text, then the list of downloadable files.

        ``links`` are (label, URL) pairs of uploaded files; without URLs the files are named so
        the reader knows what to ask for.
        """
        parts = [p for p in (self.intro_html, self.body_html) if p]
        if links:
            items = "\n".join(f'<li><a href="{html.escape(url, quote=True)}">'
                              f"{html.escape(label)}</a></li>" for label, url in links)
            parts.append(f"<h3>Tài liệu đính kèm</h3>\n<ul>\n{items}\n</ul>")
        elif self.attachments:
            items = "\n".join(f"<li>{html.escape(f.name)}</li>" for f in self.attachments)
            parts.append(f"<h3>Tài liệu đính kèm</h3>\n<ul>\n{items}\n</ul>")
        return "\n".join(parts)


def resolve_file(name: str, media_dir: Path, workspace: Path) -> Path:
    """A file under media/ (or elsewhere in the workspace); refuse paths that leave them."""
    for root in (media_dir.resolve(), workspace.resolve()):
        path = (root / name).resolve()
        if path.is_relative_to(root) and path.is_file():
            return path
    raise PermanentError(f"Không tìm thấy tệp '{name}' trong thư mục media của thư mục làm việc. "
                         "Hãy chép tệp vào media/ rồi lập lịch lại.")


def build_article(delivery: Delivery, *, media_dir: Path, workspace: Path,
                  default_category: str | None = None) -> Article:
    """Validate the post's content and gather its files; PermanentError when it cannot be."""
    try:
        content = WebsiteContent.model_validate(dict(delivery.content))
    except ValidationError as exc:
        raise PermanentError("Nội dung bài viết cho trang thông tin điện tử không hợp lệ: cần "
                             "'title' và 'text' (hoặc 'html').",
                             detail={"fields": [".".join(map(str, e["loc"]))
                                                for e in exc.errors()]}) from None
    reference = (content.reference or "").strip() or reference_line(content.sources)
    intro = f'<p class="can-cu"><em>{html.escape(reference)}</em></p>' if reference else ""
    body = content.html.strip() if content.html and content.html.strip() else \
        text_to_html(content.text or "")
    names: list[str] = []
    for src in content.sources:  # the guidance document itself, when the campaign has it
        if src.file and src.file not in names:
            names.append(src.file)
    names += [n for n in content.attachments if n not in names]
    attachments = [FileRef(resolve_file(n, media_dir, workspace), Path(n).name) for n in names]
    cover = None
    if content.cover:
        path = resolve_file(content.cover, media_dir, workspace)
        if path.suffix.lower() not in IMAGE_TYPES:
            raise PermanentError(f"Ảnh bìa '{content.cover}' không phải ảnh JPG/PNG/GIF/WebP.")
        cover = FileRef(path, path.name)
    excerpt = (content.excerpt or "").strip() or _first_sentence(content.text or content.title)
    return Article(title=content.title.strip(), intro_html=intro, body_html=body,
                   excerpt=excerpt, reference=reference, cover=cover, attachments=attachments,
                   category=content.category or default_category, tags=list(content.tags))


def _first_sentence(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    cut = flat.find(". ")
    flat = flat[:cut + 1] if 0 < cut < limit else flat
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + "…"


def metadata(article: Article, delivery: Delivery) -> dict[str, Any]:
    """The metadata sheet of an article (package route, logs)."""
    return {"title": article.title, "category": article.category, "tags": article.tags,
            "excerpt": article.excerpt, "reference": article.reference,
            "publish_at": delivery.local_due.isoformat(), "campaign": delivery.campaign_id,
            "campaign_title": delivery.campaign_title, "message": delivery.message_id,
            "post_id": delivery.post_id, "unit": delivery.unit_name,
            "cover": article.cover.name if article.cover else None,
            "attachments": [f.name for f in article.attachments]}
