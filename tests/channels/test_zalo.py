"""Zalo OA adapter against a local Open API + OAuth v4 server."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image
from pydantic import ValidationError

from channels.base import (
    AdapterContext,
    AuthError,
    ChannelError,
    Delivery,
    MemoryTokenStore,
    PermanentError,
    RateLimitError,
    TokenStore,
    TransientError,
    UnknownOutcomeError,
    adapter_class,
)
from channels.secrets import SecretResolver
from channels.zalo import (
    TOKEN_REFRESH,
    ZaloAdapter,
    authorization_url,
    exchange_code,
    pkce_pair,
    store_initial_tokens,
)
from tests.channels.fakes.zalo_api import ZaloAPI, zalo_error

SECRET_KEY = "ZaloSecretKEY_abc123"
INITIAL_REFRESH = "RefreshTokenSECRET_0"
EP = "zalo-tan-phong"
MORNING = datetime(2025, 3, 4, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
NIGHT = datetime(2025, 3, 4, 16, 30, tzinfo=UTC)  # 23:30 in Hà Nội


class RecordingStore(TokenStore):
    """A durable-looking store that logs every write into the fake's event list."""

    def __init__(self, events: list[tuple[str, str]], fail_on: str | None = None) -> None:
        self.data: dict[tuple[str, str], str] = {}
        self.events = events
        self.fail_on = fail_on

    def get(self, endpoint_id: str, name: str) -> str | None:
        return self.data.get((endpoint_id, name))

    def put(self, endpoint_id: str, name: str, value: str) -> None:
        if name == self.fail_on:
            raise OSError("disk full")
        self.events.append(("put", name))
        self.data[(endpoint_id, name)] = value


@pytest.fixture
def events() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def zalo(events: list[tuple[str, str]]) -> Iterator[ZaloAPI]:
    with ZaloAPI(secret_key=SECRET_KEY, refresh_token=INITIAL_REFRESH, events=events) as fake:
        yield fake


@pytest.fixture
def store(events: list[tuple[str, str]]) -> RecordingStore:
    return RecordingStore(events)


@pytest.fixture
def context(tmp_path: Path, store: RecordingStore) -> AdapterContext:
    media = tmp_path / "media"
    media.mkdir()
    Image.new("RGB", (320, 200), "navy").save(media / "bia.jpg")
    clock = {"now": MORNING}
    ctx = AdapterContext(
        secrets=SecretResolver({"ZALO_SECRET": SECRET_KEY, "ZALO_REFRESH": INITIAL_REFRESH},
                               environ={}),
        workspace=tmp_path, media_dir=media, var_dir=tmp_path / "var", tokens=store,
        timeout=0.5, now=lambda: clock["now"])
    ctx.clock = clock  # type: ignore[attr-defined]
    return ctx


MEDIA_BASE = "https://tanphong.bienhoa.dongnai.gov.vn/media"


def make(zalo: ZaloAPI | str, context: AdapterContext, **extra: Any) -> ZaloAdapter:
    base = zalo if isinstance(zalo, str) else zalo.base
    cls = adapter_class("zalo")
    config = cls.Config.model_validate({
        "id": EP, "channel": "zalo", "unit": "tan-phong", "oa_id": "579745863508352884",
        "app_id": "4433221100", "secret_key": "env:ZALO_SECRET",
        "refresh_token": "env:ZALO_REFRESH", "api_base": base, "oauth_base": base,
        "media_base_url": MEDIA_BASE, **extra})
    return cls(config, context)  # type: ignore[return-value]


def delivery(**content: Any) -> Delivery:
    return Delivery(post_id=1, post_key="k", campaign_id="nq57", campaign_title="NQ57",
                    message_id="m1", channel="zalo", priority="normal",
                    content={"title": "Nghị quyết 57", "text": "Đoạn một.\n\nĐoạn <hai>.",
                             **content},
                    due_at=MORNING, local_due=MORNING, expires_at=None, unit_id="tan-phong",
                    unit_name="Phường Tân Phong")


