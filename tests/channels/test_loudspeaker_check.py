"""Loudspeaker routes' check() for real, publishing nothing: a real icecast2 judges the source
password, the folder must take a file, the bot must be a member of the ward's chat."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from channels.base import AuthError, ConfigError, PermissionDeniedError, TransientError
from tests.channels.fakes.telegram_api import TelegramAPI
from tests.channels.test_loudspeaker import (  # noqa: F401 - fixtures
    CHAT,
    TOKEN,
    adapter,
    icecast,
    icecast_status,
    workspace,
)


def test_icecast_check_accepts_the_right_password_and_plays_nothing(workspace: Path,  # noqa: F811
                                                                     icecast: int) -> None:  # noqa: F811
    ad = adapter(workspace, {"via": "icecast", "url": f"http://127.0.0.1:{icecast}/tan-phong.mp3",
                             "password": "env:ICE_PW"})
    result = ad.check()
    assert result["ok"] and "được chấp nhận" in result["note"]
    assert not icecast_status(icecast).get("source")  # nothing streamed


def test_icecast_check_rejects_a_wrong_password(workspace: Path, icecast: int,  # noqa: F811
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    ad = adapter(workspace, {"via": "icecast", "url": f"http://127.0.0.1:{icecast}/tan-phong.mp3",
                             "password": "env:ICE_PW"})
    ad.context.secrets._environ["ICE_PW"] = "sai-mat-khau"  # type: ignore[attr-defined]
    with pytest.raises(AuthError, match="từ chối mật khẩu nguồn") as caught:
        ad.check()
    assert "sai-mat-khau" not in caught.value.message


def test_icecast_check_reports_an_unreachable_server(workspace: Path) -> None:  # noqa: F811
    ad = adapter(workspace, {"via": "icecast", "url": "http://127.0.0.1:9/x.mp3",
                             "password": "env:ICE_PW"})
    with pytest.raises(TransientError, match="Không kết nối được"):
        ad.check()


def test_folder_check_needs_a_writable_folder(workspace: Path) -> None:  # noqa: F811
    ad = adapter(workspace, {"via": "folder", "path": "var/loa"})
    assert ad.check()["ok"] and (workspace / "var" / "loa").is_dir()
    assert not list((workspace / "var" / "loa").iterdir())  # the probe file is gone
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    locked = workspace / "khoa"
    locked.mkdir(mode=0o500)
    ad = adapter(workspace, {"via": "folder", "path": str(locked / "loa")})
    with pytest.raises(ConfigError, match="Không ghi được"):
        ad.check()


def test_telegram_check_asks_whether_the_bot_is_in_the_chat(workspace: Path) -> None:  # noqa: F811
    with TelegramAPI(TOKEN, chats={CHAT: "Loa phường Tân Phong"}) as api:
        ad = adapter(workspace, {"via": "telegram", "chat_id": CHAT},
                     telegram={"token": "env:TG_TOKEN", "api_base": api.base})
        result = ad.check()
        assert result["ok"] and "thành viên" in result["note"]
        member = api.called("getChatMember")[-1].fields
        assert str(member["chat_id"]) == str(CHAT) and str(member["user_id"]) == str(api.bot_id)
        assert not api.called("sendMessage") and not api.called("sendAudio")
        api.left = {str(CHAT)}  # type: ignore[attr-defined]
        with pytest.raises(PermissionDeniedError, match="không còn trong nhóm"):
            ad.check()
        ad = adapter(workspace, {"via": "telegram", "chat_id": -100999},
                     telegram={"token": "env:TG_TOKEN", "api_base": api.base})
        with pytest.raises(ConfigError, match="Không tìm thấy chat_id"):
            ad.check()
