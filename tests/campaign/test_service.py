"""Running as a service: systemd units, the Secure cookie off loopback only, forwarded client
addresses trusted only from configured proxies, the version on the CLI and in the footer."""

from __future__ import annotations

import configparser
import time
from importlib import metadata
from pathlib import Path

from click.testing import CliRunner
from starlette.testclient import TestClient

from campaign.cli import main
from campaign.web import create_app
from campaign.web.security import behind_proxies, secure_cookie, trusted_proxies
from campaign.web.users import LoginLimiter, add_user
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from tests.campaign.test_web import csrf_of

PASSWORD = "mat-khau-rat-dai-123"


def test_service_install_writes_units_for_run_and_serve(ws: Workspace, tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["service", "install", "-w", str(ws.root), "--user", "nobody",
                                    "--dir", str(tmp_path / "units"), "--port", "8099"])
    assert out.exit_code == 0, out.output
    assert "systemctl enable --now campaign-run campaign-serve" in out.output
    for name, command in (("campaign-run.service", f"run -w {ws.root}"),
                          ("campaign-serve.service", "serve -w")):
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.optionxform = str  # type: ignore[assignment]
        unit.read(tmp_path / "units" / name, encoding="utf-8")
        service = unit["Service"]
        assert service["User"] == "nobody" and service["WorkingDirectory"] == str(ws.root)
        assert service["Restart"] == "on-failure"
        assert service["EnvironmentFile"] == f"-{ws.root}/.env"
        assert command in service["ExecStart"] and service["ExecStart"].startswith("/")
        assert unit["Install"]["WantedBy"] == "multi-user.target"
    serve = (tmp_path / "units" / "campaign-serve.service").read_text(encoding="utf-8")
    assert "--host 127.0.0.1 --port 8099 --trusted-proxy 127.0.0.1" in serve


def test_service_install_refuses_root_and_overwrites_only_when_told(ws: Workspace,
                                                                    tmp_path: Path) -> None:
    args = ["service", "install", "-w", str(ws.root), "--dir", str(tmp_path / "u")]
    out = CliRunner().invoke(main, [*args, "--user", "root"])
    assert out.exit_code == 2 and "Không chạy dịch vụ bằng root" in out.output
    assert CliRunner().invoke(main, [*args, "--user", "nobody"]).exit_code == 0
    out = CliRunner().invoke(main, [*args, "--user", "daemon"])
    assert out.exit_code == 2 and "--force" in out.output
    assert CliRunner().invoke(main, [*args, "--user", "daemon", "--force"]).exit_code == 0


def test_secure_cookie_unless_on_loopback() -> None:
    assert not secure_cookie("127.0.0.1") and not secure_cookie("::1")
    assert not secure_cookie("localhost")
    assert secure_cookie("0.0.0.0") and secure_cookie("10.0.0.5")
    assert not secure_cookie("0.0.0.0", allow_http=True)
    assert trusted_proxies(("10.0.0.1",), "10.0.0.2, 10.0.0.1") == ["10.0.0.1", "10.0.0.2"]


def _client(ws: Workspace, ledger: Ledger, limiter: LoginLimiter, proxies: list[str],
            https_only: bool = False) -> TestClient:
    app = create_app(ws, ledger, secret="s" * 40, limiter=limiter, https_only=https_only)
    return TestClient(behind_proxies(app, proxies), base_url="http://127.0.0.1",
                      follow_redirects=False)


def _fail_login(client: TestClient, forwarded: str) -> int:
    page = client.get("/login")
    return client.post("/login", headers={"X-Forwarded-For": forwarded},
                       data={"name": "x", "password": "sai", "csrf": csrf_of(page.text),
                             "next": "/"}).status_code


def test_the_limiter_sees_the_forwarded_client_only_behind_a_trusted_proxy(
        ws: Workspace, ledger: Ledger) -> None:
    # TestClient's peer address is "testclient": here it plays the nginx in front of us
    limiter = LoginLimiter()
    client = _client(ws, ledger, limiter, ["testclient"])
    for _ in range(5):
        assert _fail_login(client, "203.0.113.7") == 401
    now = time.monotonic()
    # the limiter counts per account and real client (not one lockout behind one address)
    assert limiter.blocked_for("x", "203.0.113.7", now) > 0  # the real client
    assert limiter.blocked_for("x", "203.0.113.8", now) == 0  # its neighbours: not
    assert limiter.blocked_for("x", "testclient", now) == 0  # nor the proxy itself
    # without a trusted proxy, a client cannot choose its address by sending the header
    limiter = LoginLimiter()
    client = _client(ws, ledger, limiter, [])
    for _ in range(5):
        _fail_login(client, f"198.51.100.{_}")
    now = time.monotonic()
    assert limiter.blocked_for("x", "testclient", now) > 0
    assert limiter.blocked_for("x", "198.51.100.1", now) == 0


def test_version_on_the_cli_and_in_the_footer(ws: Workspace, ledger: Ledger) -> None:
    version = metadata.version("campaign-scheduler")
    out = CliRunner().invoke(main, ["--version"])
    assert out.exit_code == 0 and out.output.strip() == f"campaign {version}"
    add_user(ledger, "vanhanh", "operator", PASSWORD)
    client = _client(ws, ledger, LoginLimiter(), [])
    page = client.get("/login")
    client.post("/login", data={"name": "vanhanh", "password": PASSWORD,
                                "csrf": csrf_of(page.text), "next": "/"})
    assert f"phiên bản {version}" in client.get("/").text


def test_the_session_cookie_is_secure_when_asked(ws: Workspace, ledger: Ledger) -> None:
    add_user(ledger, "vanhanh", "operator", PASSWORD)
    client = _client(ws, ledger, LoginLimiter(), [], https_only=True)
    page = client.get("/login")
    done = client.post("/login", data={"name": "vanhanh", "password": PASSWORD,
                                       "csrf": csrf_of(page.text), "next": "/"})
    assert "secure" in done.headers.get("set-cookie", "").lower()
