"""Package backend: a ready-to-upload bundle for portals without an API.

SharePoint, Liferay and vendor portals are updated by an editor by hand. The bundle holds
everything the editor needs, named the same way every time::

    <path>/<YYYY-MM-DD>-<message>-<post id>/
        bai-viet.html        the article as it should appear (reference line, text, files)
        noi-dung.html        the body alone, to paste into the portal's editor
        thong-tin.json       metadata sheet (title, category, tags, excerpt, time, files)
        thong-tin.txt        the same sheet for people, in Vietnamese
        anh/<cover>          the cover image
        tep/<files>          the guidance document and its attachments

The folder is built beside its final place and renamed into it, so a sync tool or the editor
never sees half a bundle; building it again gives the same bytes. The editor then confirms
"Đã đăng" with the article's URL (through the bot, added separately): :func:`published_receipt`
is the evidence that confirmation turns into.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from channels.base import (
    AdapterContext,
    Delivery,
    PermanentError,
    Receipt,
    TransientError,
    check_folder,
)
from channels.website.article import Article, metadata

PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head>
<body>
<h1>{title}</h1>
{cover}{body}
</body></html>
"""


class PackageRoute(BaseModel):
    """``deliver: {via: package, path: var/website/tan-phong}``; with ``chat_id`` (and the
    editor's Telegram ``users``) the bundle is also sent as a .zip to the editor's chat."""

    model_config = ConfigDict(extra="forbid")
    via: Literal["package"]
    path: str
    chat_id: int | str | None = None
    users: list[int] = Field(default_factory=list)
    """Telegram user ids whose "Đã đăng <URL>" the bot accepts for this portal."""


def bundle_name(delivery: Delivery) -> str:
    return f"{delivery.local_due:%Y-%m-%d}-{delivery.message_id}-{delivery.post_id}"


def _sheet_text(meta: dict[str, Any]) -> str:
    lines = [f"Tiêu đề: {meta['title']}",
             f"Chuyên mục: {meta['category'] or '(chưa chọn)'}",
             f"Thẻ: {', '.join(meta['tags']) or '(không có)'}",
             f"Thời điểm đăng: {meta['publish_at']}",
             f"Căn cứ: {meta['reference'] or '(không có)'}",
             f"Tóm tắt: {meta['excerpt']}",
             f"Ảnh đại diện: {('anh/' + meta['cover']) if meta['cover'] else '(không có)'}",
             "Tệp đính kèm:", *[f"  - tep/{name}" for name in meta["attachments"]],
             "", "Cách làm: đăng bài lên cổng thông tin (dán noi-dung.html vào trình soạn thảo, "
             "tải các tệp trong tep/ lên và gắn đường dẫn), rồi xác nhận \"Đã đăng\" kèm đường "
             "dẫn bài viết."]
    return "\n".join(lines) + "\n"


