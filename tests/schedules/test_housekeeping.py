"""Housekeeping the service runs on a schedule: renewing rotating credentials."""

from __future__ import annotations

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
