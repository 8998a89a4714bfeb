"""Website channel against local WordPress and NukeViet fakes, and the package route."""

from __future__ import annotations

import base64
import datetime as dt
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from channels.base import (
    AdapterContext,
    AuthError,
    ConfigError,
    Delivery,
    PermanentError,
    PermissionDeniedError,
    RateLimitError,
    TransientError,
    UnknownOutcomeError,
    adapter_class,
)
from channels.secrets import SecretResolver
from channels.website import EditorConfirmation, WebsiteConfig, published_receipt
from channels.website.article import SourceRef, reference_line
from channels.website.nukeviet import hashsecret
from tests.channels.fakes.nukeviet_api import NukevietAPI, nv_result
from tests.channels.fakes.wordpress_api import WordpressAPI, wp_error

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)
APP_PASSWORD = "abcd EFGH 1234 ijkl"
CONTENT = {
    "title": "Tuyên truyền Nghị quyết 57",
    "text": "Đoạn một về khoa học.\n\nĐoạn hai <quan trọng>.",
    "sources": [{"kind": "Công văn", "number": "1587/UBND-KGVX", "date": "2025-02-20",
                 "issuer": "UBND tỉnh Đồng Nai", "subject": "tuyên truyền Nghị quyết 57",
                 "file": "1587-UBND-KGVX.pdf"}],
    "attachments": ["phu-luc-1.docx"],
    "cover": "bìa nq57.png",
    "category": "Tin tức - Sự kiện",
    "tags": ["Nghị quyết 57", "chuyển đổi số"],
}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    media = tmp_path / "media"
    media.mkdir()
    (media / "1587-UBND-KGVX.pdf").write_bytes(b"%PDF-1.4 guidance")
    (media / "phu-luc-1.docx").write_bytes(b"PK annex")
    (media / "bìa nq57.png").write_bytes(b"\x89PNG cover")
    return tmp_path


def context(workspace: Path, env: dict[str, str]) -> AdapterContext:
    return AdapterContext(secrets=SecretResolver({}, environ=env), workspace=workspace,
                          media_dir=workspace / "media", var_dir=workspace / "var",
                          timeout=1.0, now=lambda: NOW)


def post(content: dict | None = None) -> Delivery:
    return Delivery(post_id=11, post_key="nq57/web/2025-03-03T08:00/m1", campaign_id="nq57",
                    campaign_title="Nghị quyết 57", message_id="m1", channel="website",
                    priority="normal", content=content or CONTENT, due_at=NOW,
                    local_due=NOW.astimezone(VN), expires_at=NOW + timedelta(days=3),
                    unit_id="tan-phong", unit_name="Phường Tân Phong")


def adapter(deliver: dict, workspace: Path, env: dict[str, str]):
    cls = adapter_class("website")
    config = cls.Config.model_validate({"id": "web-tan-phong", "channel": "website",
                                        "unit": "tan-phong", "deliver": deliver})
    return cls(config, context(workspace, env))


# ------------------------------------------------------------------ article
def test_reference_line_names_number_date_and_issuer() -> None:
    line = reference_line([SourceRef(kind="Công văn", number="1587/UBND-KGVX",
                                     date=dt.date(2025, 2, 20), issuer="UBND tỉnh Đồng Nai")])
    assert line == "Thực hiện Công văn số 1587/UBND-KGVX ngày 20/02/2025 của UBND tỉnh Đồng Nai."
    assert reference_line([]) is None


# ------------------------------------------------------------------ wordpress
def wp_route(fake: WordpressAPI, **kw) -> dict:
    return {"via": "wordpress", "url": fake.url, "user": "bientap", "password": "env:WP_PASS",
            **kw}


