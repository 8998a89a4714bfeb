"""``campaign endpoints check`` and ``campaign connect`` against local platform fakes."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from campaign.cli import main
from channels.base import MemoryTokenStore
from channels.zalo import TOKEN_REFRESH
from tests.channels.fakes.graph_api import GraphAPI
from tests.channels.fakes.zalo_api import ZaloAPI

PAGE_TOKEN = "EAAPageTokenSECRET123"
USER_TOKEN = "EAAUserTokenSECRET456"


@pytest.fixture
def graph() -> Iterator[GraphAPI]:
    with GraphAPI(page_token=PAGE_TOKEN, user_token=USER_TOKEN) as fake:
        yield fake


@pytest.fixture
def zalo() -> Iterator[ZaloAPI]:
    with ZaloAPI() as fake:
        yield fake


def workspace(root: Path, graph: GraphAPI, zalo: ZaloAPI, *, fb_token: str = PAGE_TOKEN) -> Path:
    root.mkdir(exist_ok=True)
    (root / "directory.yaml").write_text(f"""\
timezone: Asia/Ho_Chi_Minh
units:
  - {{id: trung-tam, name: Trung tâm VH-TT-TT, kind: centre}}
  - {{id: tan-phong, name: Phường Tân Phong}}
endpoints:
  - id: fb-tan-phong
    channel: facebook
    unit: tan-phong
    page_id: "{graph.page_id}"
    token: env:FB_TOKEN_TAN_PHONG
    api_base: {graph.api_base}
  - id: zalo-tan-phong
    channel: zalo
    unit: tan-phong
    oa_id: "{zalo.oa_id}"
    app_id: "{zalo.app_id}"
    secret_key: env:ZALO_SECRET
    refresh_token: env:ZALO_REFRESH
    api_base: {zalo.base}
    oauth_base: {zalo.base}
