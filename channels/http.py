"""HTTP plumbing shared by the network adapters (Facebook, Zalo, …).

Why a helper: every adapter must make the same distinction the engine relies on — did the
platform possibly act on our request? A refused connection or a connect timeout means the request
never left this machine (:class:`TransientError`, safe to retry); a read timeout or a connection
reset after the request was written means we cannot know (:class:`UnknownOutcomeError`, never
retried automatically for public posts). Getting that wrong once means a duplicate public post,
so it lives in one place. The helper also logs every call without secrets.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import NewConnectionError

from channels.base import Adapter, AdapterContext, ConfigT, TransientError, UnknownOutcomeError
from channels.secrets import redact

__all__ = ["HttpAdapter", "HttpClient", "json_body"]

_KNOWN_SECRETS: set[str] = set()
"""Every secret any client has used in this process, for the urllib3 log filter below."""


class _RedactingFilter(logging.Filter):
    """urllib3 logs request lines with their query string at DEBUG level (``GET /x?access_token=
    … HTTP/1.1``); a Graph GET carries the token there. Blank it before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        record.msg, record.args = redact(message, _KNOWN_SECRETS), None
        return True


_URLLIB3_LOGGER = logging.getLogger("urllib3.connectionpool")
if not any(isinstance(f, _RedactingFilter) for f in _URLLIB3_LOGGER.filters):
    _URLLIB3_LOGGER.addFilter(_RedactingFilter())


def json_body(response: requests.Response) -> Any:
    """The decoded JSON body, or ``None`` when the body is not JSON (HTML error page, empty)."""
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError):
        return None


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the connection failed before any byte of the request was written.

    requests wraps urllib3's ``MaxRetryError(reason=NewConnectionError)`` for refused
    connections and DNS failures; resets and aborted reads arrive as ``ProtocolError`` instead.
    """
    if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.ProxyError):
        return True
    reason = exc.args[0] if exc.args else None
    inner = getattr(reason, "reason", None)
    return isinstance(reason, NewConnectionError) or isinstance(inner, NewConnectionError)


class HttpClient:
    """A ``requests`` session with our timeout, error typing and redacted logging.

    ``secrets`` returns the secret values currently in use, so every log line and message built
    here can blank them even when a platform echoes them back.
    """

    def __init__(self, *, timeout: float, logger: logging.Logger,
                 session: requests.Session | None = None,
                 secrets: Iterable[str] | None = None) -> None:
        self.timeout = timeout
        self.log = logger
        self.session = session or requests.Session()
        self._secrets: set[str] = set(secrets or ())
        _KNOWN_SECRETS.update(s for s in self._secrets if s)

    def remember(self, *values: str | None) -> None:
        """Add secret values (tokens obtained at run time) to the redaction list."""
        self._secrets.update(v for v in values if v)
        _KNOWN_SECRETS.update(v for v in values if v)

    def redact(self, text: str) -> str:
        return redact(text, self._secrets)

    def request(self, method: str, url: str, *, what: str, may_act: bool,
                headers: Mapping[str, str] | None = None,
                params: Mapping[str, Any] | None = None,
                data: Mapping[str, Any] | None = None,
                json_data: Any = None,
                files: Mapping[str, Any] | None = None) -> requests.Response:
        """Send one request; network failures become typed errors.

        ``what`` names the call for people (Vietnamese). ``may_act`` says whether the platform
        could have changed something visible if it received the request: when true, a timeout
        after sending is an unknown outcome; when false (reads, unpublished uploads, token
        refresh) it is a transient fault.
        """
        path = urlsplit(url).path
        started = time.monotonic()
        try:
            response = self.session.request(
                method, url, headers=dict(headers or {}), params=params, data=data,
                json=json_data, files=files, timeout=self.timeout, allow_redirects=False)
        except requests.exceptions.ConnectionError as exc:
            elapsed = time.monotonic() - started
            if _never_sent(exc):
                self.log.warning("%s %s: không kết nối được (%.2fs)", method, path, elapsed)
                raise TransientError(
                    f"Không kết nối được tới máy chủ khi {what}; yêu cầu chưa được gửi.",
                    detail={"path": path, "network": self.redact(type(exc).__name__)},
                ) from None
            return self._unknown(method, path, what, may_act, elapsed, exc)
        except requests.exceptions.Timeout as exc:  # ReadTimeout: sent, no answer in time
            return self._unknown(method, path, what, may_act, time.monotonic() - started, exc)
        except requests.exceptions.RequestException as exc:
            self.log.warning("%s %s: lỗi gửi yêu cầu %s", method, path, type(exc).__name__)
            raise TransientError(
                f"Lỗi khi chuẩn bị yêu cầu {what}: {self.redact(type(exc).__name__)}.",
                detail={"path": path}) from None
        elapsed = time.monotonic() - started
        self.log.info("%s %s -> HTTP %s (%.2fs)", method, path, response.status_code, elapsed)
        return response

    def _unknown(self, method: str, path: str, what: str, may_act: bool, elapsed: float,
                 exc: Exception) -> requests.Response:
        kind = type(exc).__name__
        self.log.warning("%s %s: không nhận được trả lời (%s, %.2fs)", method, path, kind, elapsed)
        detail = {"path": path, "network": kind, "elapsed": round(elapsed, 3)}
        if may_act:
            raise UnknownOutcomeError(
                f"Đã gửi yêu cầu {what} nhưng không nhận được trả lời ({kind}). Nền tảng có thể "
                "đã đăng bài: hãy kiểm tra trên trang rồi xác nhận 'đã gửi' hoặc 'gửi lại'.",
                detail=detail) from None
        raise TransientError(
            f"Không nhận được trả lời khi {what} ({kind}); sẽ thử lại sau.", detail=detail
        ) from None

    def close(self) -> None:
        self.session.close()


class HttpAdapter(Adapter[ConfigT]):
    """The set-up every adapter that talks to one platform's HTTP API shares (Facebook, Zalo,
    websites): one :class:`HttpClient` with the context's timeout and the adapter's logger, and
    secrets resolved at the last moment and remembered for redaction."""

    log: logging.Logger = logging.getLogger("channels")
    """Subclasses set their own (``channels.facebook`` …): the client logs every call there."""

    def __init__(self, endpoint: ConfigT, context: AdapterContext,
                 session: requests.Session | None = None) -> None:
        super().__init__(endpoint, context)
        self.http = HttpClient(timeout=context.timeout, logger=self.log, session=session)

    def secret(self, reference: str) -> str:
        """Resolve ``env:NAME`` now and blank its value from everything logged or raised."""
        value = self.context.secrets(reference)
        self.http.remember(value)
        return value

    def close(self) -> None:
        self.http.close()