def every_secret(zalo: ZaloAPI) -> list[str]:
    return [SECRET_KEY, INITIAL_REFRESH, zalo.refresh_token, *zalo.access_tokens]


def assert_no_secret(exc: ChannelError, caplog: pytest.LogCaptureFixture,
                     secrets: list[str]) -> None:
    rendered = [str(exc), json.dumps(exc.as_detail(), ensure_ascii=False, default=str),
                *(r.getMessage() for r in caplog.records)]
    for secret in secrets:
        for text in rendered:
            assert secret not in text, text


# --------------------------------------------------------------------------- config
def test_config_requires_env_references() -> None:
    cls = adapter_class("zalo")
    base = {"id": "z", "channel": "zalo", "unit": "u", "oa_id": 579745, "app_id": "44"}
    with pytest.raises(ValidationError, match="env:TEN_BIEN"):
        cls.Config.model_validate({**base, "secret_key": SECRET_KEY,
                                   "refresh_token": "env:R"})
    with pytest.raises(ValidationError):
        cls.Config.model_validate({**base, "secret_key": "env:S", "refresh_token": "abc"})
    config = cls.Config.model_validate({**base, "secret_key": "env:S", "refresh_token": "env:R"})
    assert config.oa_id == "579745"
    assert config.api_base == "https://openapi.zalo.me"
    assert config.oauth_base == "https://oauth.zaloapp.com"
    assert cls.at_most_once is True


# --------------------------------------------------------------------------- success
def test_article_with_media_cover(zalo: ZaloAPI, context: AdapterContext,
                                  store: RecordingStore) -> None:
    receipt = make(zalo, context).deliver(delivery(cover="bia.jpg"))
    assert receipt.evidence == "posted" and receipt.external_id in zalo.articles
    article = zalo.articles[receipt.external_id]
    assert article["type"] == "normal" and article["status"] == "show"
    assert article["author"] == "Phường Tân Phong"
    assert article["body"] == [{"type": "text", "content": "Đoạn một."},
                               {"type": "text", "content": "Đoạn &lt;hai&gt;."}]
    # the documented cover: a public photo_url, no photo_id, and no upload (which only makes
    # message attachments)
    assert article["cover"] == {"cover_type": "photo", "status": "show",
                                "photo_url": f"{MEDIA_BASE}/bia.jpg"}
    assert zalo.calls("/upload/image") == []
    (refresh,) = zalo.calls("/v4/oa/access_token")
    assert refresh.headers["secret_key"] == SECRET_KEY
    assert refresh.form == {"app_id": "4433221100", "grant_type": "refresh_token",
                            "refresh_token": INITIAL_REFRESH}
    for call in zalo.calls("/v2.0/") :
        assert call.headers["access_token"] in zalo.access_tokens
    assert store.get(EP, TOKEN_REFRESH) == zalo.refresh_token != INITIAL_REFRESH


def test_cover_urls_pass_through_and_names_are_quoted(zalo: ZaloAPI,
                                                      context: AdapterContext) -> None:
    (context.media_dir / "ảnh bìa").mkdir()
    Image.new("RGB", (32, 20), "red").save(context.media_dir / "ảnh bìa" / "số 1.png")
    first = make(zalo, context).deliver(delivery(cover="ảnh bìa/số 1.png"))
    assert zalo.articles[first.external_id]["cover"]["photo_url"] == (
        f"{MEDIA_BASE}/%E1%BA%A3nh%20b%C3%ACa/s%E1%BB%91%201.png")
    url = "https://stc-developers.zdn.vn/images/bg_1.jpg"
    second = make(zalo, context, media_base_url=None).deliver(delivery(cover=url, title="B"))
    assert zalo.articles[second.external_id]["cover"]["photo_url"] == url