def test_wordpress_publishes_article_with_files_cover_and_terms(workspace: Path) -> None:
    with WordpressAPI(app_password=APP_PASSWORD) as fake:
        web = adapter(wp_route(fake), workspace, {"WP_PASS": APP_PASSWORD})
        receipt = web.deliver(post())
        web.close()
    assert receipt.evidence == "posted"
    (post_id, body), = fake.posts.items()
    assert receipt.external_id == str(post_id)
    assert receipt.detail["url"] == f"{fake.origin}/?p={post_id}"
    assert body["status"] == "publish" and body["categories"] == [7]
    assert sorted(fake.tags[t] for t in body["tags"]) == ["Nghị quyết 57", "chuyển đổi số"]
    html = body["content"]
    assert html.startswith('<p class="can-cu"><em>Thực hiện Công văn số 1587/UBND-KGVX ngày '
                           "20/02/2025 của UBND tỉnh Đồng Nai về tuyên truyền Nghị quyết 57.")
    assert "&lt;quan trọng&gt;" in html  # text is escaped, never raw HTML
    uploads = {m["filename"]: m for m in fake.media.values()}
    assert set(uploads) == {"bia-nq57.png", "1587-UBND-KGVX.pdf", "phu-luc-1.docx"}
    assert uploads["1587-UBND-KGVX.pdf"]["bytes"] == b"%PDF-1.4 guidance"
    assert uploads["1587-UBND-KGVX.pdf"]["mime"] == "application/pdf"
    assert "/wp-content/uploads/2025/03/1587-UBND-KGVX.pdf" in html
    assert fake.media[body["featured_media"]]["filename"] == "bia-nq57.png"
    auth = fake.calls("/posts", "POST")[0].headers["authorization"]
    assert base64.b64decode(auth[6:]).decode() == f"bientap:{APP_PASSWORD}"


def test_wordpress_draft_is_accepted_not_public(workspace: Path) -> None:
    with WordpressAPI(app_password=APP_PASSWORD) as fake:
        web = adapter(wp_route(fake, status="draft"), workspace, {"WP_PASS": APP_PASSWORD})
        receipt = web.deliver(post({"title": "Nháp", "text": "Nội dung."}))
    assert receipt.evidence == "pushed" and receipt.detail["status"] == "draft"


@pytest.mark.parametrize(("status", "body", "headers", "error"), [
    (401, wp_error("rest_cannot_create", "Sorry, you are not allowed to create posts as this "
                                         "user.", 401), {}, AuthError),
    (403, wp_error("rest_cannot_publish", "Sorry, you are not allowed to publish posts.", 403),
     {}, PermissionDeniedError),
    (429, None, {"Retry-After": "120"}, RateLimitError),
    (503, None, {"Retry-After": "30"}, RateLimitError),
    (500, None, {}, UnknownOutcomeError),
    (400, wp_error("rest_invalid_param", "Invalid parameter(s): status", 400), {},
     PermanentError),
])
def test_wordpress_errors_are_typed(workspace: Path, status: int, body, headers, error) -> None:
    with WordpressAPI(app_password=APP_PASSWORD) as fake:
        if body is None:
            fake.script("/posts", method="POST", status=status, raw=b"<html>busy</html>",
                        headers=headers)
        else:
            fake.script("/posts", method="POST", status=status, body=body, headers=headers)
        web = adapter(wp_route(fake), workspace, {"WP_PASS": APP_PASSWORD})
        with pytest.raises(error) as info:
            web.deliver(post({"title": "T", "text": "Nội dung."}))
    exc = info.value
    assert type(exc) is error
    if body is not None:
        assert exc.code == body["code"] and exc.platform_message == body["message"]
    if headers.get("Retry-After"):
        assert exc.retry_after == float(headers["Retry-After"])


def test_wordpress_wrong_password_is_auth_error_without_the_secret(workspace: Path) -> None:
    with WordpressAPI(app_password=APP_PASSWORD) as fake:
        web = adapter(wp_route(fake), workspace, {"WP_PASS": "wrong pass word"})
        with pytest.raises(AuthError) as info:
            web.deliver(post({"title": "T", "text": "x"}))
    assert info.value.code == "incorrect_password"
    assert "wrong pass word" not in json.dumps(info.value.as_detail(), ensure_ascii=False)
    assert fake.posts == {}


def test_wordpress_dropped_publish_is_unknown(workspace: Path) -> None:
    with WordpressAPI(app_password=APP_PASSWORD) as fake:
        fake.script("/posts", method="POST", drop=True)
        web = adapter(wp_route(fake), workspace, {"WP_PASS": APP_PASSWORD})
        with pytest.raises(UnknownOutcomeError):
            web.deliver(post({"title": "T", "text": "x"}))


