"""Facebook adapter against a local Graph API: shapes, every error class, secrets never leak."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pydantic import ValidationError

from channels.base import (
    AdapterContext,
    AuthError,
    ChannelError,
    Delivery,
    PermanentError,
    PermissionDeniedError,
    RateLimitError,
    TransientError,
    UnknownOutcomeError,
    adapter_class,
)
from channels.facebook import FacebookAdapter, connect_facebook, env_name_for, parse_usage
from channels.secrets import SecretResolver
from tests.channels.fakes.graph_api import GraphAPI, graph_error

PAGE_TOKEN = "EAAPageTokenSECRET123"
USER_TOKEN = "EAAUserTokenSECRET456"


@pytest.fixture
def graph() -> Iterator[GraphAPI]:
    with GraphAPI(page_token=PAGE_TOKEN, user_token=USER_TOKEN) as fake:
        yield fake


@pytest.fixture
def context(tmp_path: Path) -> AdapterContext:
    media = tmp_path / "media"
    media.mkdir()
    for name, color in (("a.jpg", "red"), ("b.png", "blue"), ("c.jpg", "green")):
        Image.new("RGB", (64, 48), color).save(media / name)
    return AdapterContext(secrets=SecretResolver({"FB_TOKEN": PAGE_TOKEN}, environ={}),
                          workspace=tmp_path, media_dir=media, var_dir=tmp_path / "var",
                          timeout=0.5)


def make(graph: GraphAPI | str, context: AdapterContext, **extra: Any) -> FacebookAdapter:
    base = graph if isinstance(graph, str) else graph.api_base
    page = "1029384756"
    cls = adapter_class("facebook")
    config = cls.Config.model_validate({"id": "fb-tan-phong", "channel": "facebook",
                                        "unit": "tan-phong", "page_id": page,
                                        "token": "env:FB_TOKEN", "api_base": base, **extra})
    return cls(config, context)  # type: ignore[return-value]


def delivery(**content: Any) -> Delivery:
    now = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)
    return Delivery(post_id=1, post_key="k", campaign_id="nq57", campaign_title="NQ57",
                    message_id="m1", channel="facebook", priority="normal",
                    content={"text": "Nội dung tuyên truyền", **content}, due_at=now,
                    local_due=now, expires_at=None, unit_id="tan-phong",
                    unit_name="Phường Tân Phong")


def assert_no_secret(exc: ChannelError, caplog: pytest.LogCaptureFixture,
                     *secrets: str) -> None:
    rendered = [str(exc), json.dumps(exc.as_detail(), ensure_ascii=False, default=str),
                repr(exc.args), *(r.getMessage() for r in caplog.records)]
    for secret in secrets or (PAGE_TOKEN,):
        for text in rendered:
            assert secret not in text


# --------------------------------------------------------------------------- config
def test_config_requires_env_reference_for_token() -> None:
    cls = adapter_class("facebook")
    with pytest.raises(ValidationError, match="env:TEN_BIEN"):
        cls.Config.model_validate({"id": "fb", "channel": "facebook", "unit": "u",
                                   "page_id": "1", "token": PAGE_TOKEN})
    with pytest.raises(ValidationError):
        cls.Config.model_validate({"id": "fb", "channel": "facebook", "unit": "u",
                                   "page_id": "abc", "token": "env:FB"})
    with pytest.raises(ValidationError):
        cls.Config.model_validate({"id": "fb", "channel": "facebook", "unit": "u",
                                   "page_id": "1", "token": "env:FB", "api_base": "graph"})
    config = cls.Config.model_validate({"id": "fb", "channel": "facebook", "unit": "u",
                                        "page_id": 123, "token": "env:FB"})
    assert config.page_id == "123"
    assert config.api_base == "https://graph.facebook.com/v25.0"
    assert cls.at_most_once is True


def test_missing_secret_is_config_error(graph: GraphAPI, context: AdapterContext) -> None:
    context.secrets = SecretResolver({}, environ={})
    with pytest.raises(ChannelError) as info:
        make(graph, context).deliver(delivery())
    assert info.value.kind == "config"
    assert graph.requests == []


# --------------------------------------------------------------------------- success
def test_text_and_link_post(graph: GraphAPI, context: AdapterContext) -> None:
    receipt = make(graph, context).deliver(delivery(title="Nghị quyết 57",
                                                    link="https://example.vn/nq57"))
    assert receipt.evidence == "posted"
    assert receipt.external_id in graph.posts
    (call,) = graph.calls("/1029384756/feed", "POST")
    assert call.path == "/v25.0/1029384756/feed"
    assert call.form["message"] == "Nghị quyết 57\n\nNội dung tuyên truyền"
    assert call.form["link"] == "https://example.vn/nq57"
    assert call.form["access_token"] == PAGE_TOKEN
    assert "access_token" not in call.query  # token never in the URL of a POST


def test_one_photo_goes_to_photos_with_caption(graph: GraphAPI, context: AdapterContext) -> None:
    receipt = make(graph, context).deliver(delivery(images=["b.png"]))
    (call,) = graph.calls("/photos")
    assert call.files["source"][0] == "b.png"
    assert call.files["source"][1] == "image/png"
    assert call.files["source"][2] == (context.media_dir / "b.png").read_bytes()
    assert call.form["caption"] == "Nội dung tuyên truyền"
    assert graph.posts[receipt.external_id]["photo"] in graph.photos
    assert graph.calls("/feed") == []


def test_several_photos_upload_unpublished_then_attach(graph: GraphAPI,
                                                       context: AdapterContext) -> None:
    receipt = make(graph, context).deliver(delivery(images=["a.jpg", "b.png", "c.jpg"]))
    uploads = graph.calls("/photos")
    assert [u.form["published"] for u in uploads] == ["false"] * 3
    (feed,) = graph.calls("/feed")
    attached = [json.loads(feed.form[f"attached_media[{i}]"])["media_fbid"] for i in range(3)]
    assert attached == list(graph.photos)
    assert graph.posts[receipt.external_id]["attached"] == attached


def test_missing_or_escaping_image_is_permanent(graph: GraphAPI, context: AdapterContext) -> None:
    adapter = make(graph, context)
    for name in ("nope.jpg", "../../etc/passwd"):
        with pytest.raises(PermanentError, match="media"):
            adapter.deliver(delivery(images=[name]))
    assert graph.requests == []


def test_high_usage_on_success_asks_to_slow_down(graph: GraphAPI,
                                                 context: AdapterContext) -> None:
    graph.usage = {"X-App-Usage": json.dumps({"call_count": 95, "total_cputime": 10,
                                              "total_time": 12})}
    receipt = make(graph, context).deliver(delivery())
    assert receipt.detail["usage_pct"] == 95
    assert receipt.detail["slow_down_seconds"] > 60
    graph.usage = {"X-App-Usage": json.dumps({"call_count": 20})}
    receipt = make(graph, context).deliver(delivery(text="khác"))
    assert "slow_down_seconds" not in receipt.detail


def test_parse_usage_reads_business_use_case_minutes() -> None:
    usage = parse_usage({"X-Business-Use-Case-Usage": json.dumps(
        {"1029384756": [{"type": "pages", "call_count": 100, "total_cputime": 30,
                         "total_time": 40, "estimated_time_to_regain_access": 7}]})})
    assert usage == {"max_pct": 100.0, "regain_seconds": 420.0}
    assert parse_usage({}) == {}
    assert parse_usage({"X-App-Usage": "not json"}) == {}


# --------------------------------------------------------------------------- errors
ERRORS = [
    (190, 463, AuthError), (190, None, AuthError), (4, None, RateLimitError),
    (17, None, RateLimitError), (32, None, RateLimitError), (613, None, RateLimitError),
    (80001, None, RateLimitError), (368, None, RateLimitError), (506, None, PermanentError),
    (1, None, TransientError), (2, None, TransientError), (10, None, PermissionDeniedError),
    (200, None, PermissionDeniedError), (299, None, PermissionDeniedError),
    (100, 33, PermanentError),
]


@pytest.mark.parametrize(("code", "subcode", "expected"), ERRORS)
def test_graph_error_codes_map_to_typed_errors(graph: GraphAPI, context: AdapterContext,
                                               caplog: pytest.LogCaptureFixture, code: int,
                                               subcode: int | None, expected: type) -> None:
    caplog.set_level(logging.DEBUG)
    # The platform echoes the token in its message: it must still never surface.
    graph.script("/feed", status=400 if code != 2 else 500,
                 body=graph_error(code, f"(#{code}) failure for token {PAGE_TOKEN}",
                                  subcode=subcode, trace="FbTrace42"))
    with pytest.raises(ChannelError) as info:
        make(graph, context).deliver(delivery())
    exc = info.value
    assert type(exc) is expected
    assert exc.code == code and exc.subcode == subcode and exc.trace_id == "FbTrace42"
    assert exc.platform_message and "failure for token" in exc.platform_message
    if code == 190:
        assert exc.reconnect is True  # type: ignore[attr-defined]
    if code == 368:
        assert exc.retry_after >= 3600  # type: ignore[attr-defined]
    assert_no_secret(exc, caplog)


def test_rate_limit_honours_regain_estimate(graph: GraphAPI, context: AdapterContext) -> None:
    graph.script("/feed", body=graph_error(80001, "There have been too many calls to this "
                                                  "Page account."),
                 headers={"X-Business-Use-Case-Usage": json.dumps(
                     {"1029384756": [{"type": "pages", "call_count": 100,
                                      "estimated_time_to_regain_access": 12}]})})
    with pytest.raises(RateLimitError) as info:
        make(graph, context).deliver(delivery())
    assert info.value.retry_after == 720
    assert info.value.detail["usage"]["max_pct"] == 100


def test_expired_token_needs_reconnect(graph: GraphAPI, context: AdapterContext,
                                       caplog: pytest.LogCaptureFixture) -> None:
    graph.expired = True
    with pytest.raises(AuthError) as info:
        make(graph, context).deliver(delivery())
    assert info.value.reconnect and info.value.subcode == 463
    assert "campaign connect facebook" in info.value.message
    assert_no_secret(info.value, caplog)


def test_timeout_on_publish_is_unknown_outcome(graph: GraphAPI, context: AdapterContext,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    graph.script("/feed", delay=1.0, body={"id": "late"}, status=200)
    with pytest.raises(UnknownOutcomeError) as info:
        make(graph, context).deliver(delivery())
    assert info.value.detail["network"] == "ReadTimeout"
    assert_no_secret(info.value, caplog)


def test_reset_after_sending_is_unknown_outcome(graph: GraphAPI,
                                                context: AdapterContext) -> None:
    graph.script("/photos", drop=True)
    with pytest.raises(UnknownOutcomeError):
        make(graph, context).deliver(delivery(images=["a.jpg"]))


def test_timeout_on_unpublished_upload_is_transient(graph: GraphAPI,
                                                    context: AdapterContext) -> None:
    graph.script("/photos", delay=1.0, body={"id": "x"}, status=200)
    with pytest.raises(TransientError):
        make(graph, context).deliver(delivery(images=["a.jpg", "b.png"]))
    assert graph.calls("/feed") == []


def test_connection_refused_is_transient(context: AdapterContext,
                                         caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransientError) as info:
        make(f"http://127.0.0.1:{port}/v25.0", context).deliver(delivery())
    assert_no_secret(info.value, caplog)


def test_unreadable_answers(graph: GraphAPI, context: AdapterContext) -> None:
    graph.script("/feed", status=502, raw=b"<html>Bad Gateway</html>")
    with pytest.raises(UnknownOutcomeError):
        make(graph, context).deliver(delivery())
    graph.script("/feed", status=503, raw=b"<html>Unavailable</html>")
    with pytest.raises(TransientError):
        make(graph, context).deliver(delivery())
    graph.script("/feed", status=429, raw=b"slow down", headers={"Retry-After": "42"})
    with pytest.raises(RateLimitError) as info:
        make(graph, context).deliver(delivery())
    assert info.value.retry_after == 42
    graph.script("/feed", status=200, body={"success": True})
    with pytest.raises(UnknownOutcomeError):
        make(graph, context).deliver(delivery())


def test_version_is_configurable(context: AdapterContext) -> None:
    with GraphAPI(version="v19.0", page_token=PAGE_TOKEN) as old:
        receipt = make(old, context).deliver(delivery())
        assert old.requests[0].path.startswith("/v19.0/")
        assert receipt.external_id in old.posts


# --------------------------------------------------------------------------- check/connect
def test_check_reads_name_and_permissions_without_posting(graph: GraphAPI,
                                                          context: AdapterContext) -> None:
    result = make(graph, context).check()
    assert result["ok"] is True and result["name"] == "Phường Tân Phong"
    assert "pages_manage_posts" in result["permissions"] and result["missing"] == []
    assert all(r.method == "GET" for r in graph.requests) and not graph.posts
    graph.scopes = ["pages_show_list"]
    result = make(graph, context).check()
    assert result["ok"] is False
    assert result["missing"] == ["pages_manage_posts", "pages_read_engagement"]


def test_check_never_logs_the_token_in_query_strings(graph: GraphAPI, context: AdapterContext,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    make(graph, context).check()
    assert any("debug_token" in r.getMessage() for r in caplog.records)  # urllib3 did log
    assert all(PAGE_TOKEN not in r.getMessage() for r in caplog.records)


def test_check_with_bad_token_raises_auth(graph: GraphAPI, context: AdapterContext,
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    context.secrets = SecretResolver({"FB_TOKEN": "EAAWrongTokenSECRET"}, environ={})
    with pytest.raises(AuthError) as info:
        make(graph, context).check()
    assert_no_secret(info.value, caplog, "EAAWrongTokenSECRET")


def test_connect_lists_page_tokens_with_env_lines(graph: GraphAPI) -> None:
    graph.extra_pages = [{"access_token": f"EAAOther{i}", "name": f"Xã Đông Hòa {i}",
                          "id": str(900 + i), "tasks": ["CREATE_CONTENT"]} for i in range(150)]
    pages = connect_facebook(graph.api_base, USER_TOKEN)
    assert len(pages) == 151  # followed two pagination cursors (limit 100)
    first = pages[0]
    assert first["page_id"] == "1029384756" and first["token"] == PAGE_TOKEN
    assert first["env_line"] == f"FB_TOKEN_PHUONG_TAN_PHONG={PAGE_TOKEN}"
    assert pages[1]["env_name"] == "FB_TOKEN_XA_DONG_HOA_0"
    assert len(graph.calls("/me/accounts")) == 2


def test_connect_exchanges_for_long_lived_token(graph: GraphAPI) -> None:
    pages = connect_facebook(graph.api_base, USER_TOKEN, app_id="5550001",
                             app_secret="AppSecretSECRET")
    assert pages[0]["token"] == PAGE_TOKEN
    (accounts,) = graph.calls("/me/accounts")
    assert accounts.query["access_token"] == "EAALongLivedUserSECRET789"


def test_connect_with_bad_user_token(graph: GraphAPI, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(AuthError) as info:
        connect_facebook(graph.api_base, "EAABadUserSECRET")
    assert_no_secret(info.value, caplog, "EAABadUserSECRET")


def test_env_name_folds_vietnamese() -> None:
    assert env_name_for("Phường Đông Hòa - TP. Dĩ An", "1") == "FB_TOKEN_PHUONG_DONG_HOA_TP_DI_AN"
    assert env_name_for("", "42") == "FB_TOKEN_42"