def test_media_cover_without_public_address_is_refused_before_posting(
        zalo: ZaloAPI, context: AdapterContext) -> None:
    with pytest.raises(PermanentError) as info:
        make(zalo, context, media_base_url=None).deliver(delivery(cover="bia.jpg"))
    assert "media_base_url" in str(info.value) and "bia.jpg" in str(info.value)
    with pytest.raises(PermanentError, match="Không tìm thấy ảnh bìa"):
        make(zalo, context).deliver(delivery(cover="../bia.jpg"))
    assert zalo.calls("/article/create") == [] and zalo.calls("/upload/image") == []


def test_strict_fake_refuses_the_undocumented_cover_and_notice_shapes(
        zalo: ZaloAPI, context: AdapterContext) -> None:
    """The fake is only worth its name if it refuses what a real OA refuses."""
    adapter = make(zalo, context)
    article = {"type": "normal", "title": "T", "author": "A", "description": "D",
               "body": [{"type": "text", "content": "x"}], "status": "show",
               "cover": {"cover_type": "photo", "photo_id": "att0001", "status": "show"}}
    with pytest.raises(PermanentError, match="Cover is invalid"):
        adapter._api("POST", "/v2.0/article/create", what="t", may_act=True,
                     json_data=article)
    mixed = {"recipient": {"target": {}}, "message": {"attachment": {
        "type": "template", "payload": {"template_type": "media", "elements": [
            {"media_type": "article", "attachment_id": "a1b"}]}}}}
    with pytest.raises(PermanentError, match="Recipient is invalid"):
        adapter._api("POST", "/v3.0/oa/message/promotion", what="t", may_act=True,
                     json_data=mixed)
    with pytest.raises(PermanentError, match="Article is invalid"):
        adapter._api("POST", "/v2.0/oa/message", what="t", may_act=True, json_data=mixed)


def test_rotated_token_is_persisted_before_use(zalo: ZaloAPI, context: AdapterContext,
                                               events: list[tuple[str, str]]) -> None:
    make(zalo, context).deliver(delivery())
    put_at = events.index(("put", TOKEN_REFRESH))
    first_use = next(i for i, e in enumerate(events) if e[0] == "request"
                     and e[1].startswith("/v2.0/"))
    assert events.index(("request", "/v4/oa/access_token")) < put_at < first_use


def test_access_token_is_reused_until_expiry(zalo: ZaloAPI, context: AdapterContext) -> None:
    adapter = make(zalo, context)
    adapter.deliver(delivery())
    adapter.deliver(delivery(title="Tin thứ hai"))
    make(zalo, context).deliver(delivery(title="Tin thứ ba"))  # new process, same store
    assert zalo.refreshes == 1
    context.clock["now"] = MORNING.replace(day=5, hour=5)  # type: ignore[attr-defined]
    make(zalo, context).deliver(delivery(title="Hôm sau"))
    assert zalo.refreshes == 2


def test_stored_refresh_token_wins_over_initial(zalo: ZaloAPI, context: AdapterContext,
                                                store: RecordingStore) -> None:
    zalo.refresh_token = "RefreshTokenSECRET_stored"
    store.data[(EP, TOKEN_REFRESH)] = "RefreshTokenSECRET_stored"
    make(zalo, context).deliver(delivery())
    assert zalo.calls("/v4/oa/access_token")[0].form["refresh_token"] == \
        "RefreshTokenSECRET_stored"