def test_wordpress_upload_failure_before_publishing_is_transient(workspace: Path) -> None:
    with WordpressAPI(app_password=APP_PASSWORD) as fake:
        fake.script("/media", method="POST", status=502, raw=b"<html>Bad Gateway</html>")
        web = adapter(wp_route(fake), workspace, {"WP_PASS": APP_PASSWORD})
        with pytest.raises(TransientError):
            web.deliver(post())
        assert fake.posts == {}


def test_wordpress_unknown_category_is_refused_before_uploading(workspace: Path) -> None:
    with WordpressAPI(app_password=APP_PASSWORD) as fake:
        web = adapter(wp_route(fake), workspace, {"WP_PASS": APP_PASSWORD})
        with pytest.raises(PermanentError, match="chưa có chuyên mục 'Thời sự'"):
            web.deliver(post({**CONTENT, "category": "Thời sự"}))
        assert fake.media == {} and fake.posts == {}


def test_wordpress_check_reads_the_user_and_publishes_nothing(workspace: Path) -> None:
    with WordpressAPI(app_password=APP_PASSWORD, role="contributor") as fake:
        web = adapter(wp_route(fake), workspace, {"WP_PASS": APP_PASSWORD})
        result = web.check()
    assert result["ok"] is False and result["missing"] == ["publish_posts", "upload_files"]
    assert [(r.method, r.path, r.query.get("context")) for r in fake.requests] == [
        ("GET", "/wp-json/wp/v2/users/me", "edit")]


def test_wordpress_password_must_be_an_env_reference() -> None:
    with pytest.raises(ValidationError, match="env:"):
        WebsiteConfig.model_validate({"id": "w", "channel": "website", "unit": "u", "deliver": {
            "via": "wordpress", "url": "https://x.gov.vn", "user": "u", "password": "plain"}})


# ------------------------------------------------------------------ nukeviet
def nv_route(fake: NukevietAPI, **kw) -> dict:
    return {"via": "nukeviet", "url": fake.url, "apikey": fake.apikey,
            "apisecret": "env:NV_SECRET", "catid": 3, **kw}


def test_nukeviet_hashsecret_is_php_bcrypt() -> None:
    value = hashsecret("s3cret", 1700000000)
    assert value.startswith("$2y$10$") and len(value) == 60


def test_nukeviet_publishes_with_signed_request(workspace: Path) -> None:
    with NukevietAPI(apisecret="NvSecretXYZ") as fake:
        web = adapter(nv_route(fake, files_url="https://tanphong.gov.vn/uploads/nq57"),
                      workspace, {"NV_SECRET": "NvSecretXYZ"})
        receipt = web.deliver(post())
    (article_id, form), = fake.articles.items()
    assert receipt.evidence == "posted" and receipt.external_id == str(article_id)
    assert receipt.detail["url"].endswith(f"bai-{article_id}.html")
    assert form["module"] == "news" and form["action"] == "CreatArticle"
    assert form["catid"] == "3" and form["language"] == "vi"
    assert form["title"] == CONTENT["title"]
    assert "Thực hiện Công văn số 1587/UBND-KGVX" in form["bodyhtml"]
    assert "https://tanphong.gov.vn/uploads/nq57/1587-UBND-KGVX.pdf" in form["bodyhtml"]
    assert "NvSecretXYZ" not in json.dumps(form)


@pytest.mark.parametrize(("script", "error", "code"), [
    ({"apisecret": "other"}, AuthError, "0014"),
    ({"apikey": "nobody"}, AuthError, "0013"),
    ({"actions": ()}, PermissionDeniedError, "0004"),
    ({"categories": (1,)}, PermanentError, "0000"),
])
def test_nukeviet_errors_are_typed(workspace: Path, script: dict, error, code: str) -> None:
    with NukevietAPI() as fake:
        route = nv_route(fake)
        for key, value in script.items():
            setattr(fake, key, set(value) if key in ("actions", "categories") else value)
        web = adapter(route, workspace, {"NV_SECRET": "NvSecretXYZ"})
        with pytest.raises(error) as info:
            web.deliver(post({"title": "T", "text": "x"}))
    assert type(info.value) is error and info.value.code == code
    assert fake.articles == {}


