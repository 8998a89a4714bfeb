"""``campaign connect …``: first-time authorisation of a Facebook Page or a Zalo OA.

Facebook page tokens go to ``.env`` (the operator pastes them); a Zalo refresh token rotates, so
it goes to the token store. Until the ledger's encrypted store is wired, the store comes from
``ctx.obj["token_store"]`` or :data:`token_store_factory`; without either, the command prints the
refresh token as the initial value for ``.env`` and warns that it is single-use.
"""

from __future__ import annotations

import secrets as pysecrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import click

from campaign.commands._common import fail, user_errors, workspace_option
from campaign.runtime import token_store
from campaign.workspace import Workspace
from channels.base import TokenStore
from channels.facebook import DEFAULT_API_BASE, FacebookConfig, connect_facebook
from channels.zalo import (
    ZaloConfig,
    authorization_url,
    exchange_code,
    pkce_pair,
    store_initial_tokens,
)

token_store_factory: Callable[[Workspace], TokenStore] | None = None
"""Set by the ledger layer wiring: the durable (encrypted) store for rotating tokens."""


@click.group("connect", help="Kết nối lần đầu một trang Facebook hoặc Zalo OA (lấy token).")
def command() -> None:
    """Connect group."""


def _workspace_or_none(path: Path) -> Workspace | None:
    return Workspace(path.expanduser().resolve()) \
        if (path.expanduser() / "directory.yaml").is_file() else None


@command.command("facebook")
@workspace_option
@click.option("--api-base", default=None,
              help=f"Địa chỉ Graph API (mặc định lấy từ directory.yaml hoặc {DEFAULT_API_BASE}).")
@click.option("--app-id", default=None, help="App ID, để đổi token người dùng sang token dài hạn.")
@click.option("--app-secret-env", default=None, metavar="TEN_BIEN",
              help="Tên biến môi trường/.env chứa App Secret (đi kèm --app-id).")
@user_errors
def facebook(workspace: Path, api_base: str | None, app_id: str | None,
             app_secret_env: str | None) -> None:
    """Đổi token người dùng (dán vào khi được hỏi) lấy token của các trang bạn quản lý."""
    ws = _workspace_or_none(workspace)
    fb_endpoints = [e for e in (ws.directory.endpoints.values() if ws else [])
                    if isinstance(e, FacebookConfig)]
    base = api_base or (fb_endpoints[0].api_base if fb_endpoints else DEFAULT_API_BASE)
    app_secret = None
    if app_id and app_secret_env:
        if ws is None:
            fail("Cần thư mục làm việc (-w) để đọc App Secret từ tệp .env.")
        app_secret = ws.secrets(f"env:{app_secret_env}")
    user_token = click.prompt("Dán token người dùng Facebook (có quyền pages_show_list, "
                              "pages_manage_posts)", hide_input=True, err=True).strip()
    if not user_token:
        fail("Chưa nhập token.")
    pages = connect_facebook(base, user_token, app_id=app_id, app_secret=app_secret)
    by_page = {e.page_id: e for e in fb_endpoints}
    click.echo("# Thêm các dòng sau vào tệp .env của thư mục làm việc (giữ bí mật, không gửi "
               "qua tin nhắn):")
    for page in pages:
        endpoint = by_page.get(page["page_id"])
        env_name = endpoint.token.removeprefix("env:") if endpoint else page["env_name"]
        where = f"điểm nhận {endpoint.id}" if endpoint else "chưa có trong directory.yaml"
        click.echo(f"# {page['name']} (page_id {page['page_id']}, {where})")
        click.echo(f"{env_name}={page['token']}")
    missing = [p for p in pages if p["page_id"] not in by_page]
    if missing:
        click.echo("# Với trang chưa có trong directory.yaml, thêm vào mục endpoints, ví dụ:")
        for page in missing:
            click.echo(f"#   - {{id: fb-..., channel: facebook, unit: ..., "
                       f"page_id: \"{page['page_id']}\", token: env:{page['env_name']}}}")
    click.echo("# Sau đó chạy: campaign endpoints check")


def _code_from(answer: str, state: str) -> str:
    """The operator may paste the code or the whole redirect address."""
    answer = answer.strip()
    if "://" not in answer and "code=" not in answer:
        return answer
    query = parse_qs(urlsplit(answer).query if "://" in answer else answer.lstrip("?"))
    if query.get("state", [state])[0] != state:
        fail("Địa chỉ chuyển hướng không khớp với lần cấp quyền này (state khác). Hãy chạy lại "
             "lệnh và dùng đúng đường dẫn vừa in ra.")
    code = query.get("code", [""])[0]
    if not code:
        fail("Không thấy tham số code trong địa chỉ vừa dán.")
    return code


@command.command("zalo")
@click.argument("endpoint_id")
@workspace_option
@click.option("--redirect-uri", envvar="ZALO_REDIRECT_URI", required=True,
              help="Địa chỉ callback đã đăng ký cho ứng dụng Zalo (biến ZALO_REDIRECT_URI).")
@click.pass_context
@user_errors
def zalo(ctx: click.Context, endpoint_id: str, workspace: Path, redirect_uri: str) -> None:
    """Cấp quyền cho ứng dụng đăng bài trên Zalo OA (luồng PKCE) và lưu refresh token."""
    ws = Workspace.open(workspace)
    endpoint = ws.directory.endpoints.get(endpoint_id)
    if not isinstance(endpoint, ZaloConfig):
        known = ", ".join(e.id for e in ws.directory.endpoints.values()
                          if isinstance(e, ZaloConfig)) or "(chưa có)"
        fail(f"'{endpoint_id}' không phải điểm nhận Zalo trong directory.yaml. Các điểm nhận "
             f"Zalo: {known}.")
    secret_key = ws.secrets(endpoint.secret_key)
    verifier, challenge = pkce_pair()
    state = pysecrets.token_urlsafe(12)
    url = authorization_url(endpoint.oauth_base, endpoint.app_id, redirect_uri, challenge, state)
    click.echo("1. Đăng nhập tài khoản quản trị OA rồi mở đường dẫn sau để cấp quyền:")
    click.echo(f"   {url}")
    click.echo("2. Sau khi đồng ý, trình duyệt chuyển tới địa chỉ callback có tham số code.")
    answer = click.prompt("Dán mã code (hoặc cả địa chỉ chuyển hướng)", err=True)
    code = _code_from(answer, state)
    body = exchange_code(endpoint.oauth_base, endpoint.app_id, secret_key, code, verifier)
    store: TokenStore | None = None
    if isinstance(ctx.obj, dict):
        store = ctx.obj.get("token_store")
    if store is None and token_store_factory is not None:
        store = token_store_factory(ws)
    if store is None:
        store = token_store(ws)
    if store is not None:
        store_initial_tokens(store, endpoint.id, body)
        click.echo(f"Đã lưu token cho điểm nhận {endpoint.id}. Refresh token sẽ được tự động "
                   "làm mới; không cần sửa tệp .env.")
        click.echo("Kiểm tra lại bằng lệnh: campaign endpoints check " + endpoint.id)
        return
    name = endpoint.refresh_token.removeprefix("env:")
    click.echo("Chưa có kho lưu token bền vững. Ghi dòng sau vào tệp .env NGAY, trước khi chạy "
               "lệnh gửi bài (refresh token chỉ dùng được một lần):")
    click.echo(f"{name}={body['refresh_token']}")