""", encoding="utf-8")
    (root / ".env").write_text(f"FB_TOKEN_TAN_PHONG={fb_token}\nZALO_SECRET={zalo.secret_key}\n"
                               f"ZALO_REFRESH={zalo.refresh_token}\n", encoding="utf-8")
    return root


def test_check_all_endpoints(tmp_path: Path, graph: GraphAPI, zalo: ZaloAPI) -> None:
    ws = workspace(tmp_path / "ws", graph, zalo)
    result = CliRunner().invoke(main, ["endpoints", "check", "-w", str(ws)])
    assert result.exit_code == 0, result.output
    assert "fb-tan-phong" in result.output and "Phường Tân Phong" in result.output
    assert "pages_manage_posts" in result.output
    assert "Tất cả 2 điểm nhận đều ổn" in result.output
    assert PAGE_TOKEN not in result.output
    assert not graph.posts and zalo.refreshes == 0  # no post, no token rotation


def test_check_with_durable_store_reads_the_oa(tmp_path: Path, graph: GraphAPI,
                                               zalo: ZaloAPI) -> None:
    ws = workspace(tmp_path / "ws", graph, zalo)
    store = MemoryTokenStore()
    store.put("zalo-tan-phong", "zalo_access_token", "stale")  # marks a store in use
    result = CliRunner().invoke(main, ["endpoints", "check", "zalo-tan-phong", "-w", str(ws)],
                                obj={"token_store": store})
    assert result.exit_code == 0, result.output
    assert "người quan tâm: 1234" in result.output
    assert store.get("zalo-tan-phong", TOKEN_REFRESH) == zalo.refresh_token


def test_check_reports_bad_token_with_exit_1(tmp_path: Path, graph: GraphAPI,
                                             zalo: ZaloAPI) -> None:
    ws = workspace(tmp_path / "ws", graph, zalo, fb_token="EAAWrongSECRET999")
    result = CliRunner().invoke(main, ["endpoints", "check", "fb-tan-phong", "-w", str(ws)])
    assert result.exit_code == 1
    assert "LỖI" in result.output and "campaign connect facebook" in result.output
    assert "EAAWrongSECRET999" not in result.output


def test_check_bad_input_exits_2(tmp_path: Path, graph: GraphAPI, zalo: ZaloAPI) -> None:
    ws = workspace(tmp_path / "ws", graph, zalo)
    result = CliRunner().invoke(main, ["endpoints", "check", "khong-co", "-w", str(ws)])
    assert result.exit_code == 2 and "Không có điểm nhận 'khong-co'" in result.output
    result = CliRunner().invoke(main, ["endpoints", "check", "-w", str(tmp_path / "trong")])
    assert result.exit_code == 2 and "directory.yaml" in result.output
    (ws / "directory.yaml").write_text(
        "units: [{id: a, name: A}]\nendpoints:\n  - {id: fb, channel: facebook, unit: a, "
        "page_id: '1', token: EAAInlineSECRET}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["endpoints", "check", "-w", str(ws)])
    assert result.exit_code == 2 and "env:TEN_BIEN" in result.output


def test_connect_facebook_prints_env_lines(tmp_path: Path, graph: GraphAPI,
                                           zalo: ZaloAPI) -> None:
    ws = workspace(tmp_path / "ws", graph, zalo)
    graph.extra_pages = [{"access_token": "EAAOtherPage", "name": "Xã Mới", "id": "777",
                          "tasks": ["CREATE_CONTENT"]}]
    result = CliRunner().invoke(main, ["connect", "facebook", "-w", str(ws)],
                                input=USER_TOKEN + "\n")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"FB_TOKEN_TAN_PHONG={PAGE_TOKEN}" in lines  # the name the endpoint expects
    assert "FB_TOKEN_XA_MOI=EAAOtherPage" in lines
    assert "page_id: \"777\"" in result.output
    assert USER_TOKEN not in result.output


def test_connect_facebook_bad_token(tmp_path: Path, graph: GraphAPI, zalo: ZaloAPI) -> None:
    ws = workspace(tmp_path / "ws", graph, zalo)
    result = CliRunner().invoke(main, ["connect", "facebook", "-w", str(ws)],
                                input="EAABadUserSECRET\n")
    assert result.exit_code == 2 and "EAABadUserSECRET" not in result.output


def test_connect_zalo_stores_refresh_token(tmp_path: Path, graph: GraphAPI,
                                           zalo: ZaloAPI) -> None:
    ws = workspace(tmp_path / "ws", graph, zalo)
    zalo.open_code = "AuthCodeFromBrowser"
    store = MemoryTokenStore()
    result = CliRunner().invoke(
        main, ["connect", "zalo", "zalo-tan-phong", "-w", str(ws),
               "--redirect-uri", "https://ttvh.example.vn/zalo/cb"],
        input="AuthCodeFromBrowser\n", obj={"token_store": store})
    assert result.exit_code == 0, result.output
    url = re.search(r"(http://127\.0\.0\.1:\d+/v4/oa/permission\?\S+)", result.output).group(1)
    challenge = parse_qs(urlsplit(url).query)["code_challenge"][0]
    expected = base64.urlsafe_b64encode(
        hashlib.sha256(zalo.last_verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == expected
    assert store.get("zalo-tan-phong", TOKEN_REFRESH) == zalo.refresh_token
    assert zalo.refresh_token not in result.output


def test_connect_zalo_without_store_prints_env_line(tmp_path: Path, graph: GraphAPI,
                                                    zalo: ZaloAPI) -> None:
    ws = workspace(tmp_path / "ws", graph, zalo)
    zalo.open_code = "AuthCodeFromBrowser"
    result = CliRunner().invoke(
        main, ["connect", "zalo", "zalo-tan-phong", "-w", str(ws),
               "--redirect-uri", "https://ttvh.example.vn/zalo/cb"],
        input="https://ttvh.example.vn/zalo/cb?code=AuthCodeFromBrowser&state=sai\n")
    assert result.exit_code == 2 and "state" in result.output
    result = CliRunner().invoke(
        main, ["connect", "zalo", "zalo-tan-phong", "-w", str(ws),
               "--redirect-uri", "https://ttvh.example.vn/zalo/cb"],
        input="AuthCodeFromBrowser\n")
    assert result.exit_code == 0, result.output
    assert f"ZALO_REFRESH={zalo.refresh_token}" in result.output.splitlines()
    result = CliRunner().invoke(main, ["connect", "zalo", "fb-tan-phong", "-w", str(ws),
                                       "--redirect-uri", "https://x.vn/cb"])
    assert result.exit_code == 2 and "không phải điểm nhận Zalo" in result.output
