"""A local Graph API (Facebook Pages) that behaves like the documented one.

It checks method, version prefix, path, the access token and the form/multipart fields, answers
with Graph's success shapes and its error body (``{"error": {"message", "type", "code",
"error_subcode", "fbtrace_id"}}``, mostly with HTTP 400), and can be scripted to fail: error
codes, HTTP statuses, usage headers, slow answers (longer than the client timeout) and dropped
connections. ``FakeHTTPServer`` is the reusable base (a real ThreadingHTTPServer on 127.0.0.1).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    """One request as the fake saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)
    json: Any = None
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)
    """field → (filename, content type, bytes)."""
    raw: bytes = b""
    """The body as sent (raw uploads such as WordPress media)."""

    def field(self, name: str) -> str | None:
        return self.form.get(name, self.query.get(name))


@dataclass
class Fault:
    """A scripted misbehaviour for requests whose path ends with ``path``."""

    path: str
    method: str | None = None
    status: int = 400
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    times: int = 1


def parse_body(headers: dict[str, str], raw: bytes) -> tuple[dict[str, str], Any,
                                                              dict[str, tuple[str, str, bytes]]]:
    """Form fields, JSON and files of a request body, like a real server would read them."""
    ctype = headers.get("content-type", "")
    form: dict[str, str] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    data: Any = None
    if ctype.startswith("application/x-www-form-urlencoded"):
        form = {k: v[-1] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
    elif ctype.startswith("application/json"):
        data = json.loads(raw.decode() or "null")
    elif ctype.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode() + raw)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            payload = part.get_payload(decode=True) or b""
            if filename is not None:
                files[name] = (filename, part.get_content_type(), payload)
            else:
                form[name] = payload.decode()
    return form, data, files


class _QuietServer(ThreadingHTTPServer):
    """Clients that time out close their socket: that is expected here, not worth a traceback."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class FakeHTTPServer:
    """Base: runs ``handle(Recorded) -> (status, headers, body)`` in a background thread."""

    def __init__(self, events: list[tuple[str, str]] | None = None) -> None:
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.events = events if events is not None else []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

            def _serve(self) -> None:
                url = urlsplit(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                length = int(headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                form, data, files = parse_body(headers, raw)
                query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                rec = Recorded(self.command, url.path, query, headers, form, data, files, raw)
                with fake._lock:
                    fake.requests.append(rec)
                    fake.events.append(("request", url.path))
                    fault = fake._take_fault(rec)
                if fault is not None:
                    if fault.delay:
                        time.sleep(fault.delay)
                    if fault.drop:
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    if fault.raw is not None:
                        self._send(fault.status, fault.headers, fault.raw, "text/html")
                        return
                    if fault.body is not None:
                        self._send(fault.status, fault.headers, json.dumps(fault.body).encode())
                        return
                status, extra, body = fake.handle(rec)
                if isinstance(body, bytes):  # media (audio) answers
                    extra = dict(extra)
                    self._send(status, extra, body, extra.pop("Content-Type", "audio/mpeg"))
                    return
                self._send(status, extra, json.dumps(body).encode())

            def _send(self, status: int, headers: dict[str, str], payload: bytes,
                      ctype: str = "application/json; charset=UTF-8") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                for key, value in {**fake.extra_headers(), **headers}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _serve  # noqa: N815

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,),
                                       daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeHTTPServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def script(self, path: str, **kw: Any) -> Fault:
        """Make the next request(s) ending with ``path`` misbehave."""
        fault = Fault(path, **kw)
        with self._lock:
            self.faults.append(fault)
        return fault

    def _take_fault(self, rec: Recorded) -> Fault | None:
        for fault in self.faults:
            if rec.path.endswith(fault.path) and fault.method in (None, rec.method):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def extra_headers(self) -> dict[str, str]:
        return {}

    def handle(self, rec: Recorded) -> tuple[int, dict[str, str], Any]:
        raise NotImplementedError

    def calls(self, suffix: str, method: str | None = None) -> list[Recorded]:
        return [r for r in self.requests
                if r.path.endswith(suffix) and method in (None, r.method)]


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