class PackageBackend:
    """Writes bundles under one folder."""

    def __init__(self, route: PackageRoute, context: AdapterContext) -> None:
        self.route = route
        self.context = context

    @property
    def root(self) -> Path:
        base = Path(self.route.path)
        return base if base.is_absolute() else self.context.workspace / base

    def publish(self, article: Article, delivery: Delivery) -> Receipt:
        name = bundle_name(delivery)
        final = self.root / name
        meta = metadata(article, delivery)
        links = [(f.name, f"tep/{f.name}") for f in article.attachments]
        cover = (f'<p><img src="anh/{html.escape(article.cover.name, quote=True)}" alt=""></p>\n'
                 if article.cover else "")
        body = article.html(links)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=self.root))
            try:
                (tmp / "bai-viet.html").write_text(PAGE.format(
                    title=html.escape(article.title), cover=cover, body=body), encoding="utf-8")
                (tmp / "noi-dung.html").write_text(body + "\n", encoding="utf-8")
                (tmp / "thong-tin.json").write_text(
                    json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
                (tmp / "thong-tin.txt").write_text(_sheet_text(meta), encoding="utf-8")
                if article.cover:
                    (tmp / "anh").mkdir()
                    shutil.copyfile(article.cover.path, tmp / "anh" / article.cover.name)
                if article.attachments:
                    (tmp / "tep").mkdir()
                    for file in article.attachments:
                        shutil.copyfile(file.path, tmp / "tep" / file.name)
                swap_in_folder(tmp, final)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError as exc:
            raise TransientError(f"Không ghi được gói bài viết vào {self.root}: "
                                 f"{exc.strerror or exc}.") from None
        files = sorted(str(p.relative_to(final)) for p in final.rglob("*") if p.is_file())
        if self.route.chat_id is not None:
            return self._send(final, name, files, article, delivery)
        return Receipt("written", external_id=name,
                       detail={"folder": str(final), "files": files, "awaiting": "editor"})

    def _send(self, final: Path, name: str, files: list[str], article: Article,
              delivery: Delivery) -> Receipt:
        """The bundle as one .zip to the editor's chat, then what to do and how to confirm."""
        from channels.telegram_docs import Document, send_documents

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for rel in files:
                info = zipfile.ZipInfo(f"{name}/{rel}", date_time=(2000, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, (final / rel).read_bytes())
        when = f"{delivery.local_due:%H:%M ngày %d/%m/%Y}"
        text = (f"📰 Bài cần đăng lên cổng thông tin — {delivery.unit_name}\n"
                f"Tiêu đề: {article.title}\n"
                f"Chuyên mục: {article.category or '(chưa chọn)'}\n"
                f"Đăng lúc: {when}\n"
                + (f"Căn cứ: {article.reference}\n" if article.reference else "")
                + "\nGói đính kèm có bài viết (bai-viet.html, noi-dung.html), ảnh và tệp "
                  "đính kèm.\nSau khi đăng, xin TRẢ LỜI tin nhắn này: Đã đăng <đường dẫn bài "
                  "viết>")
        ids = send_documents(self.context, self.route.chat_id or "", [
            Document(f"{name}.zip", buffer.getvalue(), f"Gói bài viết: {article.title}")], text)
        return Receipt("sent", external_id=str(ids[-1]),
                       detail={"folder": str(final), "files": files, "awaiting": "editor",
                               "chat_id": str(self.route.chat_id), "message_ids": ids})

    def check(self) -> dict[str, Any]:
        if self.route.chat_id is not None:
            from channels.telegram_docs import check_membership

            return {**check_membership(self.context, self.route.chat_id),
                    "path": str(self.root)}
        check_folder(self.root)
        return {"ok": True, "via": "package", "path": str(self.root)}


def swap_in_folder(tmp: Path, final: Path) -> None:
    """Replace ``final`` by ``tmp`` with renames only (an old bundle is moved aside first)."""
    old: Path | None = None
    if final.exists():
        old = final.with_name(f".old-{final.name}-{os.getpid()}")
        os.replace(final, old)
    try:
        os.replace(tmp, final)
    except OSError:
        if old is not None:
            os.replace(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- confirmation hook
@dataclass(frozen=True)
class EditorConfirmation:
    """An editor's "Đã đăng" for a package: the hook the Telegram bot fills in later."""

    post_id: int
    url: str
    sender: str
    """Who confirmed (Telegram user id or name), for the log."""
    confirmed_at: dt.datetime
    article_id: str | None = None


def published_receipt(confirmation: EditorConfirmation) -> Receipt:
    """The evidence a confirmed package becomes: the article's URL (and id when known).

    Refuses a URL that is not an absolute http(s) address, so a slip of the thumb in the chat
    does not become a report line.
    """
    parts = urlsplit(confirmation.url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PermanentError(f"Đường dẫn bài viết '{confirmation.url}' không hợp lệ: cần địa "
                             "chỉ đầy đủ bắt đầu bằng http:// hoặc https://.")
    if confirmation.confirmed_at.tzinfo is None:
        raise ValueError("confirmed_at must be an aware datetime")
    return Receipt("posted", external_id=confirmation.article_id or confirmation.url.strip(),
                   detail={"url": confirmation.url.strip(), "confirmed_by": confirmation.sender,
                           "confirmed_at": confirmation.confirmed_at.astimezone(dt.UTC)
                           .isoformat()})
