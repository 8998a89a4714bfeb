"""The worker's log lines: one JSON object per line, whatever the message holds.

``campaign run`` logs for journald and log shippers, which parse each line as JSON. A
%-format template breaks on a quote, a backslash or a newline in a message (Vietnamese error
texts quote file names; tracebacks span lines), so lines are built with :func:`json.dumps`.
Secrets never reach a formatter: :mod:`channels.secrets` blanks them in every log record as it
is created (message and traceback), and importing it here makes sure that factory is installed.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import channels.secrets  # noqa: F401 - installs the redacting log-record factory


class JsonFormatter(logging.Formatter):
    """``{"at", "level", "msg"}`` plus ``"exc"`` (the traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"at": self.formatTime(record), "level": record.levelname,
                                 "msg": record.getMessage()}
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def json_handler() -> logging.Handler:
    """A stderr handler writing :class:`JsonFormatter` lines (for ``logging.basicConfig``)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    return handler
