"""The one small base every fake platform server stands on.

:class:`LocalServer` is a real ``ThreadingHTTPServer`` on 127.0.0.1 in a daemon thread: ``with``
starts and stops it, every request goes to :meth:`LocalServer.serve`, and what a fake saw is kept
in ``requests`` (each fake records its own shape there). :func:`parse_body` reads a body the way a
real server does (form, JSON, multipart) and :func:`send` answers (JSON or raw bytes).
:class:`FakeHTTPServer` adds the common REST pattern on top: record every request as
:class:`Recorded`, apply scripted :class:`Fault` s, else ask ``handle(rec)`` for
``(status, headers, body)``. Graph, Zalo, WordPress, NukeViet and the TTS fakes use it; Anthias and
the Telegram Bot API fake keep their own request handling over :class:`LocalServer`.
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

JSON_TYPE = "application/json; charset=UTF-8"


class QuietServer(ThreadingHTTPServer):
    """Clients that time out close their socket: that is expected here, not worth a traceback."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


def read_body(handler: BaseHTTPRequestHandler) -> tuple[dict[str, str], bytes]:
    """Lower-cased headers and the raw body of the request ``handler`` is serving."""
    headers = {k.lower(): v for k, v in handler.headers.items()}
    length = int(headers.get("content-length") or 0)
    return headers, handler.rfile.read(length) if length else b""


def parse_body(headers: dict[str, str], raw: bytes) -> tuple[dict[str, str], Any,
                                                              dict[str, tuple[str, str, bytes]]]:
    """Form fields, JSON and files (field → filename, content type, bytes) of a request body."""
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


def send(handler: BaseHTTPRequestHandler, status: int, body: Any, *,
         headers: dict[str, str] | None = None, ctype: str = JSON_TYPE) -> None:
    """Answer: ``body`` as JSON (bytes as they are; nothing for 204). A client that already
    hung up (it timed out on purpose) is not an error."""
    payload = body if isinstance(body, bytes) else b"" if status == 204 else \
        json.dumps(body).encode()
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(payload)
    except OSError:
        pass


class LocalServer:
    """A real HTTP server on 127.0.0.1; subclasses implement :meth:`serve`."""

    protocol_version = "HTTP/1.1"
    poll_interval = 0.02

    def __init__(self) -> None:
        self.requests: list[Any] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = fake.protocol_version

            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

            def _serve(self) -> None:
                fake.serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       args=(self.poll_interval,), daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Any:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping()
        self.server.shutdown()
        self.server.server_close()

    def stopping(self) -> None:
        """Called before shutdown (release requests that wait, such as long polls)."""

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError


# --------------------------------------------------------------------------- REST fakes
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


class FakeHTTPServer(LocalServer):
    """Runs ``handle(Recorded) -> (status, headers, body)`` for every request not scripted to
    fail; ``events`` may be shared with other fakes to see the order of calls across them."""

    def __init__(self, events: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.events = events if events is not None else []

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        headers, raw = read_body(handler)
        form, data, files = parse_body(headers, raw)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        rec = Recorded(handler.command, url.path, query, headers, form, data, files, raw)
        with self._lock:
            self.requests.append(rec)
            self.events.append(("request", url.path))
            fault = self._take_fault(rec)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                handler.close_connection = True
                handler.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault.raw is not None:
                self._send(handler, fault.status, fault.headers, fault.raw, "text/html")
                return
            if fault.body is not None:
                self._send(handler, fault.status, fault.headers, fault.body)
                return
        status, extra, body = self.handle(rec)
        if isinstance(body, bytes):  # media (audio) answers
            extra = dict(extra)
            self._send(handler, status, extra, body, extra.pop("Content-Type", "audio/mpeg"))
            return
        self._send(handler, status, extra, body)

    def _send(self, handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str],
              body: Any, ctype: str = JSON_TYPE) -> None:
        send(handler, status, body, headers={**self.extra_headers(), **headers}, ctype=ctype)

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
