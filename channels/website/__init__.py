"""Website channel: articles on the ward's or city's information portal.

One adapter, three backends chosen per endpoint with ``deliver.via``::

    - id: web-tan-phong
      channel: website
      unit: tan-phong
      category: Tin tức - Sự kiện
      deliver: {via: wordpress, url: https://tanphong.gov.vn, user: bientap,
                password: env:WP_TAN_PHONG, status: publish}
    # or {via: nukeviet, url: https://…/api.php, apikey: …, apisecret: env:NV_SECRET, catid: 3}
    # or {via: package, path: var/website/tan-phong}   (portals without an API)
    # or {via: package, path: …, chat_id: "-100…", users: [111]}  (the bundle to the
    #    editor's Telegram; the editor answers "Đã đăng <URL>", see campaign/bot/evidence.py)

Publishing to WordPress or NukeViet is at most once (no idempotency key); the package route
only writes files and is safe to repeat.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import requests
from pydantic import ValidationError, model_validator

from channels.base import (
    AdapterContext,
    ConfigError,
    Delivery,
    EndpointConfig,
    Receipt,
    register,
)
from channels.http import HttpAdapter
from channels.website.article import build_article
from channels.website.nukeviet import NukevietBackend, NukevietRoute
from channels.website.package import (
    EditorConfirmation,
    PackageBackend,
    PackageRoute,
    published_receipt,
)
from channels.website.wordpress import WordpressBackend, WordpressRoute

__all__ = ["EditorConfirmation", "WebsiteAdapter", "WebsiteConfig", "published_receipt"]

log = logging.getLogger("channels.website")
ROUTES: dict[str, type[WordpressRoute] | type[NukevietRoute] | type[PackageRoute]] = {
    "wordpress": WordpressRoute, "nukeviet": NukevietRoute, "package": PackageRoute}
Route = WordpressRoute | NukevietRoute | PackageRoute


class WebsiteConfig(EndpointConfig):
    """A portal in ``directory.yaml``; ``category`` is the default for posts naming none."""

    channel: Literal["website"] = "website"
    category: str | None = None

    @model_validator(mode="after")
    def _route_ok(self) -> WebsiteConfig:
        self.route_options()
        return self

    def route_options(self) -> Route | None:
        """The typed ``deliver`` block; None for the outbox route (another adapter)."""
        if self.deliver is None:
            raise ValueError("Trang thông tin điện tử cần deliver.via: wordpress, nukeviet "
                             "hoặc package.")
        if self.deliver.via == "outbox":
            return None
        model = ROUTES.get(self.deliver.via)
        if model is None:
            raise ValueError(f"Trang thông tin điện tử không gửi được qua '{self.deliver.via}'. "
                             "Dùng deliver.via: wordpress, nukeviet hoặc package.")
        try:
            return model.model_validate({"via": self.deliver.via,
                                         **(self.deliver.model_extra or {})})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            reason = (first.get("ctx") or {}).get("error") or first["msg"]
            raise ValueError(f"deliver.{where}: {reason}") from None


@register("website")
class WebsiteAdapter(HttpAdapter[WebsiteConfig]):
    """Publishes one article per post to a portal, or writes the editor's bundle."""

    Config = WebsiteConfig
    routes = tuple(ROUTES)
    at_most_once = True
    log = log

    @classmethod
    def is_at_most_once(cls, endpoint: EndpointConfig) -> bool:
        """A bundle in a folder is rewritten identically; a CMS post or a message to the
        editor would be duplicated."""
        if endpoint.via == "package":
            return endpoint.option("chat_id") is not None
        return True

    def __init__(self, endpoint: EndpointConfig, context: AdapterContext,
                 session: requests.Session | None = None) -> None:
        if not isinstance(endpoint, WebsiteConfig):
            endpoint = WebsiteConfig.model_validate(endpoint.model_dump(by_alias=True))
        super().__init__(endpoint, context, session)
        route = endpoint.route_options()
        if route is None:
            raise ConfigError("Trang thông tin điện tử qua outbox do bộ gửi outbox xử lý.")
        self.backend: WordpressBackend | NukevietBackend | PackageBackend
        if isinstance(route, WordpressRoute):
            self.backend = WordpressBackend(route, context, self.http)
        elif isinstance(route, NukevietRoute):
            self.backend = NukevietBackend(route, context, self.http)
        else:
            self.backend = PackageBackend(route, context)

    def deliver(self, delivery: Delivery) -> Receipt:
        article = build_article(delivery, media_dir=self.context.media_dir,
                                workspace=self.context.workspace,
                                default_category=self.config.category)
        return self.backend.publish(article, delivery)

    def check(self) -> dict[str, Any]:
        return self.backend.check()
