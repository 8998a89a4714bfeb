"""A local Anthias (Screenly OSE) player speaking REST API v2, for the LED adapter's tests.

A real HTTP server on 127.0.0.1 that checks what the real player checks: the method and path,
HTTP basic auth (401 otherwise), the multipart ``file_upload`` field of ``/api/v2/file_asset``
(images and videos only), the JSON fields of ``/api/v2/assets`` (name, uri of an uploaded file,
ISO dates, integer duration, mimetype, is_enabled), and answers with the player's shapes:
``{"uri", "ext"}`` for uploads, the asset (with ``asset_id``) for creation, 204 for deletion.
It can be scripted to fail (status, Retry-After, delay longer than the client's timeout).
"""

from __future__ import annotations

import base64
import datetime as dt
import mimetypes
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.channels.fakes.base import LocalServer, parse_body, read_body, send

ASSET_FIELDS = ("name", "uri", "start_date", "end_date", "duration", "mimetype", "is_enabled")


@dataclass
class Call:
    """One request as the player saw it."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any = None
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)


@dataclass
class Failure:
    """Answer the next ``times`` requests matching ``method``/``path`` with ``status``."""

    method: str | None
    path: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    times: int = 1
    apply: bool = False
    """Do the work first, then answer late: a player that acted but whose answer was lost."""


def _iso(value: Any) -> bool:
    try:
        dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


class FakeAnthias(LocalServer):
    """The player. Use as a context manager; ``api_base`` is its address."""

    def __init__(self, *, username: str = "admin", password: str = "mat-khau-Bi-Mat") -> None:
        super().__init__()
        self.username = username
        self.password = password
        self.assets: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.calls: list[Call] = self.requests
        self.failures: list[Failure] = []

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        headers, raw = read_body(handler)
        call = Call(handler.command, handler.path, headers)
        _form, call.json, files = parse_body(headers, raw)
        call.files = {name: (filename or "", ctype, payload)
                      for name, (filename, ctype, payload) in files.items()}
        with self._lock:
            self.calls.append(call)
            failure = self._failure(call)
        if failure is not None and failure.apply:
            with self._lock:
                status, extra, body = self.handle(call)
            time.sleep(failure.delay)
        elif failure is not None:
            time.sleep(failure.delay)
            status, extra, body = failure.status, failure.headers, {"error": "scripted"}
        else:
            with self._lock:
                status, extra, body = self.handle(call)
        send(handler, status, body, headers=extra, ctype="application/json")

    # ----------------------------------------------------------------- plumbing
    @property
    def api_base(self) -> str:
        return self.origin

    def fail(self, path: str, status: int, *, method: str | None = None, times: int = 1,
             headers: dict[str, str] | None = None, delay: float = 0.0,
             apply: bool = False) -> None:
        """Script the next ``times`` requests to ``path``: fail with ``status`` after ``delay``,
        or (``apply``) do the real work and answer only after ``delay``."""
        self.failures.append(Failure(method, path, status, headers or {}, delay, times, apply))

    def _failure(self, call: Call) -> Failure | None:
        for failure in self.failures:
            if call.path == failure.path and failure.method in (None, call.method):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                return failure
        return None

    def count(self, method: str, path_prefix: str) -> int:
        return sum(1 for c in self.calls if c.method == method and c.path.startswith(path_prefix))

    # ----------------------------------------------------------------- behaviour
    def _authorised(self, call: Call) -> bool:
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return call.headers.get("authorization") == f"Basic {expected}"

    def handle(self, call: Call) -> tuple[int, dict[str, str], Any]:
        if not self._authorised(call):
            return 401, {"WWW-Authenticate": 'Basic realm="Anthias"'}, {
                "detail": "Authentication credentials were not provided."}
        path = call.path.split("?")[0]
        if path == "/api/v2/file_asset" and call.method == "POST":
            return self._upload(call)
        if path == "/api/v2/assets":
            if call.method == "GET":
                return 200, {}, sorted(self.assets.values(), key=lambda a: a["play_order"])
            if call.method == "POST":
                return self._create(call)
        if path.startswith("/api/v2/assets/"):
            asset_id = path.rsplit("/", 1)[1]
            if asset_id not in self.assets:
                return 404, {}, {"detail": "Not found."}
            if call.method == "GET":
                return 200, {}, self.assets[asset_id]
            if call.method == "DELETE":
                asset = self.assets.pop(asset_id)
                self.files.pop(asset["uri"], None)
                return 204, {}, None
            if call.method in ("PATCH", "PUT"):
                changes = call.json if isinstance(call.json, dict) else {}
                for key in ("start_date", "end_date"):
                    if key in changes and not _iso(changes[key]):
                        return 400, {}, {key: ["Datetime has wrong format."]}
                self.assets[asset_id].update(changes)
                return 200, {}, self.assets[asset_id]
        return 404, {}, {"detail": "Not found."}

    def _upload(self, call: Call) -> tuple[int, dict[str, str], Any]:
        if "file_upload" not in call.files:
            return 400, {}, {"error": "file_upload is required"}
        filename, _ctype, data = call.files["file_upload"]
        kind = mimetypes.guess_type(filename)[0]
        if not kind or kind.split("/")[0] not in ("image", "video"):
            return 500, {}, {"error": "Invalid file type."}
        uri = f"/data/screenly_assets/{uuid.uuid5(uuid.NAMESPACE_URL, filename).hex}.tmp"
        self.files[uri] = data
        return 200, {}, {"uri": uri, "ext": mimetypes.guess_extension(kind)}

    def _create(self, call: Call) -> tuple[int, dict[str, str], Any]:
        body = call.json
        if not isinstance(body, dict):
            return 400, {}, {"detail": "JSON body expected."}
        errors = {key: ["This field is required."] for key in ASSET_FIELDS if key not in body}
        if errors:
            return 400, {}, errors
        if body["mimetype"] not in ("image", "video", "webpage"):
            return 400, {}, {"mimetype": ["Unknown mimetype."]}
        if not isinstance(body["duration"], int) or body["duration"] <= 0:
            return 400, {}, {"duration": ["A valid integer is required."]}
        if not isinstance(body["is_enabled"], bool):
            return 400, {}, {"is_enabled": ["Must be a valid boolean."]}
        for key in ("start_date", "end_date"):
            if not _iso(body[key]):
                return 400, {}, {key: ["Datetime has wrong format."]}
        if body["mimetype"] != "webpage" and body["uri"] not in self.files:
            return 400, {}, {"uri": ["File not found."]}
        if any(a["name"] == body["name"] for a in self.assets.values()):
            return 400, {}, {"name": ["Asset with this name already exists."]}
        asset_id = uuid.uuid4().hex
        asset = {key: body[key] for key in ASSET_FIELDS}
        asset.update(asset_id=asset_id, play_order=int(body.get("play_order", 0)),
                     nocache=bool(body.get("nocache", False)), is_processing=False,
                     skip_asset_check=bool(body.get("skip_asset_check", False)))
        self.assets[asset_id] = asset
        return 201, {}, asset

    def add_foreign(self, name: str, end_date: str) -> str:
        """An asset the operator made by hand: the adapter must leave it alone."""
        asset_id = uuid.uuid4().hex
        self.assets[asset_id] = {
            "asset_id": asset_id, "name": name, "uri": "https://example.org/", "mimetype":
            "webpage", "duration": 10, "is_enabled": True, "play_order": 0,
            "start_date": "2020-01-01T00:00:00Z", "end_date": end_date}
        return asset_id
