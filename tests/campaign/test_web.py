"""Dashboard through starlette's TestClient on a ledger filled by the real planner and dispatcher:
pages, filters, exports, actions by role, and the security promises (login gate, CSRF,
escaping, roles, login rate limit)."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from campaign.approval import approve
from campaign.cli import main
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.runtime import make_dispatcher
from campaign.sample import write_workspace
from campaign.web import create_app
from campaign.web.users import LoginLimiter, add_user
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from schedules.models import LogEntry, Post
from schedules.operations import record_confirmation
from tests.conftest import CAMPAIGN, WARDS

EVIL = "<script>alert('xss')</script>"
TITLE = f"Chiến dịch {EVIL} thử nghiệm"
NOW = datetime(2025, 4, 29, 2, 0, tzinfo=UTC)  # 29/04/2025 09:00 in Hà Nội time
PASSWORD = "mat-khau-rat-dai"
SECRET = "khoa-ky-phien-dung-cho-kiem-thu-0123456789"
SOURCE = ("report_to: Ban Tuyên giáo Thành ủy\nsource:\n"
          "  - {kind: Công văn, number: 123-CV/BTGTU, date: 2025-04-20, "
          "issuer: Ban Tuyên giáo Thành ủy, subject: Tuyên truyền kỷ niệm 50 năm Ngày Giải phóng}\n")
FB_KEY = "thu-nghiem/fb-trung-tam/2025-04-28T08:00/tin-a"


def campaign_text(slogan_b: str = "KHẨU HIỆU B") -> str:
    return (CAMPAIGN.replace("title: Chiến dịch thử nghiệm", f'title: "{TITLE}"')
            .replace("holidays: skip\n", "holidays: skip\n" + SOURCE)
            .replace("KHẨU HIỆU B", slogan_b))


def populate(root: Path) -> tuple[Workspace, Ledger]:
    """A workspace whose ledger went through the real path: plan, approve, two dispatcher runs
    (the Facebook Page has no token, so its post fails), a worker that died holding leases (its
    Facebook post becomes unconfirmed), ward officers' confirmations, then an edit re-planned
    after approval (so there is a diff to approve)."""
    write_workspace(root, outbox=True, wards=WARDS)
    directory = root / "directory.yaml"
    text = directory.read_text(encoding="utf-8").replace(
        "slot_minutes: 15, deliver: {via: outbox}",
        "slot_minutes: 15, deliver: {via: outbox, audio: false}").replace(
        "  - {id: fb-trung-tam, channel: facebook, unit: trung-tam, deliver: {via: outbox}}",
        '  - {id: fb-trung-tam, channel: facebook, unit: trung-tam, page_id: "1", '
        "token: env:FB_WEB_TEST_TOKEN}")
    directory.write_text(text, encoding="utf-8")
    ws = Workspace.open(root)
    from PIL import Image

    Image.new("RGB", (40, 20), (200, 0, 0)).save(ws.media_dir / "anh-thu.png")
    ledger = Ledger(ws.db_url)
    path = ws.campaigns_dir / "thu.yaml"
    path.write_text(campaign_text(), encoding="utf-8")
    campaign = load_campaign(path, ws.directory, ws.media_dir)
    apply_plan(ledger, build_plan(campaign, ws.directory),
               now=datetime(2025, 4, 1, tzinfo=UTC), source_path=str(path))
    approve(ledger, campaign.id, "Lãnh đạo", now=datetime(2025, 4, 2, tzinfo=UTC))
    dispatcher = make_dispatcher(ws, ledger, owner="may-chu:1")
    dispatcher.run_once(now=datetime(2025, 4, 28, 1, 0, tzinfo=UTC))   # 28/4 08:00
    dispatcher.run_once(now=datetime(2025, 4, 28, 10, 0, tzinfo=UTC))  # 28/4 17:00
    crashed = make_dispatcher(ws, ledger, owner="may-chet:9", lease_seconds=60)
    crashed.claim(datetime(2025, 4, 29, 1, 0, tzinfo=UTC), 100)        # 29/4 08:00, then dies
    dispatcher.recover(datetime(2025, 4, 29, 1, 10, tzinfo=UTC))
    dispatcher.close()
    with ledger.session() as s:
        loud = {p.unit_id: p.id for p in s.scalars(select(Post).where(
            Post.channel == "loudspeaker", Post.state == "sent"))}
    record_confirmation(ledger, loud["tan-phong"], "received", "Cán bộ Tân Phong",
                        now=datetime(2025, 4, 28, 10, 5, tzinfo=UTC))
    record_confirmation(ledger, loud["tan-phong"], "played", "Cán bộ Tân Phong",
                        now=datetime(2025, 4, 28, 10, 20, tzinfo=UTC))
    record_confirmation(ledger, loud["trung-dung"], "received", "Cán bộ Trung Dũng",
                        now=datetime(2025, 4, 28, 10, 6, tzinfo=UTC))
    path.write_text(campaign_text("KHẨU HIỆU B MỚI"), encoding="utf-8")
    edited = load_campaign(path, ws.directory, ws.media_dir)
    apply_plan(ledger, build_plan(edited, ws.directory), now=datetime(2025, 4, 29, 1, 30,
                                                                        tzinfo=UTC))
    for name, role in (("xem", "viewer"), ("quanly", "manager"), ("vanhanh", "operator"),
                       ("lanhdao", "approver")):
        add_user(ledger, name, role, PASSWORD, full_name=f"Người {role}")
    return ws, ledger


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[Workspace, Ledger]:
    ws, ledger = populate(tmp_path_factory.mktemp("web") / "ws")
    yield ws, ledger
    ledger.dispose()


def client_for(ws: Workspace, ledger: Ledger, now: datetime = NOW, **kwargs) -> TestClient:
    app = create_app(ws, ledger, secret=SECRET, clock=lambda: now, **kwargs)
    return TestClient(app, base_url="http://127.0.0.1", follow_redirects=False)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "form without a CSRF token"
    return match.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD):
    page = client.get("/login")
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf": csrf_of(page.text), "next": "/"})


@pytest.fixture
def as_viewer(world) -> TestClient:
    client = client_for(*world)
    assert login(client, "xem").status_code == 303
    return client


def post_id(ledger: Ledger, key: str) -> int:
    with ledger.session() as s:
        return s.scalars(select(Post.id).where(Post.key == key)).one()


def page_urls(ledger: Ledger) -> list[str]:
    """One concrete URL per GET route, so a new page is covered by the security tests."""
    with ledger.session() as s:
        led = s.scalars(select(Post.id).where(Post.channel == "led")).first()
    return ["/", "/campaigns/thu-nghiem", "/campaigns/thu-nghiem/loa",
            "/campaigns/thu-nghiem/approval", "/calendar", "/log", "/log?event=sent",
            "/log.csv", "/log.xlsx", f"/posts/{led}", f"/posts/{led}/led/0.png",
            "/queue", "/approvals", "/campaigns/thu-nghiem/report.docx",
            "/campaigns/thu-nghiem/preview/tin-a/led/0.png", "/media/anh-thu.png", "/account",
            f"/posts/{post_id(ledger, FB_KEY)}", "/phuong", "/campaigns/thu-nghiem/ket-qua",
            "/campaigns/thu-nghiem/ket-qua.csv"]


WARD_ONLY = ["/phuong/thu-nghiem", "/phuong/anh/" + "0" * 64]
"""Pages only a ward account opens (tests/campaign/test_web_wards.py covers their roles)."""


def test_every_route_is_listed_in_the_security_checks(world):
    ws, ledger = world
    app = create_app(ws, ledger, secret=SECRET)
    gets = {r.path for r in app.routes if isinstance(r, Route) and "GET" in (r.methods or ())}
    covered = {"/login", "/posts/{pid}/audio", "/campaigns/{cid}/report.{fmt:str}",
               "/posts/{pid}/photos/{lid}", "/campaigns/{cid}/preview/{mid}/audio"}
    for url in [*page_urls(ledger), *WARD_ONLY]:
        path = url.split("?")[0]
        for route in app.routes:
            if isinstance(route, Route) and route.path_regex.match(path):
                covered.add(route.path)
    assert gets <= covered, gets - covered
    assert any(isinstance(r, Mount) and r.path == "/static" for r in app.routes)


def test_anonymous_is_refused_everywhere(world):
    ws, ledger = world
    client = client_for(ws, ledger)
    for url in [*page_urls(ledger), "/posts/1/audio", "/posts/1/photos/1", *WARD_ONLY,
                "/campaigns/thu-nghiem/preview/tin-a/audio"]:
        response = client.get(url)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/login?next="), url
        assert "thu-nghiem" not in response.text and "Tân Phong" not in response.text
    for url in ("/posts/1/resolve", "/posts/1/retry", "/campaigns/thu-nghiem/approve",
                "/campaigns/thu-nghiem/review",
                "/campaigns/thu-nghiem/retry", "/logout", "/phuong/thu-nghiem"):
        assert client.post(url, data={"outcome": "sent"}).status_code == 401, url
    assert client.get("/login").status_code == 200
    assert client.get("/static/style.css").status_code == 200


def test_login_sets_a_hardened_session_cookie_and_logout_ends_it(world):
    client = client_for(*world)
    bad = login(client, "xem", "sai-mat-khau")
    assert bad.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in bad.text
    ok = login(client, "xem")
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "campaign_session=" in cookie
    home = client.get("/")
    assert home.status_code == 200 and "Người viewer" in home.text
    assert "script-src 'none'" in home.headers["content-security-policy"]
    client.post("/logout", data={"csrf": csrf_of(home.text)})
    assert client.get("/").status_code == 303


def test_login_redirect_stays_on_this_site(world):
    client = client_for(*world)
    page = client.get("/login")
    response = client.post("/login", data={"name": "xem", "password": PASSWORD,
                                           "csrf": csrf_of(page.text),
                                           "next": "//ke-xau.example/"})
    assert response.headers["location"] == "/"


def test_login_is_rate_limited_per_account_and_client(world):
    limiter = LoginLimiter()
    client = client_for(*world, limiter=limiter)
    for _ in range(5):
        assert login(client, "vanhanh", "doan-sai-mat-khau").status_code == 401
    blocked = login(client, "vanhanh")  # the right password no longer helps for a while
    assert blocked.status_code == 429 and "quá nhiều lần" in blocked.text
    other = client_for(*world, limiter=limiter)  # a colleague behind the same address
    assert login(other, "lanhdao").status_code == 303
    # after the window, the right password works again
    assert limiter.blocked_for("vanhanh", "testclient", time.monotonic() + 15 * 60 + 1) == 0
    fresh = client_for(*world)  # a new app (new limiter) lets the right password in
    assert login(fresh, "vanhanh").status_code == 303


def test_forged_posts_without_csrf_are_rejected(world):
    ws, ledger = world
    client = client_for(ws, ledger)
    assert login(client, "vanhanh").status_code == 303
    pid = post_id(ledger, FB_KEY)
    for url, data in ((f"/posts/{pid}/retry", {}),
                      (f"/posts/{pid}/resolve", {"outcome": "sent"}),
                      ("/campaigns/thu-nghiem/retry", {}),
                      ("/campaigns/thu-nghiem/approve", {}),
                      ("/logout", {})):
        for token in (None, "gia-mao"):
            body = dict(data, **({"csrf": token} if token else {}))
            response = client.post(url, data=body)
            assert response.status_code == 403, (url, token)
            assert "CSRF" in response.text
    assert client.get("/").status_code == 200  # still logged in: logout was refused too
    with ledger.session() as s:
        assert s.get(Post, pid).state == "failed"
    login_page = client_for(ws, ledger).get("/login")
    assert client_for(ws, ledger).post(
        "/login", data={"name": "xem", "password": PASSWORD}).status_code == 403
    assert login_page.status_code == 200


def test_script_in_a_title_is_escaped_on_every_page(as_viewer, world):
    ws, ledger = world
    for url in page_urls(ledger):
        response = as_viewer.get(url)
        assert response.status_code == 200, url
        if response.headers["content-type"].startswith("text/html"):
            assert EVIL not in response.text, url
            assert "<script" not in response.text.lower(), url
    home = as_viewer.get("/").text
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in home


def test_campaigns_page_shows_progress_per_channel_and_deadline(as_viewer):
    html = as_viewer.get("/").text
    assert "Hạn báo cáo 10/05/2025 gửi Ban Tuyên giáo Thành ủy" in html
    assert "còn 11 ngày" in html  # 29/4 → 10/5
    row = re.search(r"<td>Facebook</td>(.*?)</tr>", html, re.S).group(1)
    numbers = [int(n) for n in re.findall(r'<td class="n">(\d+)</td>', row)]
    # planned, sent, failed, unconfirmed, expired, confirmed, open
    assert numbers[1:5] == [0, 1, 1, 0]
    loud = re.search(r"<td>Loa truyền thanh</td>(.*?)</tr>", html, re.S).group(1)
    loud_numbers = [int(n) for n in re.findall(r'<td class="n">(\d+)</td>', loud)]
    assert loud_numbers[1] == 3 and loud_numbers[4] == 3 and loud_numbers[5] == 1
    assert "<svg" in html and "Đã gửi: 6</title>" in html  # the LED bar


def test_confirmation_grid_shows_wards_by_day(as_viewer):
    html = as_viewer.get("/campaigns/thu-nghiem/loa").text
    rows = dict(re.findall(r'<td class="unit">(.*?)</td>(.*?)</tr>', html, re.S))
    assert set(rows) == set(WARDS)
    cells = lambda unit: re.findall(  # noqa: E731
        r'<td class="(g-[a-z_]+)"><span aria-hidden="true">(.)</span> (\d+/\d+)'
        r'<span class="sr">([^<]*)</span></td>', rows[unit])
    # 28/04: Tân Phong's 05:30 expired and 17:00 played; Trung Dũng received only
    assert cells("Phường Tân Phong")[0][:3] == ("g-some", "◐", "1/2")
    assert cells("Phường Tân Phong")[0][3].startswith("Phát một phần: đã phát 1/2 buổi")
    assert cells("Phường Trung Dũng")[0][:3] == ("g-received", "↓", "0/2")
    assert cells("Xã Hiệp Hòa")[0][:3] == ("g-none", "?", "0/2")
    assert cells("Xã Hiệp Hòa")[1][0] == "g-today"  # 29/04, "now" in these tests
    assert cells("Xã Hiệp Hòa")[-1][0] == "g-future"
    assert "29/04" in html and "Đã phát" in html and 'class="grid-wrap"' in html


def test_calendar_lists_upcoming_posts_in_local_time(as_viewer):
    html = as_viewer.get("/calendar?days=7").text
    assert "29/04/2025 17:00" in html  # the afternoon loudspeaker session, local time
    assert "30/04/2025" in html and "<svg" in html
    assert "Loa truyền thanh" in html


def test_log_filters_and_exports(as_viewer, world):
    ws, ledger = world
    html = as_viewer.get("/log?unit=tan-phong&channel=loudspeaker").text
    events = re.findall(r"<tr><td class=\"nowrap\">\d\d/\d\d/\d{4} \d\d:\d\d</td><td>([^<]+)</td>",
                        html)
    assert events and set(events) <= {"Nhận gửi", "Đã gửi", "Đã nhận", "Đã phát", "Quá hạn"}
    assert "Đã phát" in events and "Cán bộ Tân Phong" in html
    failed = as_viewer.get("/log?event=failed").text
    assert failed.count("<td>Lỗi</td>") == 1 and "FB_WEB_TEST_TOKEN" in failed
    exported = as_viewer.get("/log.csv?channel=loudspeaker&unit=tan-phong")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows and {r["Đơn vị"] for r in rows} == {"Phường Tân Phong"}
    assert [r["Sự kiện"] for r in rows] == events
    xlsx = as_viewer.get("/log.xlsx?event=sent")
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    values = list(book.active.values)
    with ledger.session() as s:
        sent = len(s.scalars(select(LogEntry.id).where(LogEntry.event == "sent")).all())
    assert values[0][0] == "Thời điểm" and len(values) - 1 == sent
    assert {v[1] for v in values[1:]} == {"Đã gửi"}
    day = as_viewer.get("/log?since=2025-04-29&until=2025-04-29").text
    assert "28/04/2025" not in day and "29/04/2025" in day


def test_post_detail_has_preview_and_history(as_viewer, world):
    ws, ledger = world
    led = post_id(ledger, "thu-nghiem/led-tan-phong/2025-04-28T06:00/tin-a")
    html = as_viewer.get(f"/posts/{led}").text
    assert f'/posts/{led}/led/0.png' in html and "KHẨU HIỆU A" in html
    assert re.findall(r"<tr><td>[^<]+</td><td>([^<]+)</td>", html) == ["Nhận gửi", "Đã gửi"]
    png = as_viewer.get(f"/posts/{led}/led/0.png")
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    from PIL import Image

    image = Image.open(io.BytesIO(png.content))
    assert image.width == 192 and image.height >= 96
    assert as_viewer.get(f"/posts/{led}/led/5.png").status_code == 404
    fb = as_viewer.get(f"/posts/{post_id(ledger, FB_KEY)}").text
    assert "Nội dung tin A trên Facebook." in fb and "FB_WEB_TEST_TOKEN" in fb
    loud = post_id(ledger, "thu-nghiem/loa-tan-phong/2025-04-28T17:00/tin-b")
    html = as_viewer.get(f"/posts/{loud}").text
    assert f'<audio controls preload="none" src="/posts/{loud}/audio">' in html
    history = re.findall(r"<tr><td>(\d\d/\d\d/\d{4} \d\d:\d\d)</td><td>([^<]+)</td>", html)
    assert [e for _, e in history] == ["Nhận gửi", "Đã gửi", "Đã nhận", "Đã phát"]
    assert history[0][0] == "28/04/2025 17:00"  # local time, not UTC


def test_viewer_sees_no_actions_and_cannot_act(as_viewer, world):
    ws, ledger = world
    queue = as_viewer.get("/queue").text
    assert "Chưa rõ kết quả" in queue and "Đã lên trang</button>" not in queue
    approval = as_viewer.get("/campaigns/thu-nghiem/approval").text
    assert "không có quyền phê duyệt" in approval and "Phê duyệt nội dung này" not in approval
    token = csrf_of(approval)
    refused = as_viewer.post("/campaigns/thu-nghiem/approve", data={"csrf": token})
    assert refused.status_code == 403 and "không có quyền" in refused.text
    pid = post_id(ledger, FB_KEY)
    assert as_viewer.post(f"/posts/{pid}/retry", data={"csrf": token}).status_code == 403
    with ledger.session() as s:
        assert s.get(Post, pid).state == "failed"


def test_operator_cannot_approve(world):
    client = client_for(*world)
    login(client, "vanhanh")
    token = csrf_of(client.get("/").text)
    assert client.post("/campaigns/thu-nghiem/approve", data={"csrf": token}).status_code == 403


def test_operator_resolves_and_retries_from_the_queue(tmp_path):
    ws, ledger = populate(tmp_path / "ws")
    client = client_for(ws, ledger)
    login(client, "vanhanh")
    queue = client.get("/queue").text
    failed = post_id(ledger, FB_KEY)
    unknown = post_id(ledger, "thu-nghiem/fb-trung-tam/2025-04-29T08:00/tin-b")
    assert f'id="post-{failed}"' in queue and f'id="post-{unknown}"' in queue
    token = csrf_of(queue)
    done = client.post(f"/posts/{unknown}/resolve",
                       data={"csrf": token, "outcome": "sent", "back": "/queue"})
    assert done.status_code == 303 and done.headers["location"] == "/queue"
    after = client.get("/queue").text
    assert f"Bài #{unknown}: đã xử lý" in after and f'id="post-{unknown}"' not in after
    again = client.post(f"/posts/{unknown}/resolve", data={"csrf": token, "outcome": "sent"})
    assert "chỉ xử lý được bài" in client.get(again.headers["location"]).text
    # the 28/4 post's window closed at 20:00 that day: a retry on 29/4 cannot send it late
    late = client.post(f"/posts/{failed}/retry", data={"csrf": token})
    assert "quá khung giờ" in client.get(late.headers["location"]).text
    # 3/5 08:00: the Page token is still missing, so that day's post fails at once; retried
    # within its window it is queued again
    fresh = post_id(ledger, "thu-nghiem/fb-trung-tam/2025-05-03T08:00/tin-a")
    approve(ledger, "thu-nghiem", "Lãnh đạo")
    make_dispatcher(ws, ledger).run_once(now=datetime(2025, 5, 3, 1, 0, tzinfo=UTC))
    later = client_for(ws, ledger, now=datetime(2025, 5, 3, 2, 0, tzinfo=UTC))
    login(later, "vanhanh")
    queue = later.get("/queue").text
    assert f'id="post-{fresh}"' in queue
    ok = later.post(f"/posts/{fresh}/retry", data={"csrf": csrf_of(queue)})
    assert "đã được xếp gửi lại" in later.get(ok.headers["location"]).text
    with ledger.session() as s:
        states = {pid: s.get(Post, pid).state for pid in (unknown, failed, fresh)}
        actors = {(e.post_id, e.event): e.actor for e in s.scalars(select(LogEntry).where(
            LogEntry.event.in_(["resolved", "retry", "expired"]), LogEntry.actor == "vanhanh"))}
    assert states == {unknown: "sent", failed: "expired", fresh: "pending"}
    assert set(actors) == {(unknown, "resolved"), (failed, "expired"), (fresh, "retry")}
    ledger.dispose()


def test_approver_sees_the_diff_and_approves(tmp_path):
    ws, ledger = populate(tmp_path / "ws")
    client = client_for(ws, ledger)
    login(client, "lanhdao")
    html = client.get("/campaigns/thu-nghiem/approval").text
    assert '<span class="words">KHẨU HIỆU B <ins title="Thêm">MỚI</ins></span>' in html
    digest = re.search(r'name="hash" value="([0-9a-f]+)"', html).group(1)
    response = client.post("/campaigns/thu-nghiem/approve",
                           data={"csrf": csrf_of(html), "hash": digest})
    assert response.status_code == 303
    after = client.get(response.headers["location"]).text
    assert "Đã phê duyệt. Các bài sẽ được gửi theo lịch." in after
    assert "Nội dung hiện tại trùng với bản đã duyệt" in after
    with ledger.session() as s:
        entry = s.scalars(select(LogEntry).where(LogEntry.event == "approved")
                          .order_by(LogEntry.id.desc())).first()
    assert entry.actor == "Người approver"
    ledger.dispose()


def test_user_cli_adds_and_lists_accounts_without_showing_passwords(ws):
    runner = CliRunner()
    added = runner.invoke(main, ["user", "add", "tuan", "--role", "operator", "-w", str(ws.root),
                                 "--password-stdin"], input="mot-mat-khau-dai\n")
    assert added.exit_code == 0, added.output
    short = runner.invoke(main, ["user", "add", "ngan", "--role", "viewer", "-w", str(ws.root)],
                          input="ngan\n")
    assert short.exit_code == 2 and "quá ngắn" in short.output
    dup = runner.invoke(main, ["user", "add", "tuan", "--role", "viewer", "-w", str(ws.root)],
                        input="mot-mat-khau-khac\n")
    assert dup.exit_code == 2 and "--replace" in dup.output
    listed = runner.invoke(main, ["user", "list", "-w", str(ws.root)])
    assert "tuan: Vận hành" in listed.output and "mot-mat-khau" not in listed.output
    ledger = Ledger(ws.db_url)
    from campaign.web.users import authenticate

    assert authenticate(ledger, "tuan", "mot-mat-khau-dai").role == "operator"
    assert authenticate(ledger, "tuan", "sai") is None
    with ledger.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM web_users").scalar()
    assert stored.startswith("$argon2") and "mot-mat-khau" not in stored
    ledger.dispose()


# --------------------------------------------------------------------------- run last: they add
# log entries and files to the shared world
FORMULAS = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tlệnh", "\rlệnh"]


def test_csv_export_neutralises_spreadsheet_formulas(as_viewer, world):
    from campaign.web.exports import spreadsheet_cell
    from schedules.operations import record_refusal

    ws, ledger = world
    for text in FORMULAS:
        record_refusal(ledger, text, {"reason": "unknown_chat"}, now=NOW)
    exported = as_viewer.get("/log.csv?event=refused")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"), newline="")))
    assert sorted(r["Người/máy"] for r in rows) == sorted("'" + t for t in FORMULAS)
    assert {r["Sự kiện"] for r in rows} == {"Từ chối"}
    assert [spreadsheet_cell(v) for v in ("Cán bộ", "a=b", 5, None)] == ["Cán bộ", "a=b", 5, ""]


def test_audio_preview_uses_the_reading_settings_and_the_speech_store(world, tmp_path):
    """The preview is the delivery's own audio: the workspace's reading speed, in var/speech
    (which retention prunes), not a default voice in a cache nobody cleans."""
    import shutil

    from assets.speech.audio import synthesize_cached
    from assets.speech.settings import speech_kit
    from assets.store import MediaStore

    ws, ledger = world
    root = tmp_path / "ws"
    shutil.copytree(ws.root, root, ignore=shutil.ignore_patterns("var", "*.db*"))
    directory = root / "directory.yaml"
    directory.write_text(directory.read_text(encoding="utf-8") +
                         "reading: {syllables_per_second: 3.2}\n", encoding="utf-8")
    slow = Workspace.open(root)
    client = client_for(slow, ledger)
    assert login(client, "xem").status_code == 303
    loud = post_id(ledger, "thu-nghiem/loa-tan-phong/2025-04-28T17:00/tin-b")
    response = client.get(f"/posts/{loud}/audio")
    assert response.status_code == 200 and response.headers["content-type"] == "audio/mpeg"
    assert not (slow.var_dir / "media").exists()
    stored = list((slow.var_dir / "speech").rglob("*.mp3"))
    assert len(stored) == 1 and stored[0].read_bytes() == response.content
    context = slow.adapter_context()
    kit = speech_kit(context.speech, context.secrets)
    assert kit.syllables_per_second == 3.2
    script = str(ledger_content(ledger, loud)["script"])
    expected = synthesize_cached(script, MediaStore(slow.var_dir / "speech"), engine=kit.engine,
                                 dictionary=kit.dictionary,
                                 syllables_per_second=kit.syllables_per_second)
    assert expected.path == stored[0]  # the same recipe: a delivery would reuse this file


def ledger_content(ledger: Ledger, pid: int) -> dict:
    from campaign import queries

    detail = queries.post_detail(ledger, pid)
    assert detail is not None
    return detail["content"]
