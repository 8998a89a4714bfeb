"""A local Graph API (Facebook Pages) that behaves like the documented one.

It checks method, version prefix, path, the access token and the form/multipart fields, answers
with Graph's success shapes and its error body (``{"error": {"message", "type", "code",
"error_subcode", "fbtrace_id"}}``, mostly with HTTP 400), and can be scripted to fail: error
codes, HTTP statuses, usage headers, slow answers (longer than the client timeout) and dropped
connections. It stands on ``FakeHTTPServer`` (tests/channels/fakes/base.py).
"""

from __future__ import annotations

import json
from typing import Any

from tests.channels.fakes.base import FakeHTTPServer, Fault, Recorded, parse_body

__all__ = ["FakeHTTPServer", "Fault", "GraphAPI", "Recorded", "graph_error", "parse_body"]


def graph_error(code: int, message: str, *, subcode: int | None = None,
                kind: str = "OAuthException", trace: str = "AbCdEfGh123") -> dict[str, Any]:
    """Graph API's documented error body."""
    error: dict[str, Any] = {"message": message, "type": kind, "code": code,
                             "fbtrace_id": trace}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


class GraphAPI(FakeHTTPServer):
    """One page and one user, Graph API ``version`` (v25.0)."""

    def __init__(self, *, version: str = "v25.0", page_id: str = "1029384756",
                 page_name: str = "Phường Tân Phong", page_token: str = "EAAPageTokenSECRET123",
                 user_token: str = "EAAUserTokenSECRET456",
                 scopes: tuple[str, ...] = ("pages_manage_posts", "pages_read_engagement",
                                            "pages_show_list"),
                 events: list[tuple[str, str]] | None = None) -> None:
        super().__init__(events)
        self.version = version
        self.page_id = page_id
        self.page_name = page_name
        self.page_token = page_token
        self.user_token = user_token
        self.scopes = list(scopes)
        self.expired = False
        self.usage: dict[str, str] = {}
        self.posts: dict[str, dict[str, Any]] = {}
        self.photos: dict[str, dict[str, Any]] = {}
        self.extra_pages: list[dict[str, Any]] = []
        self._seq = 0

    @property
    def api_base(self) -> str:
        return f"{self.origin}/{self.version}"

    def extra_headers(self) -> dict[str, str]:
        return dict(self.usage)

    def _next(self) -> str:
        self._seq += 1
        return f"{self._seq:06d}"

    def handle(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        prefix = f"/{self.version}/"
        if not rec.path.startswith(prefix):
            return 400, {}, graph_error(2500, "Unknown path components: version",
                                        kind="OAuthException")
        parts = rec.path[len(prefix):].strip("/").split("/")
        if parts == ["oauth", "access_token"] and rec.method == "GET":
            return self._exchange(rec)
        token = rec.field("access_token")
        if not token:
            return 400, {}, graph_error(2500, "An active access token must be used to query "
                                              "information about the current user.")
        if parts == ["me", "accounts"] and rec.method == "GET":
            return self._accounts(rec, token)
        if token != self.page_token:
            return 400, {}, graph_error(190, "Invalid OAuth access token - Cannot parse "
                                             "access token")
        if self.expired:
            return 400, {}, graph_error(190, "Error validating access token: Session has "
                                             "expired.", subcode=463)
        if parts == ["debug_token"] and rec.method == "GET":
            return 200, {}, {"data": {"app_id": "5550001", "type": "PAGE", "application": "Tin",
                                      "is_valid": True, "expires_at": 0,
                                      "scopes": list(self.scopes), "profile_id": self.page_id}}
        if parts[0] != self.page_id:
            return 400, {}, graph_error(100, "Unsupported request - object does not exist",
                                        kind="GraphMethodException", subcode=33)
        if parts == [self.page_id] and rec.method == "GET":
            return 200, {}, {"id": self.page_id, "name": self.page_name}
        if parts == [self.page_id, "feed"] and rec.method == "POST":
            return self._feed(rec)
        if parts == [self.page_id, "photos"] and rec.method == "POST":
            return self._photo(rec)
        return 400, {}, graph_error(100, "Unknown path", kind="OAuthException")

    def _feed(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        message, link = rec.form.get("message"), rec.form.get("link")
        if not message and not link:
            return 400, {}, graph_error(100, "(#100) Missing message or attachment")
        attached: list[str] = []
        for key in sorted(k for k in rec.form if k.startswith("attached_media[")):
            media = json.loads(rec.form[key]).get("media_fbid")
            photo = self.photos.get(str(media))
            if photo is None or photo["published"]:
                return 400, {}, graph_error(100, "(#100) Invalid attached_media")
            attached.append(str(media))
        post_id = f"{self.page_id}_{self._next()}"
        self.posts[post_id] = {"message": message, "link": link, "attached": attached}
        return 200, {}, {"id": post_id}

    def _photo(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        source = rec.files.get("source")
        if source is None and not rec.form.get("url"):
            return 400, {}, graph_error(324, "(#324) Requires upload file")
        if source is not None and source[1] not in ("image/jpeg", "image/png"):
            return 400, {}, graph_error(324, "(#324) Unsupported image type")
        published = rec.form.get("published", "true") != "false"
        photo_id = self._next()
        self.photos[photo_id] = {"published": published, "caption": rec.form.get("caption"),
                                 "bytes": len(source[2]) if source else 0}
        if not published:
            return 200, {}, {"id": photo_id}
        post_id = f"{self.page_id}_{self._next()}"
        self.posts[post_id] = {"message": rec.form.get("caption"), "photo": photo_id}
        return 200, {}, {"id": photo_id, "post_id": post_id}

    def _exchange(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        if (rec.query.get("grant_type") != "fb_exchange_token"
                or rec.query.get("fb_exchange_token") != self.user_token
                or not rec.query.get("client_secret")):
            return 400, {}, graph_error(101, "Error validating application.")
        self.user_token = "EAALongLivedUserSECRET789"
        return 200, {}, {"access_token": self.user_token, "token_type": "bearer",
                         "expires_in": 5183944}

    def _accounts(self, rec: Recorded, token: str) -> tuple[int, dict[str, str], Any]:
        if token != self.user_token:
            return 400, {}, graph_error(190, "Invalid OAuth access token.")
        pages = [{"access_token": self.page_token, "category": "Government Organization",
                  "name": self.page_name, "id": self.page_id,
                  "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"]},
                 *self.extra_pages]
        limit = int(rec.query.get("limit") or 25)
        start = int(rec.query.get("after") or 0)
        chunk = pages[start:start + limit]
        body: dict[str, Any] = {"data": chunk, "paging": {
            "cursors": {"before": str(start), "after": str(start + len(chunk))}}}
        if start + limit < len(pages):
            body["paging"]["next"] = (f"https://graph.facebook.com/{self.version}/me/accounts?"
                                      f"after={start + len(chunk)}")
        return 200, {}, body