def test_failed_refresh_keeps_the_stored_token(zalo: ZaloAPI, context: AdapterContext,
                                               store: RecordingStore,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store.data[(EP, TOKEN_REFRESH)] = "RefreshTokenSECRET_old"
    with pytest.raises(AuthError) as info:
        make(zalo, context).deliver(delivery())
    assert info.value.reconnect and info.value.code == -14014
    assert store.get(EP, TOKEN_REFRESH) == "RefreshTokenSECRET_old"
    assert zalo.calls("/article/create") == []
    assert_no_secret(info.value, caplog, [*every_secret(zalo), "RefreshTokenSECRET_old"])
    zalo.script("/v4/oa/access_token", delay=1.0, body={"access_token": "late"}, status=200)
    zalo.refresh_token = "RefreshTokenSECRET_old"
    with pytest.raises(TransientError):
        make(zalo, context).deliver(delivery())
    assert store.get(EP, TOKEN_REFRESH) == "RefreshTokenSECRET_old"


def test_unsaved_refresh_token_blocks_use(zalo: ZaloAPI, context: AdapterContext,
                                          events: list[tuple[str, str]]) -> None:
    context.tokens = RecordingStore(events, fail_on=TOKEN_REFRESH)
    with pytest.raises(AuthError) as info:
        make(zalo, context).deliver(delivery())
    assert info.value.reconnect
    assert zalo.calls("/article/create") == [] and zalo.calls("/upload/image") == []


def test_expired_access_token_then_engine_refresh(zalo: ZaloAPI,
                                                  context: AdapterContext) -> None:
    adapter = make(zalo, context)
    adapter.deliver(delivery())
    zalo.expire_access_tokens()
    with pytest.raises(AuthError) as info:
        adapter.deliver(delivery(title="Lần hai"))
    assert info.value.code == -216 and not info.value.reconnect
    adapter.refresh()  # what the engine does, then retries once
    receipt = adapter.deliver(delivery(title="Lần hai"))
    assert receipt.external_id in zalo.articles and zalo.refreshes == 2


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(("code", "expected"), [
    (-216, AuthError), (-220, AuthError), (-124, AuthError), (-32, RateLimitError),
    (-211, RateLimitError), (-234, RateLimitError), (-201, PermanentError),
])
def test_error_codes(zalo: ZaloAPI, context: AdapterContext, caplog: pytest.LogCaptureFixture,
                     code: int, expected: type) -> None:
    caplog.set_level(logging.DEBUG)
    zalo.script("/article/create", status=200,
                body=zalo_error(code, f"Lỗi {code} access_token={INITIAL_REFRESH}"))
    with pytest.raises(ChannelError) as info:
        make(zalo, context).deliver(delivery())
    exc = info.value
    assert type(exc) is expected and exc.code == code and exc.http_status == 200
    assert exc.platform_message and f"Lỗi {code}" in exc.platform_message
    if code == -234:  # 09:00 local → tomorrow 06:00 is 21 h away
        assert exc.retry_after == 21 * 3600  # type: ignore[attr-defined]
    if code == -211:  # quota: 06:00 the next day
        assert exc.retry_after == 21 * 3600  # type: ignore[attr-defined]
    assert_no_secret(exc, caplog, every_secret(zalo))


def test_verify_failure_after_create_is_unknown(zalo: ZaloAPI, context: AdapterContext) -> None:
    zalo.script("/article/verify", status=200, body=zalo_error(-32, "Rate limit"))
    with pytest.raises(UnknownOutcomeError) as info:
        make(zalo, context).deliver(delivery())
    assert info.value.detail["article_token"] in zalo.pending


def test_network_faults(zalo: ZaloAPI, context: AdapterContext) -> None:
    make(zalo, context).deliver(delivery())  # warm the token
    zalo.script("/article/create", delay=1.0, status=200, body={"error": 0})
    with pytest.raises(UnknownOutcomeError):
        make(zalo, context).deliver(delivery())
    zalo.script("/article/create", drop=True)
    with pytest.raises(UnknownOutcomeError):
        make(zalo, context).deliver(delivery())
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransientError):
        make(f"http://127.0.0.1:{port}", context).deliver(delivery())


