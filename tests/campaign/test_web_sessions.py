"""Sessions end on the server: logout, a password change, disabling or removing an account make
a copied session cookie worthless. Accounts from the CLI; the login limiter per account and
per client."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from campaign.cli import main
from campaign.web.users import LoginLimiter, authenticate
from tests.campaign.test_web import PASSWORD, client_for, csrf_of, login, populate


@pytest.fixture
def world(tmp_path):
    ws, ledger = populate(tmp_path / "ws")
    yield ws, ledger
    ledger.dispose()


def cookie_of(client) -> str:
    return client.cookies.get("campaign_session")


def with_cookie(world, cookie: str):
    stolen = client_for(*world)
    stolen.cookies.set("campaign_session", cookie)
    return stolen


def test_logout_ends_the_session_on_the_server(world):
    client = client_for(*world)
    assert login(client, "vanhanh").status_code == 303
    copied = cookie_of(client)
    assert with_cookie(world, copied).get("/").status_code == 200  # the copy works now
    home = client.get("/")
    client.post("/logout", data={"csrf": csrf_of(home.text)})
    replay = with_cookie(world, copied).get("/")
    assert replay.status_code == 303 and replay.headers["location"].startswith("/login")
    assert login(client, "vanhanh").status_code == 303  # logging in again works


def test_password_change_ends_other_sessions_but_keeps_this_one(world):
    here, there = client_for(*world), client_for(*world)
    login(here, "lanhdao")
    login(there, "lanhdao")
    page = here.get("/account")
    assert page.status_code == 200 and "Đổi mật khẩu" in page.text
    wrong = here.post("/account", data={"csrf": csrf_of(page.text), "current": "sai-roi-nhe",
                                        "new": "mat-khau-moi-dai", "again": "mat-khau-moi-dai"})
    assert wrong.status_code == 400 and "Mật khẩu hiện tại không đúng" in wrong.text
    assert there.get("/").status_code == 200  # nothing changed yet
    done = here.post("/account", data={"csrf": csrf_of(page.text), "current": PASSWORD,
                                       "new": "mat-khau-moi-dai", "again": "mat-khau-moi-dai"})
    assert done.status_code == 303
    assert "Đã đổi mật khẩu" in here.get("/account").text  # this session goes on
    assert there.get("/").status_code == 303  # the other one is over
    assert login(there, "lanhdao").status_code == 401
    assert login(there, "lanhdao", "mat-khau-moi-dai").status_code == 303


def test_disable_and_remove_end_sessions_and_replace_keeps_the_rest(world):
    ws, ledger = world
    runner = CliRunner()
    client = client_for(*world)
    login(client, "quanly")
    assert client.get("/").status_code == 200
    done = runner.invoke(main, ["user", "disable", "quanly", "-w", str(ws.root)])
    assert done.exit_code == 0 and "Đã khoá" in done.output
    assert client.get("/").status_code == 303
    assert login(client, "quanly").status_code == 401
    runner.invoke(main, ["user", "enable", "quanly", "-w", str(ws.root)])
    assert login(client, "quanly").status_code == 303

    # --replace with only a role: the full name and the password stay
    changed = runner.invoke(main, ["user", "add", "quanly", "--replace", "--role", "operator",
                                   "-w", str(ws.root), "--password-stdin"], input="\n")
    assert changed.exit_code == 0, changed.output
    user = authenticate(ledger, "quanly", PASSWORD)
    assert user is not None and user.role == "operator" and user.full_name == "Người manager"
    assert client.get("/").status_code == 303  # a role change ends the session too
    new = runner.invoke(main, ["user", "add", "moi", "-w", str(ws.root), "--password-stdin"],
                        input="mot-mat-khau-dai\n")
    assert new.exit_code == 2 and "vai trò" in new.output

    login(client, "quanly")
    gone = runner.invoke(main, ["user", "remove", "quanly", "-w", str(ws.root)])
    assert gone.exit_code == 0
    assert client.get("/").status_code == 303
    missing = runner.invoke(main, ["user", "remove", "quanly", "-w", str(ws.root)])
    assert missing.exit_code == 2 and "Không có tài khoản" in missing.output


def test_limiter_counts_per_account_per_client_and_overall():
    limiter = LoginLimiter(limit=3, account_limit=5, client_limit=7, window=60)
    for i in range(3):
        limiter.failed("lan", "10.0.0.1", float(i))
    assert limiter.blocked_for("lan", "10.0.0.1", 3.0) > 0
    assert limiter.blocked_for("hung", "10.0.0.1", 3.0) == 0  # a colleague on the same NAT
    assert limiter.blocked_for("lan", "10.0.0.2", 3.0) == 0  # lan from her phone
    limiter.failed("lan", "10.0.0.2", 4.0)
    limiter.failed("lan", "10.0.0.3", 5.0)
    assert limiter.blocked_for("lan", "10.0.0.9", 6.0) > 0  # guessing lan from many places
    for i, name in enumerate(["a", "b", "c", "d"]):
        limiter.failed(name, "10.0.0.1", 6.0 + i)
    assert limiter.blocked_for("moi", "10.0.0.1", 11.0) > 0  # one client spraying accounts
    assert limiter.blocked_for("moi", "10.0.0.1", 80.0) == 0  # the window passed
