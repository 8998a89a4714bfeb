"""The worker's JSON log lines stay valid JSON whatever they carry, and carry no secret."""

from __future__ import annotations

import io
import json
import logging

from campaign.logs import JsonFormatter
from channels.secrets import SecretResolver


def _capture() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.logs")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_quotes_backslashes_newlines_and_tracebacks_stay_one_json_line() -> None:
    logger, stream = _capture()
    message = 'Tệp "campaigns/tết.yaml" dòng 3:\n\tsai C:\\loa\\bản tin'
    logger.warning("%s", message)
    try:
        raise ValueError('hỏng "x"')
    except ValueError:
        logger.exception("Lỗi khi gửi bài #%d", 7)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["msg"] == message and first["level"] == "WARNING" and "exc" not in first
    assert second["msg"] == "Lỗi khi gửi bài #7" and second["level"] == "ERROR"
    assert second["exc"].startswith("Traceback") and 'ValueError: hỏng "x"' in second["exc"]
    assert set(first) == {"at", "level", "msg"}


def test_a_resolved_secret_never_reaches_the_line() -> None:
    token = "EAAB-house2-secret-value-123"
    SecretResolver({"FB_TOKEN_LOGS": token})("env:FB_TOKEN_LOGS")
    logger, stream = _capture()
    logger.info("GET /me/feed?access_token=%s \"ok\"", token)
    try:
        raise RuntimeError(f"bad token {token}")
    except RuntimeError:
        logger.exception("gửi lỗi")
    text = stream.getvalue()
    assert token not in text
    entries = [json.loads(line) for line in text.splitlines()]
    assert "***" in entries[0]["msg"] and "***" in entries[1]["exc"]
