"""A local Zalo OA Open API + OAuth v4 server that behaves like the documented one.

OAuth (``/v4/oa/access_token``): checks the ``secret_key`` header and the form fields; refresh
tokens are single-use and rotate on every refresh; the authorisation-code grant checks the PKCE
verifier against the challenge. Open API: checks the ``access_token`` header, answers HTTP 200
with ``{"data": …, "error": 0, "message": "Success"}`` or ``{"error": <negative code>,
"message": …}``. Faults are scripted with :meth:`FakeHTTPServer.script`.

Request shapes are checked as strictly as the public documentation and the official SDK's
examples (zalo-java-sdk ``CreateNormalArticle``, ``UploadImage``, ``v3/SendBroadcastMessage``,
``v3/SendPromotionMessage``) describe them: an article cover is ``{cover_type: photo,
photo_url, status}`` and nothing else; the image upload answers only an ``attachment_id`` (for
messages, not a URL); a broadcast goes to ``/v2.0/oa/message`` with ``recipient.target`` and a
``media`` template of articles; a v3 promotion goes to one ``recipient.user_id`` with
``template_type: promotion``. Anything else is refused with ``-201`` like the real server.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from tests.channels.fakes.base import FakeHTTPServer, Recorded

OK = {"error": 0, "message": "Success"}
PHOTO_COVER_KEYS = frozenset({"cover_type", "photo_url", "status"})
TARGET_KEYS = frozenset({"ages", "gender", "locations", "cities", "platform"})
PROMOTION_ELEMENTS = frozenset({"banner", "header", "text", "table", "image"})


def zalo_error(code: int, message: str) -> dict[str, Any]:
    """Open API error body (HTTP 200)."""
    return {"error": code, "message": message}


def oauth_error(code: int, name: str, reason: str) -> dict[str, Any]:
    """OAuth v4 error body."""
    return {"error": code, "error_name": name, "error_reason": reason,
            "ref_doc": "https://developers.zalo.me/docs/official-account",
            "error_description": reason}


class ZaloAPI(FakeHTTPServer):
    """One OA, one app, one valid refresh token at a time."""

    def __init__(self, *, app_id: str = "4433221100", oa_id: str = "579745863508352884",
                 secret_key: str = "ZaloSecretKEY_abc123",
                 refresh_token: str = "RefreshTokenSECRET_0",
                 events: list[tuple[str, str]] | None = None) -> None:
        super().__init__(events)
        self.app_id = app_id
        self.oa_id = oa_id
        self.secret_key = secret_key
        self.refresh_token = refresh_token
        self.access_tokens: set[str] = set()
        self.quota_remain = 5
        self.articles: dict[str, dict[str, Any]] = {}
        self.pending: dict[str, dict[str, Any]] = {}
        self.messages: list[dict[str, Any]] = []
        self.images: list[tuple[str, str, int]] = []
        self.codes: dict[str, str] = {}
        self.refreshes = 0
        self.open_code: str | None = None
        self.last_verifier: str | None = None
        self._seq = 0

    @property
    def base(self) -> str:
        return self.origin

    def _next(self) -> str:
        self._seq += 1
        return f"{self._seq:04d}"

    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def issue_code(self, code_challenge: str) -> str:
        """What the permission page redirects with after the admin approves."""
        code = f"AuthCode_{self._next()}"
        self.codes[code] = code_challenge
        return code

    # ----------------------------------------------------------------- dispatch
    def handle(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        if rec.path == "/v4/oa/access_token":
            return self._oauth(rec)
        if rec.method not in ("GET", "POST"):
            return 405, {}, zalo_error(-201, "Method not allowed")
        token = rec.headers.get("access_token")
        if not token or token not in self.access_tokens:
            return 200, {}, zalo_error(-216, "Access token is invalid")
        routes = {
            ("POST", "/v2.0/oa/upload/image"): self._upload,
            ("POST", "/v2.0/article/create"): self._create,
            ("POST", "/v2.0/article/verify"): self._verify,
            ("POST", "/v2.0/oa/quota/message"): self._quota,
            ("POST", "/v2.0/oa/message"): self._broadcast,
            ("POST", "/v3.0/oa/message/promotion"): self._promotion,
            ("GET", "/v2.0/oa/getoa"): self._getoa,
        }
        route = routes.get((rec.method, rec.path))
        if route is None:
            return 404, {}, zalo_error(-201, "Invalid path")
        return 200, {}, route(rec)

    # ----------------------------------------------------------------- oauth
    def _oauth(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        if rec.method != "POST":
            return 405, {}, oauth_error(-14001, "Invalid method", "POST only")
        if rec.headers.get("secret_key") != self.secret_key:
            return 200, {}, oauth_error(-14002, "Invalid secret key", "secret_key is invalid")
        if rec.form.get("app_id") != self.app_id:
            return 200, {}, oauth_error(-14003, "Invalid app id", "app_id is invalid")
        grant = rec.form.get("grant_type")
        if grant == "refresh_token":
            if rec.form.get("refresh_token") != self.refresh_token:
                return 200, {}, oauth_error(-14014, "Invalid refresh token",
                                            "refresh_token is invalid or used")
        elif grant == "authorization_code" and rec.form.get("code") == self.open_code:
            # The admin approved in a browser we do not drive: the test checks the verifier
            # against the challenge it finds in the printed address.
            self.last_verifier = rec.form.get("code_verifier")
        elif grant == "authorization_code":
            challenge = self.codes.pop(rec.form.get("code", ""), None)
            verifier = rec.form.get("code_verifier", "")
            expected = base64.urlsafe_b64encode(
                hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge is None or challenge != expected:
                return 200, {}, oauth_error(-14019, "Invalid code verifier",
                                            "code or code_verifier is invalid")
        else:
            return 200, {}, oauth_error(-14004, "Invalid grant type", "grant_type is invalid")
        self.refreshes += 1
        serial = self._next()
        access = f"AccessTokenSECRET_{serial}"
        self.refresh_token = f"RefreshTokenSECRET_{serial}"
        self.access_tokens = {access}
        return 200, {}, {"access_token": access, "refresh_token": self.refresh_token,
                         "expires_in": "90000"}

    # ----------------------------------------------------------------- api
    def _upload(self, rec: Recorded) -> dict[str, Any]:
        file = rec.files.get("file")
        if file is None:
            return zalo_error(-201, "File is missing")
        name, ctype, payload = file
        if ctype not in ("image/jpeg", "image/png"):
            return zalo_error(-210, "File type is not supported")
        if len(payload) > 1024 * 1024:
            return zalo_error(-210, "File size exceeds 1MB")
        attachment = f"att{self._next()}"
        self.images.append((name, ctype, len(payload)))
        return {**OK, "data": {"attachment_id": attachment}}

    def _create(self, rec: Recorded) -> dict[str, Any]:
        body = rec.json if isinstance(rec.json, dict) else {}
        missing = [k for k in ("type", "title", "author", "description", "body", "status")
                   if not body.get(k)]
        if missing or body.get("type") != "normal":
            return zalo_error(-201, f"Parameters are invalid: {', '.join(missing) or 'type'}")
        if len(body["title"]) > 150 or len(body["author"]) > 50:
            return zalo_error(-201, "Title or author is too long")
        blocks = body["body"]
        if not isinstance(blocks, list) or any(b.get("type") != "text" or not b.get("content")
                                               for b in blocks):
            return zalo_error(-201, "Body is invalid")
        cover = body.get("cover")
        if cover is not None and not _photo_cover_ok(cover):
            return zalo_error(-201, "Cover is invalid")
        token = f"ArticleToken_{self._next()}"
        self.pending[token] = body
        return {**OK, "data": {"token": token}}

    def _verify(self, rec: Recorded) -> dict[str, Any]:
        token = (rec.json or {}).get("token")
        body = self.pending.pop(token, None)
        if body is None:
            return zalo_error(-201, "Token is invalid")
        article_id = f"a{self._next()}b"
        self.articles[article_id] = body
        return {**OK, "data": {"id": article_id}}

    def _quota(self, rec: Recorded) -> dict[str, Any]:
        return {**OK, "data": {"remain": self.quota_remain, "total": 5}}

    def _broadcast(self, rec: Recorded) -> dict[str, Any]:
        """Broadcast of up to 5 articles to followers selected by an optional target."""
        body = rec.json if isinstance(rec.json, dict) else {}
        recipient = body.get("recipient")
        if (not isinstance(recipient, dict) or set(recipient) != {"target"}
                or not isinstance(recipient["target"], dict)
                or not set(recipient["target"]) <= TARGET_KEYS
                or not all(isinstance(v, str) for v in recipient["target"].values())):
            return zalo_error(-201, "Recipient is invalid")
        payload = _template(body)
        if payload is None or payload.get("template_type") != "media":
            return zalo_error(-201, "Message is invalid")
        elements = payload.get("elements")
        if (not isinstance(elements, list) or not 1 <= len(elements) <= 5
                or any(not isinstance(e, dict) or set(e) != {"media_type", "attachment_id"}
                       or e["media_type"] != "article" for e in elements)):
            return zalo_error(-201, "Elements are invalid")
        if any(e["attachment_id"] not in self.articles for e in elements):
            return zalo_error(-201, "Article is invalid")
        return self._count_message(body)

    def _promotion(self, rec: Recorded) -> dict[str, Any]:
        """v3 promotion: one follower (``user_id``), a promotion template of blocks."""
        body = rec.json if isinstance(rec.json, dict) else {}
        recipient = body.get("recipient")
        if not isinstance(recipient, dict) or set(recipient) != {"user_id"}:
            return zalo_error(-201, "Recipient is invalid")
        payload = _template(body)
        if payload is None or payload.get("template_type") != "promotion":
            return zalo_error(-201, "Message is invalid")
        elements = payload.get("elements")
        if (not isinstance(elements, list) or not elements
                or any(not isinstance(e, dict) or e.get("type") not in PROMOTION_ELEMENTS
                       for e in elements)):
            return zalo_error(-201, "Elements are invalid")
        return self._count_message(body)

    def _count_message(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.quota_remain <= 0:
            return zalo_error(-211, "Out of quota")
        self.quota_remain -= 1
        self.messages.append(body)
        return {**OK, "data": {"message_id": f"msg{self._next()}"}}

    def _getoa(self, rec: Recorded) -> dict[str, Any]:
        return {**OK, "data": {"oa_id": self.oa_id, "name": "Phường Tân Phong",
                               "description": "Trang thông tin phường", "num_follower": 1234}}


def _photo_cover_ok(cover: Any) -> bool:
    """A photo cover names a public image URL; ``photo_id`` is no documented field."""
    return (isinstance(cover, dict) and set(cover) <= PHOTO_COVER_KEYS
            and cover.get("cover_type") == "photo"
            and isinstance(cover.get("photo_url"), str)
            and cover["photo_url"].startswith(("http://", "https://"))
            and cover.get("status", "show") in ("show", "hide"))


def _template(body: dict[str, Any]) -> dict[str, Any] | None:
    message = body.get("message")
    attachment = message.get("attachment") if isinstance(message, dict) else None
    if not isinstance(attachment, dict) or attachment.get("type") != "template":
        return None
    payload = attachment.get("payload")
    return payload if isinstance(payload, dict) else None
