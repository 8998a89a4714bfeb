"""Secrets are referenced as ``env:NAME`` and read from the environment or the workspace's .env.

They are resolved at the last moment, inside adapters, and redacted from anything that is
logged or raised.
"""

from __future__ import annotations

import logging
import os
import re
import traceback
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from channels.base import ConfigError

ENV_PREFIX = "env:"
_ENV_REF = re.compile(r"^env:[A-Za-z_][A-Za-z0-9_]*$")
_KNOWN_SECRETS: set[str] = set()
"""Every secret value resolved in this process, blanked from every log record."""


def env_reference(value: str) -> str:
    """Validator: a secret must be an ``env:NAME`` reference, never the value itself."""
    if not isinstance(value, str) or not _ENV_REF.match(value.strip()):
        raise ValueError("Bí mật (token, mật khẩu) phải khai báo dạng env:TEN_BIEN (ví dụ "
                         "env:FB_TOKEN_TAN_PHONG) và đặt giá trị trong tệp .env, không ghi "
                         "thẳng vào YAML.")
    return value.strip()


def _redacting_factory(base: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    """Wrap the log-record factory so no record — ours or a library's — carries a secret.

    Libraries log request URLs (the Telegram Bot API puts the token in the path) at INFO or
    DEBUG; filtering at the record factory catches them whatever logger or level they use.
    """

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        if _KNOWN_SECRETS:
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001 - a malformed record is not ours to fix
                return record
            cleaned = redact(message, _KNOWN_SECRETS)
            if cleaned != message:
                record.msg, record.args = cleaned, None
            if record.exc_info and record.exc_info[0] is not None:
                # Formatters reuse exc_text when set: give them the redacted traceback.
                text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
                record.exc_text = redact(text, _KNOWN_SECRETS)
        return record

    factory.redacting = True  # type: ignore[attr-defined]
    return factory


if not getattr(logging.getLogRecordFactory(), "redacting", False):
    logging.setLogRecordFactory(_redacting_factory(logging.getLogRecordFactory()))
def read_dotenv(path: Path) -> dict[str, str]:
    """The NAME=value pairs of a .env file, parsed by python-dotenv (quotes, ``export``,
    comments, multi-line quoted values). No variable expansion: a secret containing ``$`` stays
    as written. Missing file: empty; names without a value are left out."""
    if not path.is_file():
        return {}
    values = dotenv_values(path, interpolate=False, encoding="utf-8")
    return {name: value for name, value in values.items() if value is not None}


class SecretResolver:
    """Resolves ``env:NAME`` references: real environment first, then .env.

    Every secret it hands out is remembered so :meth:`redact` can blank it from log lines.
    """

    def __init__(self, dotenv: Mapping[str, str] | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        self._dotenv = dict(dotenv or {})
        self._environ = environ if environ is not None else os.environ
        self._seen: set[str] = set()

    @classmethod
    def for_workspace(cls, workspace: Path) -> SecretResolver:
        return cls(read_dotenv(workspace / ".env"))

    def setting(self, name: str) -> str | None:
        """A plain (non-secret) setting such as CAMPAIGN_DB: environment first, then .env."""
        return self._environ.get(name) or self._dotenv.get(name) or None

    def __call__(self, reference: str) -> str:
        if not isinstance(reference, str) or not reference.startswith(ENV_PREFIX):
            raise ConfigError(
                "Bí mật phải được khai báo dạng env:TEN_BIEN (ví dụ token: env:FB_TOKEN), "
                "không ghi thẳng vào tệp YAML."
            )
        name = reference[len(ENV_PREFIX):]
        value = self._environ.get(name) or self._dotenv.get(name)
        if not value:
            raise ConfigError(
                f"Chưa đặt biến môi trường {name}. Hãy thêm dòng {name}=... vào tệp .env "
                "của thư mục làm việc hoặc đặt biến môi trường trước khi chạy."
            )
        self._seen.add(value)
        _KNOWN_SECRETS.add(value)
        return value

    def known(self) -> Iterable[str]:
        return tuple(self._seen)

    def redact(self, text: str) -> str:
        return redact(text, self._seen)


_TOKEN_PARAMS = re.compile(
    r"(?i)((?:access_token|refresh_token|secret_key|token|password|appsecret_proof)[\"']?\s*[=:]\s*[\"']?)"
    r"([^&\s\"',}]+)"
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Blank known secret values and anything that looks like a token parameter."""
    out = str(text)
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        out = out.replace(secret, "***")
    return _TOKEN_PARAMS.sub(r"\1***", out)
