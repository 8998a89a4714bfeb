"""Route ``anthias``: the Anthias (Screenly OSE) player's REST API v2.

Frames are uploaded (``POST /api/v2/file_asset``), registered as image assets
(``POST /api/v2/assets``) and our expired or superseded assets are deleted. Idempotent: asset
names carry a tag with the item id, frame number and content hash, so a retry finds what an
earlier attempt created instead of duplicating it.

Network faults go through :class:`channels.http.HttpClient`: a connection that never opened is
transient; a timeout or reset after a request that may change the player's playlist (create,
patch, delete) is an unknown outcome, the same rule as every other network adapter.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any
from zoneinfo import ZoneInfo

import requests

from assets.led import PlaylistItem
from channels.base import (
    AdapterContext,
    AuthError,
    ConfigError,
    PermanentError,
    RateLimitError,
    Receipt,
    TransientError,
)
from channels.http import HttpClient, json_body
from channels.led.config import Frame, LedConfig

__all__ = ["MARK", "AnthiasRoute"]

logger = logging.getLogger("channels.led")

MARK = re.compile(r"\[cs:(?P<item>[^#\]]+)#(?P<page>\d+):(?P<hash>[0-9a-f]{12})\]")
"""Tag in an Anthias asset name that makes it ours: item id, frame number, content hash."""
FAR_FUTURE = dt.datetime(2099, 12, 31, tzinfo=dt.UTC)
READS = ("GET", "HEAD")


class AnthiasRoute:
    """Pushes a board's frames to its Anthias player."""

    def __init__(self, config: LedConfig, context: AdapterContext, zone: ZoneInfo) -> None:
        self.config = config
        self.context = context
        self.zone = zone
        self._client: HttpClient | None = None

    def api_base(self) -> str:
        return str(self.config.api_base or self.config.option("api_base")).rstrip("/")

    def _http(self) -> HttpClient:
        if self._client is None:
            session = requests.Session()
            user = self.config.username or self.config.option("username")
            password = self.config.password or self.config.option("password")
            secrets: list[str] = []
            if user:
                if not password:
                    raise ConfigError(
                        f"Bảng {self.config.id}: có username nhưng thiếu password (env:TEN_BIEN).")
                secret = self.context.secrets(str(password))
                session.auth = (str(user), secret)
                secrets.append(secret)
            self._client = HttpClient(timeout=self.context.timeout, logger=logger,
                                      session=session, secrets=secrets)
        return self._client

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call; HTTP answers become typed errors here, network faults in the client.

        Uploading a file changes nothing the board shows, so only creating, patching and
        deleting assets "may act".
        """
        client = self._http()
        may_act = method not in READS and path != "/api/v2/file_asset"
        response = client.request(method, f"{self.api_base()}{path}",
                                  what=f"gọi đầu phát Anthias ({method} {path})",
                                  may_act=may_act, json_data=kwargs.get("json"),
                                  files=kwargs.get("files"))
        status = response.status_code
        if status < 400:
            if status == 204 or not response.content:
                return None
            body = json_body(response)
            if body is None:
                raise PermanentError(
                    f"Đầu phát Anthias trả lời không phải JSON ({method} {path}).",
                    http_status=status)
            return body
        text = client.redact(response.text[:300])
        common: dict[str, Any] = {"http_status": status, "platform_message": text}
        if status == 401:
            raise AuthError("Đầu phát Anthias từ chối tên đăng nhập hoặc mật khẩu.",
                            reconnect=True, **common)
        if status == 403:
            raise ConfigError("Đầu phát Anthias không cho phép thao tác này (403).", **common)
        if status == 429:
            raise RateLimitError("Đầu phát Anthias yêu cầu gửi chậm lại.",
                                 retry_after=_retry_after(response, 60.0) or 60.0, **common)
        if status >= 500:
            raise TransientError(f"Đầu phát Anthias gặp lỗi {status}.",
                                 retry_after=_retry_after(response, None), **common)
        if status == 404 and method == "DELETE":
            return None  # already gone: deleting is idempotent
        raise PermanentError(f"Đầu phát Anthias từ chối yêu cầu ({status}) {method} {path}.",
                             **common)

    def deliver(self, items: list[PlaylistItem], frames: list[Frame], prefix: str,
                now: dt.datetime) -> Receipt:
        assets = self._request("GET", "/api/v2/assets") or []
        if not isinstance(assets, list):
            raise PermanentError("Đầu phát Anthias trả danh sách nội dung sai dạng.")
        wanted: dict[str, Frame] = {}
        for frame in frames:
            wanted[_marker(frame)] = frame
        ours = [(a, m) for a in assets if (m := MARK.search(str(a.get("name", ""))))]
        deleted: list[str] = []
        present: dict[str, dict[str, Any]] = {}
        for asset, match in ours:
            marker = match.group(0)
            end = _parse_instant(asset.get("end_date"))
            stale = match.group("item").startswith(prefix) and marker not in wanted
            expired = end is not None and end <= now
            if stale or expired or marker in present:
                self._request("DELETE", f"/api/v2/assets/{asset['asset_id']}")
                deleted.append(str(asset["asset_id"]))
            else:
                present[marker] = asset
        pushed: list[str] = []
        for order, (marker, frame) in enumerate(wanted.items()):
            fields = self._asset_fields(frame, order)
            if marker in present:
                asset = present[marker]
                changed = {k: v for k, v in fields.items()
                           if k in ("duration", "start_date", "end_date", "play_order",
                                    "is_enabled") and not _same(asset.get(k), v)}
                if changed:
                    self._request("PATCH", f"/api/v2/assets/{asset['asset_id']}", json=changed)
                pushed.append(str(asset["asset_id"]))
                continue
            upload = self._request(
                "POST", "/api/v2/file_asset",
                files={"file_upload": (frame.name, frame.png, "image/png")})
            if not isinstance(upload, dict) or "uri" not in upload:
                raise PermanentError("Đầu phát Anthias không trả đường dẫn tệp đã tải lên.")
            created = self._request("POST", "/api/v2/assets", json={
                **fields, "uri": upload["uri"], "ext": upload.get("ext") or ".png"})
            if not isinstance(created, dict) or "asset_id" not in created:
                raise PermanentError("Đầu phát Anthias không trả mã nội dung vừa tạo.")
            pushed.append(str(created["asset_id"]))
        return Receipt(
            evidence="pushed",
            external_id=",".join(pushed),
            detail={"api_base": self.api_base(), "assets": pushed, "deleted": deleted,
                    "items": [i.id for i in items]},
        )

    def _asset_fields(self, frame: Frame, order: int) -> dict[str, Any]:
        item = frame.item
        start = (dt.datetime.combine(item.valid_from, dt.time(), tzinfo=self.zone)
                 if item.valid_from else dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        end = (dt.datetime.combine(item.valid_to + dt.timedelta(days=1), dt.time(),
                                   tzinfo=self.zone) if item.valid_to else FAR_FUTURE)
        label = item.title or str(item.meta.get("text", ""))
        return {
            "name": f"{label[:60]} {_marker(frame)}",
            "mimetype": "image",
            "duration": item.dwell,
            "start_date": start.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            "end_date": end.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            "is_enabled": True,
            "play_order": (0 if item.emergency else 1000) + order,
            "nocache": False,
            "skip_asset_check": True,
        }

    def check(self) -> dict[str, Any]:
        """The asset list answers with our credentials."""
        assets = self._request("GET", "/api/v2/assets")
        return {"ok": True, "assets": len(assets or [])}

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _marker(frame: Frame) -> str:
    return f"[cs:{frame.item.id}#{frame.page}:{frame.name[:12]}]"


def _same(current: Any, wanted: Any) -> bool:
    if isinstance(wanted, str) and isinstance(current, str):
        a, b = _parse_instant(current), _parse_instant(wanted)
        if a is not None and b is not None:
            return a == b
    return bool(current == wanted)


def _parse_instant(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        instant = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)


def _retry_after(response: requests.Response, default: float | None) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            from email.utils import parsedate_to_datetime

            when = parsedate_to_datetime(value)
            return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
        except (TypeError, ValueError):
            return default