def test_nukeviet_remote_off_is_config_error(workspace: Path) -> None:
    with NukevietAPI() as fake:
        fake.remote_on = False
        web = adapter(nv_route(fake), workspace, {"NV_SECRET": "NvSecretXYZ"})
        with pytest.raises(ConfigError, match="Remote API"):
            web.deliver(post({"title": "T", "text": "x"}))


def test_nukeviet_success_without_id_or_link_is_unknown(workspace: Path) -> None:
    with NukevietAPI() as fake:
        fake.script("/api.php", body=nv_result("0000", "", status="success"), status=200)
        web = adapter(nv_route(fake), workspace, {"NV_SECRET": "NvSecretXYZ"})
        with pytest.raises(UnknownOutcomeError):
            web.deliver(post({"title": "T", "text": "x"}))


def test_nukeviet_check_proves_the_credential_without_an_action(workspace: Path) -> None:
    with NukevietAPI() as fake:
        good = adapter(nv_route(fake), workspace, {"NV_SECRET": "NvSecretXYZ"}).check()
        with pytest.raises(AuthError):
            adapter(nv_route(fake), workspace, {"NV_SECRET": "wrong"}).check()
    assert good["ok"] is True
    assert all(not r.form.get("action") for r in fake.requests) and fake.articles == {}


# ------------------------------------------------------------------ package
def test_package_bundle_is_complete_atomic_and_idempotent(workspace: Path) -> None:
    web = adapter({"via": "package", "path": "var/website"}, workspace, {})
    first = web.deliver(post())
    folder = workspace / "var/website" / first.external_id
    snapshot = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
                if p.is_file()}
    assert set(snapshot) == {"bai-viet.html", "noi-dung.html", "thong-tin.json", "thong-tin.txt",
                             "anh/bìa nq57.png", "tep/1587-UBND-KGVX.pdf",
                             "tep/phu-luc-1.docx"}
    meta = json.loads(snapshot["thong-tin.json"])
    assert meta["category"] == "Tin tức - Sự kiện" and meta["post_id"] == 11
    assert meta["publish_at"] == "2025-03-03T08:00:00+07:00"
    page = snapshot["bai-viet.html"].decode()
    assert "Thực hiện Công văn số 1587/UBND-KGVX" in page and 'href="tep/phu-luc-1.docx"' in page
    assert first.evidence == "written"
    adapter({"via": "package", "path": "var/website"}, workspace, {}).deliver(post())
    again = {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
             if p.is_file()}
    assert again == snapshot
    assert [p.name for p in (workspace / "var/website").iterdir()] == [first.external_id]


def test_package_missing_attachment_is_permanent_and_writes_nothing(workspace: Path) -> None:
    web = adapter({"via": "package", "path": "var/website"}, workspace, {})
    with pytest.raises(PermanentError, match="thieu.pdf"):
        web.deliver(post({**CONTENT, "attachments": ["thieu.pdf"]}))
    assert not (workspace / "var/website").exists()


def test_editor_confirmation_becomes_posted_evidence() -> None:
    at = datetime(2025, 3, 3, 9, 30, tzinfo=VN)
    receipt = published_receipt(EditorConfirmation(post_id=11, url=" https://cong.gov.vn/a/1 ",
                                                   sender="5001", confirmed_at=at))
    assert receipt.evidence == "posted" and receipt.external_id == "https://cong.gov.vn/a/1"
    assert receipt.detail["confirmed_at"] == "2025-03-03T02:30:00+00:00"
    with pytest.raises(PermanentError, match="không hợp lệ"):
        published_receipt(EditorConfirmation(post_id=11, url="đã đăng rồi", sender="5001",
                                             confirmed_at=at))


def test_route_is_at_most_once_except_package() -> None:
    cls = adapter_class("website")
    for via, expected in (("package", False), ("wordpress", True), ("nukeviet", True)):
        raw = {"via": via, "path": "x", "url": "https://x.gov.vn", "user": "u",
               "password": "env:P", "apikey": "k", "apisecret": "env:S"}
        keep = {"package": {"via", "path"}, "wordpress": {"via", "url", "user", "password"},
                "nukeviet": {"via", "url", "apikey", "apisecret"}}[via]
        config = cls.Config.model_validate({"id": "w", "channel": "website", "unit": "u",
                                            "deliver": {k: raw[k] for k in keep}})
        assert cls.is_at_most_once(config) is expected