# --------------------------------------------------------------------------- notify
def test_notify_sends_once_per_day(zalo: ZaloAPI, context: AdapterContext) -> None:
    receipt = make(zalo, context).deliver(delivery(notify=True))
    assert receipt.detail["notify"] == "sent" and receipt.detail["message_id"]
    # a broadcast (v2 /oa/message, recipient.target, media template of the article), not the
    # v3 promotion, which goes to one user_id with a promotion template
    (call,) = zalo.calls("/oa/message")
    assert call.path == "/v2.0/oa/message" and zalo.calls("/message/promotion") == []
    assert call.json == {"recipient": {"target": {}}, "message": {"attachment": {
        "type": "template", "payload": {"template_type": "media", "elements": [
            {"media_type": "article", "attachment_id": receipt.external_id}]}}}}
    (message,) = zalo.messages
    element = message["message"]["attachment"]["payload"]["elements"][0]
    assert element == {"media_type": "article", "attachment_id": receipt.external_id}
    second = make(zalo, context).deliver(delivery(notify=True, title="Tin khác"))
    assert second.detail["notify"] == "skipped" and len(zalo.messages) == 1
    assert len(zalo.articles) == 2


def test_notify_at_night_postpones_whole_delivery(zalo: ZaloAPI,
                                                  context: AdapterContext) -> None:
    context.clock["now"] = NIGHT  # type: ignore[attr-defined]
    with pytest.raises(RateLimitError) as info:
        make(zalo, context).deliver(delivery(notify=True))
    assert info.value.retry_after == 6.5 * 3600
    assert zalo.requests == []
    receipt = make(zalo, context).deliver(delivery())  # without notice: posts at night
    assert receipt.external_id in zalo.articles


def test_notify_without_quota_still_posts(zalo: ZaloAPI, context: AdapterContext) -> None:
    zalo.quota_remain = 0
    receipt = make(zalo, context).deliver(delivery(notify=True))
    assert receipt.detail["notify"] == "skipped" and zalo.messages == []
    assert receipt.external_id in zalo.articles


def test_refused_notify_is_recorded_and_day_released(zalo: ZaloAPI, context: AdapterContext,
                                                     store: RecordingStore) -> None:
    zalo.script("/v2.0/oa/message", status=200, body=zalo_error(-211, "Out of quota"))
    receipt = make(zalo, context).deliver(delivery(notify=True))
    assert receipt.detail["notify"] == "failed"
    assert receipt.detail["notify_error"]["code"] == -211
    assert store.get(EP, "zalo_notify_day") == ""
    again = make(zalo, context).deliver(delivery(notify=True, title="Lần sau"))
    assert again.detail["notify"] == "sent"


# --------------------------------------------------------------------------- check/connect
def test_check_without_durable_store_does_not_rotate(zalo: ZaloAPI,
                                                     context: AdapterContext) -> None:
    context.tokens = MemoryTokenStore()
    result = make(zalo, context).check()
    assert result["ok"] is True and zalo.requests == []


def test_check_reads_oa(zalo: ZaloAPI, context: AdapterContext) -> None:
    result = make(zalo, context).check()
    assert result["name"] == "Phường Tân Phong" and result["followers"] == 1234
    assert zalo.articles == {}


def test_pkce_connect_flow(zalo: ZaloAPI, caplog: pytest.LogCaptureFixture) -> None:
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128 and "=" not in challenge
    url = authorization_url(zalo.base, "4433221100", "https://example.vn/cb", challenge, "st1")
    query = parse_qs(urlsplit(url).query)
    assert urlsplit(url).path == "/v4/oa/permission"
    assert query["code_challenge"] == [challenge] and query["app_id"] == ["4433221100"]
    code = zalo.issue_code(challenge)
    body = exchange_code(zalo.base, "4433221100", SECRET_KEY, code, verifier)
    (call,) = zalo.calls("/v4/oa/access_token")
    assert call.form["grant_type"] == "authorization_code"
    assert call.form["code_verifier"] == verifier
    tokens = MemoryTokenStore()
    store_initial_tokens(tokens, EP, body)
    assert tokens.get(EP, TOKEN_REFRESH) == zalo.refresh_token
    code = zalo.issue_code(challenge)
    with pytest.raises(AuthError) as info:
        exchange_code(zalo.base, "4433221100", SECRET_KEY, code, "wrong-verifier-" * 3)
    assert_no_secret(info.value, caplog, [SECRET_KEY, code])
