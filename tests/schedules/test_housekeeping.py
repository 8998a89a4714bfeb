"""Housekeeping the service runs on a schedule: renewing rotating credentials."""

from __future__ import annotations

import os
from datetime import date

from campaign.housekeeping import prune
from campaign.runtime import make_dispatcher, token_store
from campaign.workspace import Workspace
from channels.zalo import TOKEN_REFRESH
from schedules.ledger import Ledger, new_secret_key
from tests.channels.fakes.zalo_api import ZaloAPI


def test_refresh_credentials_rotates_and_persists_zalo_tokens(tmp_path):
    with ZaloAPI(secret_key="ZaloSecretKEY_abc123", refresh_token="RT-0") as fake:
        root = tmp_path / "ws"
        root.mkdir()
        (root / "directory.yaml").write_text(
            "units:\n  - {id: tt, name: Trung tâm, kind: centre}\nendpoints:\n"
            f'  - {{id: zalo-tt, channel: zalo, unit: tt, oa_id: "{fake.oa_id}", '
            f'app_id: "{fake.app_id}", secret_key: env:ZALO_SECRET, '
            f"refresh_token: env:ZALO_RT, api_base: {fake.origin}, oauth_base: {fake.origin}}}\n",
            encoding="utf-8")
        (root / ".env").write_text(
            f"ZALO_SECRET=ZaloSecretKEY_abc123\nZALO_RT=RT-0\n"
            f"CAMPAIGN_SECRET_KEY={new_secret_key()}\n", encoding="utf-8")
        ws = Workspace.open(root)
        ledger = Ledger(ws.db_url)
        dispatcher = make_dispatcher(ws, ledger)
        assert dispatcher.refresh_credentials() == {"zalo-tt": None}
        stored = token_store(ws, ledger).get("zalo-tt", TOKEN_REFRESH)
        assert stored and stored != "RT-0" and stored == fake.refresh_token
        # the next renewal uses the stored token, not the spent one from .env
        assert make_dispatcher(ws, ledger).refresh_credentials() == {"zalo-tt": None}
        assert token_store(ws, ledger).get("zalo-tt", TOKEN_REFRESH) == fake.refresh_token
        fake.refresh_token = "revoked"
        problems = make_dispatcher(ws, ledger).refresh_credentials()
        assert problems["zalo-tt"] and "ZaloSecretKEY" not in problems["zalo-tt"]
        ledger.dispose()


def test_retention_prunes_old_previews_and_cache_but_never_the_ledger(ws, ledger):
    old = ws.outbox_dir / "loa-tan-phong" / "2025-01-01"
    recent = ws.outbox_dir / "loa-tan-phong" / "2025-06-25"
    for folder in (old, recent):
        folder.mkdir(parents=True)
        (folder / "0530-tin.txt").write_text("x", encoding="utf-8")
    stale = ws.var_dir / "speech" / "ab" / "abc.mp3"
    fresh = ws.var_dir / "speech" / "cd" / "cde.mp3"
    stale_stream = ws.var_dir / "icecast" / "0123abcd-32k.mp3"  # a transcode for Icecast
    fresh_stream = ws.var_dir / "icecast" / "4567cdef-32k.mp3"
    for path in (stale, fresh, stale_stream, fresh_stream):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"ID3")
    now = 1_750_000_000.0  # 2025-06-15
    os.utime(stale, (now - 200 * 86400, now - 200 * 86400))
    os.utime(fresh, (now - 10 * 86400, now - 10 * 86400))
    os.utime(stale_stream, (now - 200 * 86400, now - 200 * 86400))
    os.utime(fresh_stream, (now - 10 * 86400, now - 10 * 86400))
    result = prune(ws, today=date(2025, 7, 1), now=now)
    assert (result.folders, result.files) == (1, 2)
    assert not stale_stream.exists() and fresh_stream.exists()
    assert not old.exists() and recent.exists()
    assert not stale.exists() and fresh.exists()
    assert (ws.root / "campaign.db").exists()
