"""WordPress backend: the REST API (``/wp-json/wp/v2``) with an Application Password.

Order of calls for one article: look up the category (and tags, creating missing tags), upload
the cover and the files to ``/media`` (raw body with ``Content-Disposition``), then one
``POST /posts``. Only that last call can make something public, so only it is ``publishing``:
a lost answer to it is an unknown outcome. Media left behind by a failed attempt are invisible
to readers (unattached library items) and harmless to repeat.
"""

from __future__ import annotations

import base64
import html
import logging
import re
import unicodedata
from datetime import UTC
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from channels.base import AdapterContext, Delivery, PermanentError, Receipt, UnknownOutcomeError
from channels.http import HttpClient
from channels.secrets import env_reference
from channels.website.article import Article, FileRef
from channels.website.errors import map_wordpress

log = logging.getLogger("channels.website.wordpress")


class WordpressRoute(BaseModel):
    """``deliver: {via: wordpress, url, user, password: env:NAME, status, category}``."""

    model_config = ConfigDict(extra="forbid")
    via: Literal["wordpress"]
    url: str = Field(description="The site's address, e.g. https://tanphong.gov.vn")
    user: str = Field(min_length=1)
    password: str = Field(description="env:NAME of the Application Password")
    status: Literal["publish", "future", "draft"] = "publish"
    category: str | int | None = None
    """Category name or id used when a post names none."""

    @field_validator("password")
    @classmethod
    def _password_ref(cls, value: str) -> str:
        return env_reference(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("url phải là địa chỉ http(s)://, ví dụ https://tanphong.gov.vn.")
        return value.rstrip("/")


def ascii_filename(name: str) -> str:
    """A Content-Disposition-safe file name: diacritics folded, other characters dashed."""
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    stem, dot, ext = plain.rpartition(".")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem if dot else plain).strip("-") or "tep"
    return f"{stem}.{re.sub(r'[^A-Za-z0-9]', '', ext)}" if dot else stem


class WordpressBackend:
    """One site, one user."""

    def __init__(self, route: WordpressRoute, context: AdapterContext, http: HttpClient) -> None:
        self.route = route
        self.context = context
        self.http = http

    # ----------------------------------------------------------------- plumbing
    def _headers(self) -> dict[str, str]:
        password = self.context.secrets(self.route.password)
        token = base64.b64encode(f"{self.route.user}:{password}".encode()).decode()
        self.http.remember(password, token, password.replace(" ", ""))
        return {"Authorization": f"Basic {token}", "Accept": "application/json"}

    def _call(self, method: str, path: str, *, what: str, publishing: bool = False,
              **kw: Any) -> Any:
        headers = {**self._headers(), **kw.pop("headers", {})}
        response = self.http.request(method, f"{self.route.url}/wp-json/wp/v2/{path}",
                                     what=what, may_act=publishing, headers=headers, **kw)
        return map_wordpress(response, what=what, publishing=publishing,
                             secrets=tuple(self.http._secrets))  # noqa: SLF001

    # ----------------------------------------------------------------- terms
    def _term(self, taxonomy: str, name: str | int, *, create: bool) -> int:
        if isinstance(name, int) or str(name).isdigit():
            return int(name)
        label = "chuyên mục" if taxonomy == "categories" else "thẻ"
        found = self._call("GET", taxonomy, params={"search": name, "per_page": 100},
                           what=f"tìm {label} '{name}'")
        for term in found if isinstance(found, list) else []:
            if html.unescape(str(term.get("name", ""))).casefold() == str(name).casefold():
                return int(term["id"])
        if not create:
            raise PermanentError(f"Trang web chưa có chuyên mục '{name}'. Hãy tạo chuyên mục này "
                                 "trong WordPress hoặc sửa tên chuyên mục.")
        made = self._call("POST", taxonomy, json_data={"name": str(name)},
                          what=f"tạo {label} '{name}'")
        return int(made["id"])

    def _upload(self, file: FileRef) -> dict[str, Any]:
        name = ascii_filename(file.name)
        body = self._call("POST", "media", data=file.path.read_bytes(),
                          headers={"Content-Type": file.mime,
                                   "Content-Disposition": f'attachment; filename="{name}"'},
                          what=f"tải tệp {file.name} lên")
        if not isinstance(body, dict) or "id" not in body:
            raise PermanentError(f"WordPress không trả mã tệp khi tải {file.name} lên.")
        return body

    # ----------------------------------------------------------------- contract
    def publish(self, article: Article, delivery: Delivery) -> Receipt:
        categories = [self._term("categories", article.category, create=False)] \
            if article.category else []
        tags = [self._term("tags", t, create=True) for t in article.tags]
        featured = self._upload(article.cover)["id"] if article.cover else None
        links: list[tuple[str, str]] = []
        media_ids: list[int] = []
        for file in article.attachments:
            up = self._upload(file)
            media_ids.append(int(up["id"]))
            links.append((file.name, str(up.get("source_url") or up.get("link") or "")))
        post: dict[str, Any] = {"title": article.title, "content": article.html(links),
                                "excerpt": article.excerpt, "status": self.route.status}
        if categories:
            post["categories"] = categories
        if tags:
            post["tags"] = tags
        if featured is not None:
            post["featured_media"] = featured
        if self.route.status == "future":
            post["date_gmt"] = delivery.due_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        body = self._call("POST", "posts", json_data=post, what="đăng bài lên trang web",
                          publishing=True)
        post_id = body.get("id") if isinstance(body, dict) else None
        if not post_id:
            raise UnknownOutcomeError("WordPress trả lời thành công nhưng không có mã bài; hãy "
                                      "kiểm tra trang rồi xác nhận.")
        status = str(body.get("status") or self.route.status)
        detail = {"url": body.get("link"), "status": status, "media": media_ids,
                  **({"featured_media": featured} if featured else {})}
        log.info("wordpress: đã gửi bài %s (%s)", post_id, status)
        return Receipt(evidence="posted" if status == "publish" else "pushed",
                       external_id=str(post_id), detail=detail)

    def check(self) -> dict[str, Any]:
        """Who the Application Password logs in as, and whether they may publish."""
        me = self._call("GET", "users/me", params={"context": "edit"},
                        what="kiểm tra tài khoản WordPress")
        caps = me.get("capabilities") if isinstance(me, dict) else None
        needed = ("publish_posts", "upload_files")
        missing = [c for c in needed if isinstance(caps, dict) and not caps.get(c)]
        return {"ok": not missing, "via": "wordpress", "user": me.get("username") or me.get("name"),
                "missing": missing}
