"""NukeViet backend: the remote API (``api.php``) of NukeViet 4.5+ portals.

Every call is a form POST carrying ``apikey``, ``timestamp`` (the server refuses more than 5 s
of clock skew), ``hashsecret`` = PHP ``password_hash(apisecret + "_" + timestamp)`` (bcrypt),
``module``, ``action`` and ``language``. The answer is HTTP 200 with ``{"status": "success" |
"error", "code": "00NN", "message": …}``.

NukeViet core documents the envelope, not an article-creating action of the news module: the
action name and field names are configurable and their defaults are written down in
docs/DECISIONS.md as unconfirmed. The API has no documented file upload, so the guidance and
attachments are linked from ``files_url`` (where the centre hosts them) or named in the body.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Literal
from urllib.parse import quote

import bcrypt
from pydantic import BaseModel, ConfigDict, Field, field_validator

from channels.base import AdapterContext, ConfigError, Delivery, Receipt, UnknownOutcomeError
from channels.http import HttpClient
from channels.secrets import env_reference
from channels.website.article import Article
from channels.website.errors import map_nukeviet

log = logging.getLogger("channels.website.nukeviet")


class NukevietRoute(BaseModel):
    """``deliver: {via: nukeviet, url, apikey, apisecret: env:NAME, module, action, catid}``."""

    model_config = ConfigDict(extra="forbid")
    via: Literal["nukeviet"]
    url: str = Field(description="The portal's api.php, e.g. https://tanphong.gov.vn/api.php")
    apikey: str = Field(min_length=1, description="The credential's identifier (or env:NAME)")
    apisecret: str = Field(description="env:NAME of the credential's secret")
    module: str = "news"
    action: str = "CreatArticle"
    language: str = "vi"
    catid: int | None = Field(default=None, gt=0)
    status: Literal["publish", "draft"] = "publish"
    files_url: str | None = None
    """Public folder where the centre puts the guidance and attachments (links in the body)."""

    @field_validator("apisecret")
    @classmethod
    def _secret_ref(cls, value: str) -> str:
        return env_reference(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("url phải là địa chỉ http(s)://…/api.php của cổng thông tin.")
        value = value.rstrip("/")
        return value if value.endswith(".php") else f"{value}/api.php"


def hashsecret(secret: str, timestamp: int) -> str:
    """PHP ``password_hash(secret . '_' . timestamp, PASSWORD_DEFAULT)``: bcrypt, ``$2y$``.

    PHP's ``password_verify`` accepts ``$2b$`` too on current versions; ``$2y$`` is what PHP
    itself writes, so older portals accept it as well.
    """
    digest = bcrypt.hashpw(f"{secret}_{timestamp}".encode(), bcrypt.gensalt(rounds=10))
    return "$2y$" + digest.decode()[4:]


class NukevietBackend:
    """One portal, one API credential."""

    def __init__(self, route: NukevietRoute, context: AdapterContext, http: HttpClient) -> None:
        self.route = route
        self.context = context
        self.http = http

    def _credential(self) -> dict[str, str]:
        key = self.route.apikey
        if key.startswith("env:"):
            key = self.context.secrets(key)
        secret = self.context.secrets(self.route.apisecret)
        self.http.remember(secret)
        stamp = int(time.time())
        return {"apikey": key, "timestamp": str(stamp), "hashsecret": hashsecret(secret, stamp)}

    def _call(self, fields: dict[str, Any], *, what: str, publishing: bool) -> dict[str, Any]:
        data = {**self._credential(), "module": self.route.module, "language":
                self.route.language, **fields}
        response = self.http.request("POST", self.route.url, what=what, may_act=publishing,
                                     data=data, headers={"Accept": "application/json"})
        return map_nukeviet(response, what=what, publishing=publishing,
                            secrets=tuple(self.http._secrets))  # noqa: SLF001

    def _links(self, article: Article) -> list[tuple[str, str]]:
        if not self.route.files_url:
            return []
        base = self.route.files_url.rstrip("/")
        return [(f.name, f"{base}/{quote(f.name)}") for f in article.attachments]

    def publish(self, article: Article, delivery: Delivery) -> Receipt:
        fields: dict[str, Any] = {
            "action": self.route.action, "title": article.title, "hometext": article.excerpt,
            "bodyhtml": article.html(self._links(article)),
            "keywords": ", ".join(article.tags),
            "sourcetext": article.reference or "",
            "publtime": str(int(delivery.due_at.timestamp())),
            "status": "1" if self.route.status == "publish" else "0",
        }
        catid = self.route.catid or (int(article.category) if article.category
                                     and str(article.category).isdigit() else None)
        if catid:
            fields["catid"] = str(catid)
        if article.cover and self.route.files_url:
            fields["homeimgfile"] = f"{self.route.files_url.rstrip('/')}/{quote(article.cover.name)}"
        body = self._call(fields, what="đăng bài lên cổng thông tin", publishing=True)
        raw_data = body.get("data")
        data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
        article_id = body.get("id") or data.get("id")
        url = body.get("link") or body.get("url") or data.get("link") or data.get("url")
        if article_id is None and url is None:
            raise UnknownOutcomeError(
                "NukeViet báo thành công nhưng không trả mã hay đường dẫn bài; hãy mở cổng "
                "thông tin, tìm bài rồi xác nhận kèm đường dẫn.", detail={"body_keys": sorted(body)})
        detail = {"url": url, "status": self.route.status,
                  "files_linked": bool(self.route.files_url) or not article.attachments}
        log.info("nukeviet: đã gửi bài %s", article_id)
        return Receipt(evidence="posted" if self.route.status == "publish" else "pushed",
                       external_id=str(article_id) if article_id is not None else None,
                       detail=detail)

    def check(self) -> dict[str, Any]:
        """Send the credential with no action: NukeViet verifies the key, IP, time and secret
        first and only then answers "Missing Api Command" (0015), so that answer proves the
        credential without running anything."""
        try:
            self._call({"action": ""}, what="kiểm tra khoá API NukeViet", publishing=False)
        except ConfigError as exc:
            if exc.code == "0015":
                return {"ok": True, "via": "nukeviet", "module": self.route.module}
            raise
        return {"ok": True, "via": "nukeviet", "module": self.route.module}
