"""End to end in a real browser: Debian's Chromium driven by Playwright against the real app
served by uvicorn on a free local port. Log in, open each page, filter the log, resolve a post,
export CSV and XLSX, take a screenshot."""

from __future__ import annotations

import csv
import io
import os
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from openpyxl import load_workbook
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from campaign.web import create_app
from schedules.models import LogEntry, Post
from tests.campaign.test_web import EVIL, FB_KEY, NOW, PASSWORD, SECRET, populate, post_id

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    ws, ledger = populate(tmp_path_factory.mktemp("e2e") / "ws")
    app = create_app(ws, ledger, secret=SECRET, clock=lambda: NOW)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", ws, ledger
    srv.should_exit = True
    thread.join(timeout=10)
    ledger.dispose()


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.exists(), "Debian chromium is needed (apt-get install chromium)"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def test_operator_journey_in_chromium(server, browser, tmp_path):
    base, ws, ledger = server
    context = browser.new_context(accept_downloads=True, locale="vi-VN",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{base}/log")
    assert page.url.startswith(f"{base}/login?next=")  # anonymous: sent to the login page
    page.fill("#name", "vanhanh")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/log")
    cookie = next(c for c in context.cookies() if c["name"] == "campaign_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    page.goto(base + "/")
    heading = page.locator("section.campaign h2").first.inner_text()
    assert EVIL in heading  # shown as text, never run
    assert page.locator("section.campaign svg.bar").count() == 3
    assert "còn 11 ngày" in page.locator("section.campaign").first.inner_text()
    page.screenshot(path=str(tmp_path / "chien-dich.png"), full_page=True)

    page.locator("section.campaign h2 a").first.click()
    page.wait_for_url(f"{base}/campaigns/thu-nghiem")
    page.click("text=Xác nhận phát loa theo phường/xã")
    page.wait_for_url(f"{base}/campaigns/thu-nghiem/loa")
    assert page.locator("table.grid tbody tr").count() == 3
    assert page.locator("td.g-some").first.inner_text().startswith("◐ 1/2")

    page.goto(f"{base}/calendar")
    assert "29/04/2025 17:00" in page.locator("body").inner_text()

    # filter the log with the form, as a person would
    page.goto(f"{base}/log")
    page.select_option("select[name=unit]", "tan-phong")
    page.select_option("select[name=event]", "played")
    page.click("#log-filter button[type=submit]")
    page.wait_for_url("**/log?*")
    rows = page.locator("#log tbody tr")
    assert rows.count() == 1 and "Cán bộ Tân Phong" in rows.first.inner_text()
    with page.expect_download() as download_info:
        page.click("text=CSV")
    csv_path = tmp_path / "nhat-ky.csv"
    download_info.value.save_as(csv_path)
    exported = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert [(r["Sự kiện"], r["Đơn vị"]) for r in exported] == [("Đã phát", "Phường Tân Phong")]
    with page.expect_download() as download_info:
        page.click("text=XLSX")
    xlsx_path = tmp_path / "nhat-ky.xlsx"
    download_info.value.save_as(xlsx_path)
    sheet = list(load_workbook(xlsx_path, read_only=True).active.values)
    assert len(sheet) == 2 and sheet[1][1] == "Đã phát"

    # the post's page: preview frames load as real PNGs, history is there
    led = post_id(ledger, "thu-nghiem/led-tan-phong/2025-04-28T06:00/tin-a")
    page.goto(f"{base}/posts/{led}")
    image = page.locator(".preview img").first
    image.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth", image.element_handle()) == 192
    assert page.locator("#history tbody tr").count() == 2

    # resolve the unconfirmed Facebook post from the queue
    unknown = post_id(ledger, "thu-nghiem/fb-trung-tam/2025-04-29T08:00/tin-b")
    page.goto(f"{base}/queue")
    row = page.locator(f"#post-{unknown}")
    assert "Chưa rõ kết quả" in row.inner_text()
    row.locator("button", has_text="Đã lên trang").click()
    page.wait_for_url(f"{base}/queue")
    assert f"Bài #{unknown}: đã xử lý" in page.locator(".flash").inner_text()
    assert page.locator(f"#post-{unknown}").count() == 0
    assert page.locator(f"#post-{post_id(ledger, FB_KEY)}").count() == 1
    page.screenshot(path=str(tmp_path / "hang-cho.png"), full_page=True)
    with ledger.session() as s:
        assert s.get(Post, unknown).state == "sent"
        resolved = s.scalars(select(LogEntry).where(LogEntry.post_id == unknown,
                                                    LogEntry.event == "resolved")).one()
    assert resolved.actor == "vanhanh" and resolved.detail["outcome"] == "sent"

    # an operator may look at the approval page but has no button to approve
    page.goto(f"{base}/campaigns/thu-nghiem/approval")
    assert page.locator(".changes ins").count() >= 1
    assert page.locator("text=Phê duyệt nội dung này").count() == 0

    assert dialogs == []  # no injected script ever ran
    assert errors == []   # nothing blocked or broken in the console (CSP, missing files)
    keep = os.environ.get("CAMPAIGN_SCREENSHOTS")  # to look at them after a run
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for shot in tmp_path.glob("*.png"):
            (Path(keep) / shot.name).write_bytes(shot.read_bytes())
    context.close()


# --------------------------------------------------------------------------- approval, layout
def serve(app) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                        lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    return srv, thread, f"http://127.0.0.1:{port}"


def keep_screenshots(tmp_path: Path) -> None:
    keep = os.environ.get("CAMPAIGN_SCREENSHOTS")  # to look at them after a run
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for shot in tmp_path.glob("*.png"):
            (Path(keep) / shot.name).write_bytes(shot.read_bytes())


def test_leader_approves_a_changed_script_and_slogan_in_chromium(browser, tmp_path):
    from tests.campaign.test_web_review import edited_text, replan

    ws, ledger = populate(tmp_path / "ws")
    replan(ws, ledger, edited_text())  # tin-a's script reworded, slogan B changed
    srv, thread, base = serve(create_app(ws, ledger, secret=SECRET, clock=lambda: NOW))
    try:
        context = browser.new_context(locale="vi-VN", viewport={"width": 1400, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/login?next=/campaigns/thu-nghiem/approval")
        page.fill("#name", "lanhdao")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/campaigns/thu-nghiem/approval")

        script = page.locator("#tin-tin-a .part.changed")
        assert "Loa truyền thanh" in script.locator("h3").inner_text()
        assert "Đây là bài đọc A về an toàn giao thông." in script.locator(
            ".pv-text.script").inner_text()
        assert script.locator(".change ins").inner_text() == "về an toàn giao thông"
        assert script.locator(".change del").count() == 0
        assert "Thời lượng:" in script.locator(".duration").inner_text()
        audio = script.locator("audio").element_handle()
        duration = page.evaluate("""a => new Promise(ok => {
            a.addEventListener('loadedmetadata', () => ok(a.duration), {once: true});
            a.addEventListener('error', () => ok(-1), {once: true});
            a.preload = 'metadata'; a.load(); })""", audio)
        assert duration > 1  # the synthesised reading really loads in the player

        slogan = page.locator("#tin-tin-b .part.changed")
        frame = slogan.locator("img.led").first
        frame.wait_for()
        assert page.evaluate("i => i.complete && i.naturalWidth", frame.element_handle()) == 192
        assert frame.get_attribute("alt") == "Khung LED: KHẨU HIỆU B MỚI"
        assert slogan.locator(".change ins").inner_text() == "MỚI"
        assert page.locator("details.part.same").count() >= 2  # unchanged channels folded
        assert not page.locator("details.part.same .pv").first.is_visible()
        page.screenshot(path=str(tmp_path / "phe-duyet-1400.png"), full_page=True)

        phone = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 740},
                                    storage_state=context.storage_state())
        small = phone.new_page()
        small.goto(f"{base}/campaigns/thu-nghiem/approval")
        assert small.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
        small.screenshot(path=str(tmp_path / "phe-duyet-360.png"), full_page=True)
        phone.close()

        page.click("text=Phê duyệt nội dung này")
        page.wait_for_url(f"{base}/campaigns/thu-nghiem/approval")
        assert "Đã phê duyệt. Các bài sẽ được gửi theo lịch." in page.locator(".flash").inner_text()
        assert errors == []
        context.close()
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        keep_screenshots(tmp_path)
        ledger.dispose()


PAGES = ["/", "/campaigns/thu-nghiem", "/campaigns/thu-nghiem/loa", "/calendar", "/log",
         "/queue", "/approvals", "/campaigns/thu-nghiem/approval", "/account"]


def test_pages_fit_a_desktop_and_a_phone_screen(server, browser, tmp_path):
    """No page scrolls sideways at 1400 px or 360 px (wide tables and the grid scroll inside
    their own boxes); the app's own font is the one used."""
    base, _ws, ledger = server
    for width in (1400, 360):
        context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": 800})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m, seen=errors: seen.append(m.text)
                if m.type == "error" else None)
        page.goto(f"{base}/login")
        page.fill("#name", "lanhdao")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        led = post_id(ledger, "thu-nghiem/led-tan-phong/2025-04-28T06:00/tin-a")
        for path in [*PAGES, f"/posts/{led}"]:
            page.goto(base + path)
            page.evaluate("document.fonts.ready")
            wide = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
            name = path.strip("/").replace("/", "-") or "trang-chu"
            page.screenshot(path=str(tmp_path / f"{width}-{name}.png"), full_page=True)
            assert wide[0] <= wide[1], (width, path, wide)
            assert page.evaluate("document.fonts.check('16px \"Campaign Sans\"', 'Phường')")
        page.goto(f"{base}/campaigns/thu-nghiem/loa")
        box = page.locator(".grid-wrap")
        assert box.evaluate("b => b.scrollWidth > b.clientWidth") == (width == 360)
        if width == 360:  # the unit column stays in view when the grid scrolls sideways
            box.evaluate("b => b.scrollLeft = 200")
            unit = page.locator("table.grid tbody td.unit").first.bounding_box()
            assert unit is not None and unit["x"] < 30
        assert errors == [], errors
        context.close()
    keep_screenshots(tmp_path)
