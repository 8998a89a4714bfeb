"""CLI actions log the operating-system account beside the name typed after --by (issue 13),
so an approval, a revocation, an alert, a cancel, a retry or a resolve can be traced to the
login that ran it; the dashboard's approvals (the service's account) do not carry it."""

from __future__ import annotations

import os
import pwd
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from campaign.actor import os_user_detail
from campaign.approval import approve
from campaign.cli import main
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from schedules.models import LogEntry, Post
from tests.campaign.test_cli import future_campaign
from tests.conftest import write_campaign

ACCOUNT = pwd.getpwuid(os.geteuid()).pw_name


def run(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _entries(ledger: Ledger, event: str) -> list[tuple[str | None, dict[str, Any]]]:
    with ledger.session() as s:
        rows = s.execute(select(LogEntry.actor, LogEntry.detail)
                         .where(LogEntry.event == event).order_by(LogEntry.id)).all()
    return [(actor, dict(detail or {})) for actor, detail in rows]


def test_every_cli_action_logs_the_account(ws: Workspace,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "mallory")  # $USER and $LOGNAME can be set by anyone
    monkeypatch.setenv("LOGNAME", "mallory")
    monkeypatch.delenv("SUDO_USER", raising=False)
    root = str(ws.root)
    run("plan", "-w", root, str(write_campaign(ws, future_campaign())))
    run("approve", "thu-nghiem", "--by", "Nguyễn Văn A", "-w", root)
    run("approve", "thu-nghiem", "--by", "Trần Thị B", "--revoke", "--reason", "Chờ", "-w", root)
    ledger = Ledger(ws.db_url)
    with ledger.session() as s:
        first, second, third = s.scalars(select(Post.id).order_by(Post.id).limit(3)).all()
        s.execute(update(Post).where(Post.id == second).values(state="failed"))
        s.execute(update(Post).where(Post.id == third).values(state="unconfirmed"))
    run("cancel", str(first), "--by", "Lê Văn C", "-w", root)
    run("retry", "--failed", "--post", str(second), "--by", "Phạm D", "-w", root)
    run("resolve", str(third), "--resend", "--by", "Võ E", "-w", root)
    run("alert", "--text", "Bão số 3 đổ bộ, đề nghị bà con không ra đường",
        "--targets", "phuong-xa", "--channels", "led", "--by", "Chủ tịch UBND", "-w", root)

    want = {"os_user": ACCOUNT}
    approved = _entries(ledger, "approved")
    assert [a for a, _ in approved] == ["Nguyễn Văn A", "Chủ tịch UBND"]
    assert all(d["os_user"] == ACCOUNT and "definition_hash" in d for _, d in approved)
    assert _entries(ledger, "revoked") == [("Trần Thị B", {**want, "reason": "Chờ"})]
    assert _entries(ledger, "cancelled") == [("Lê Văn C", {**want, "reason": "operator"})]
    assert _entries(ledger, "retry") == [("Phạm D", {**want, "reason": "operator_retry"})]
    [(actor, detail)] = _entries(ledger, "resolved")
    assert actor == "Võ E" and detail["os_user"] == ACCOUNT and detail["outcome"] == "resend"
    ledger.dispose()


def test_sudo_is_recorded_and_the_dashboard_path_adds_nothing(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUDO_USER", "lan")
    assert os_user_detail() == {"os_user": ACCOUNT, "sudo_user": "lan"}
    run("plan", "-w", str(ws.root), str(write_campaign(ws, future_campaign())))
    ledger = Ledger(ws.db_url)
    approve(ledger, "thu-nghiem", "Nguyễn Văn A")  # as the dashboard calls it
    [(actor, detail)] = _entries(ledger, "approved")
    assert actor == "Nguyễn Văn A" and "os_user" not in detail
    ledger.dispose()


def test_an_account_without_a_name_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_entry(uid: int) -> Any:
        raise KeyError(uid)

    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    monkeypatch.delenv("SUDO_USER", raising=False)
    monkeypatch.setenv("LOGNAME", "lan")
    assert os_user_detail() == {"os_user": "lan"}
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.delenv(name, raising=False)
    assert os_user_detail() == {"os_user": f"uid {os.geteuid()}"}
