"""A local WordPress REST API (``/wp-json/wp/v2``) that behaves like the documented one.

Checks Basic auth with an Application Password (spaces ignored, as WordPress does), the method
and route, the raw media upload (``Content-Disposition: attachment; filename=…``, body = bytes),
the post fields (status enum, known categories/tags/featured media) and the user's
capabilities (a contributor may not publish). Errors use WordPress's body
``{"code", "message", "data": {"status"}}`` with the matching HTTP status.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from tests.channels.fakes.base import FakeHTTPServer, Recorded

PREFIX = "/wp-json/wp/v2/"
ROLES = {
    "editor": {"publish_posts": True, "upload_files": True, "edit_posts": True,
               "manage_categories": True},
    "author": {"publish_posts": True, "upload_files": True, "edit_posts": True},
    "contributor": {"edit_posts": True},
}


def wp_error(code: str, message: str, status: int, **data: Any) -> dict[str, Any]:
    """WordPress REST error body (WP_Error serialised by the REST server)."""
    return {"code": code, "message": message, "data": {"status": status, **data}}


class WordpressAPI(FakeHTTPServer):
    """One site, one user with an Application Password."""

    def __init__(self, *, user: str = "bientap", app_password: str = "abcd EFGH 1234 ijkl",
                 role: str = "editor", categories: dict[int, str] | None = None) -> None:
        super().__init__()
        self.user = user
        self.app_password = app_password
        self.role = role
        self.categories = dict(categories or {1: "Chưa phân loại", 7: "Tin tức - Sự kiện"})
        self.tags: dict[int, str] = {}
        self.media: dict[int, dict[str, Any]] = {}
        self.posts: dict[int, dict[str, Any]] = {}
        self._seq = 100

    @property
    def url(self) -> str:
        return self.origin

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    # ----------------------------------------------------------------- auth
    def _user(self, rec: Recorded) -> tuple[int, dict[str, Any]] | None:
        """None when authenticated; otherwise the 401 answer WordPress gives."""
        header = rec.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return None if rec.method == "GET" and "users/me" not in rec.path else (
                401, wp_error("rest_not_logged_in" if "users/me" in rec.path
                              else "rest_cannot_create",
                              "Sorry, you are not allowed to do that.", 401))
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        if user != self.user:
            return 401, wp_error("invalid_username", "Unknown username. Check again or try "
                                                     "your email address.", 401)
        if password.replace(" ", "") != self.app_password.replace(" ", ""):
            return 401, wp_error("incorrect_password", "The provided password is an invalid "
                                                       "application password.", 401)
        return None

    # ----------------------------------------------------------------- routes
    def handle(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        if not rec.path.startswith(PREFIX):
            return 404, {}, wp_error("rest_no_route", "No route was found matching the URL and "
                                                      "request method.", 404)
        denied = self._user(rec)
        if denied is not None:
            return denied[0], {}, denied[1]
        route = rec.path[len(PREFIX):].strip("/")
        caps = ROLES[self.role]
        if route == "users/me" and rec.method == "GET":
            if rec.query.get("context") == "edit":
                return 200, {}, {"id": 3, "username": self.user, "name": "Biên tập viên",
                                 "roles": [self.role], "capabilities": dict(caps)}
            return 200, {}, {"id": 3, "name": "Biên tập viên"}
        if route in ("categories", "tags") and rec.method == "GET":
            terms = self.categories if route == "categories" else self.tags
            needle = (rec.query.get("search") or "").casefold()
            return 200, {}, [{"id": i, "name": n.replace("&", "&amp;"), "taxonomy": route}
                             for i, n in terms.items() if needle in n.casefold()]
        if route == "tags" and rec.method == "POST":
            return self._tag(rec)
        if route == "media" and rec.method == "POST":
            return self._media(rec, caps)
        if route == "posts" and rec.method == "POST":
            return self._post(rec, caps)
        return 404, {}, wp_error("rest_no_route", "No route was found matching the URL and "
                                                  "request method.", 404)

    def _tag(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        name = str((rec.json or {}).get("name") or "").strip()
        if not name:
            return 400, {}, wp_error("rest_missing_callback_param",
                                     "Missing parameter(s): name", 400, params=["name"])
        for term_id, existing in self.tags.items():
            if existing.casefold() == name.casefold():
                return 400, {}, wp_error("term_exists", "A term with the name provided already "
                                                        "exists in this taxonomy.", 400,
                                         term_id=term_id)
        term_id = self._next()
        self.tags[term_id] = name
        return 201, {}, {"id": term_id, "name": name, "taxonomy": "post_tag"}

    def _media(self, rec: Recorded, caps: dict[str, bool]) -> tuple[int, dict[str, str], Any]:
        if not caps.get("upload_files"):
            return 403, {}, wp_error("rest_cannot_create", "Sorry, you are not allowed to upload "
                                                           "media on this site.", 403)
        if not rec.raw:
            return 400, {}, wp_error("rest_upload_no_data", "No data supplied.", 400)
        disposition = rec.headers.get("content-disposition", "")
        match = re.search(r'filename="?([^";]+)"?', disposition)
        if not match:
            return 400, {}, wp_error("rest_upload_no_content_disposition",
                                     "No Content-Disposition supplied.", 400)
        filename = match.group(1)
        if not filename.isascii():
            return 400, {}, wp_error("rest_upload_invalid_disposition",
                                     "Invalid Content-Disposition supplied.", 400)
        media_id = self._next()
        ctype = rec.headers.get("content-type", "application/octet-stream")
        source = f"{self.origin}/wp-content/uploads/2025/03/{filename}"
        self.media[media_id] = {"filename": filename, "mime": ctype, "bytes": rec.raw}
        return 201, {}, {"id": media_id, "source_url": source, "mime_type": ctype,
                         "link": f"{self.origin}/?attachment_id={media_id}",
                         "media_type": "image" if ctype.startswith("image/") else "file"}

    def _post(self, rec: Recorded, caps: dict[str, bool]) -> tuple[int, dict[str, str], Any]:
        body = rec.json if isinstance(rec.json, dict) else {}
        status = body.get("status", "draft")
        if status not in ("publish", "future", "draft", "pending", "private"):
            return 400, {}, wp_error("rest_invalid_param", "Invalid parameter(s): status", 400,
                                     params={"status": "status is not one of publish, future, "
                                                       "draft, pending, private."})
        if status in ("publish", "future") and not caps.get("publish_posts"):
            return 403, {}, wp_error("rest_cannot_publish", "Sorry, you are not allowed to "
                                                            "publish posts in this post type.", 403)
        if not (body.get("title") or body.get("content") or body.get("excerpt")):
            return 400, {}, wp_error("empty_content", "Content, title, and excerpt are empty.",
                                     400)
        for cat in body.get("categories", []):
            if cat not in self.categories:
                return 400, {}, wp_error("rest_invalid_param", "Invalid parameter(s): "
                                                               "categories", 400)
        for tag in body.get("tags", []):
            if tag not in self.tags:
                return 400, {}, wp_error("rest_invalid_param", "Invalid parameter(s): tags", 400)
        featured = body.get("featured_media")
        if featured and featured not in self.media:
            return 400, {}, wp_error("rest_invalid_featured_media",
                                     "Invalid featured media ID.", 400)
        post_id = self._next()
        self.posts[post_id] = dict(body)
        return 201, {}, {"id": post_id, "status": status,
                         "link": f"{self.origin}/?p={post_id}",
                         "title": {"raw": body.get("title"), "rendered": body.get("title")}}
