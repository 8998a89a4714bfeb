"""Secrets: env:NAME references, .env files, and no secret in any log record."""

from __future__ import annotations

import logging

import pytest

from channels.base import ConfigError
from channels.secrets import SecretResolver, env_reference, read_dotenv


def test_dotenv_and_environment(tmp_path):
    (tmp_path / ".env").write_text('# bí mật\nA="tu-tep"\nexport B=b\n', encoding="utf-8")
    assert read_dotenv(tmp_path / ".env") == {"A": "tu-tep", "B": "b"}
    resolver = SecretResolver(read_dotenv(tmp_path / ".env"), environ={"A": "tu-moi-truong"})
    assert resolver("env:A") == "tu-moi-truong" and resolver("env:B") == "b"
    with pytest.raises(ConfigError, match="CHUA_CO"):
        resolver("env:CHUA_CO")
    with pytest.raises(ConfigError, match="env:TEN_BIEN"):
        resolver("EAA-literal-token")
    with pytest.raises(ValueError, match="env:TEN_BIEN"):
        env_reference("EAA-literal-token")


def test_resolved_secrets_never_reach_a_log_record(caplog):
    secret = "SECRET-LOG-TOKEN-987"
    SecretResolver(environ={"T": secret})("env:T")
    log = logging.getLogger("some.library")
    with caplog.at_level(logging.DEBUG):
        log.info("GET https://api.example/bot%s/getMe", secret)
        try:
            raise RuntimeError(f"failed with token={secret}")
        except RuntimeError:
            log.exception("request failed")
    text = "\n".join(caplog.text.splitlines())
    assert secret not in text and "***" in text
    assert "RuntimeError" in text  # the traceback is kept, only the secret is blanked


def test_dotenv_keeps_secrets_literal_and_reads_quoted_multiline(tmp_path):
    """python-dotenv parses the file; a '$' in a password is not expanded."""
    (tmp_path / ".env").write_text(
        'PASS=ab$HOME${USER}cd\nKEY="dong 1\ndong 2"\nCHI_TEN\nTRONG=\n', encoding="utf-8")
    assert read_dotenv(tmp_path / ".env") == {"PASS": "ab$HOME${USER}cd",
                                              "KEY": "dong 1\ndong 2", "TRONG": ""}
    assert read_dotenv(tmp_path / "khong-co.env") == {}
