"""The approval page shows what each channel will publish, the words that changed and how the
schedule moves; leaders approve exactly what they saw, ask for changes or reject."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.web.review import Segment, word_diff
from schedules.ledger import Ledger
from schedules.models import Campaign as CampaignRow
from schedules.models import LogEntry
from tests.campaign.test_web import campaign_text, client_for, csrf_of, login, populate


def replan(ws, ledger: Ledger, text: str, at: datetime = datetime(2025, 4, 29, 1, 40,
                                                                 tzinfo=UTC)) -> None:
    path = ws.campaigns_dir / "thu.yaml"
    path.write_text(text, encoding="utf-8")
    apply_plan(ledger, build_plan(load_campaign(path, ws.directory, ws.media_dir), ws.directory),
               now=at)


def edited_text() -> str:
    """The populated campaign with tin-a's script reworded, slogan B changed, and Facebook
    moved from 08:00 to 09:30."""
    return (campaign_text("KHẨU HIỆU B MỚI")
            .replace("Đây là bài đọc A.", "Đây là bài đọc A về an toàn giao thông.")
            .replace('times: ["08:00"]', 'times: ["09:30"]'))


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    ws, ledger = populate(tmp_path_factory.mktemp("review") / "ws")
    replan(ws, ledger, edited_text())
    yield ws, ledger
    ledger.dispose()


def test_word_diff_marks_added_and_removed_words():
    segments = word_diff("Kính thưa bà con.\nĐây là bài A.", "Kính thưa toàn thể bà con.\nĐây là bài B.")
    assert Segment("add", "toàn thể") in segments
    assert Segment("del", "A") in segments and Segment("add", "B") in segments
    assert Segment("same", ".", False) in segments  # the full stop sticks to the word
    assert Segment("br", "", False) in segments  # line breaks survive


def test_approval_page_renders_each_channel_and_the_word_diff(edited):
    ws, ledger = edited
    client = client_for(ws, ledger)
    login(client, "lanhdao")
    html = client.get("/campaigns/thu-nghiem/approval").text
    # the changed script: rendered as it will be read, with its player and duration
    assert "Đây là bài đọc A về an toàn giao thông." in html
    assert '<audio controls preload="none" src="/campaigns/thu-nghiem/preview/tin-a/audio">' in html
    assert re.search(r'<p class="duration">Thời lượng: \d+ giây</p>', html)
    # word-level diff beside it, in Vietnamese, no JSON and no field names
    assert ('Kính thưa bà con. Đây là bài đọc A <ins title="Thêm">về an toàn giao thông</ins>.'
            ) in html
    assert "Kịch bản đọc" in html and "Đã sửa" in html
    assert 'KHẨU HIỆU B <ins title="Thêm">MỚI</ins>' in html
    for raw in ('"script"', "slogans", "&#34;", "null", "{", "definition_hash"):
        assert raw not in html.split("<main>")[1], raw
    # the new slogan on the board, at the board's size
    frame = re.search(r'src="(/campaigns/thu-nghiem/preview/tin-b/led/0\.png\?endpoint=[^"]+)"',
                      html)
    assert frame and 'alt="Khung LED: KHẨU HIỆU B MỚI"' in html
    png = client.get(frame.group(1).replace("&amp;", "&"))
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).width == 192
    # unchanged parts are folded
    assert re.search(r"<details class=\"part same\"><summary>Facebook — không đổi", html)
    # the schedule change: Facebook moved 08:00 → 09:30 for the posts not yet sent
    row = re.search(r"<tr><td>Facebook(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r'<td class="n">(\d+)</td>', row)
    # from now (29/04 09:00) on: 29/04 09:30 is new (its 08:00 is past), 03/05 and 04/05 move
    # (30/04–02/05 are holidays, skipped)
    assert cells == ["1", "2", "0", "3"]
    assert re.search(r"Dời «Tin .» tại Trung tâm VH-TT-TT thành phố: 08:00 → 09:30 ngày 03/05",
                     html)
    assert "ngày 28/04" not in html
    audio = client.get("/campaigns/thu-nghiem/preview/tin-a/audio")
    assert audio.status_code == 200 and audio.headers["content-type"].startswith("audio/")
    assert len(audio.content) > 1000


def test_request_changes_is_logged_and_shown_to_operators(tmp_path):
    ws, ledger = populate(tmp_path / "ws")
    client = client_for(ws, ledger)
    login(client, "lanhdao")
    html = client.get("/campaigns/thu-nghiem/approval").text
    digest = re.search(r'name="hash" value="([0-9a-f]+)"', html).group(1)
    empty = client.post("/campaigns/thu-nghiem/review", data={
        "csrf": csrf_of(html), "hash": digest, "decision": "change_request", "comment": " "})
    assert "ghi rõ cần sửa gì" in client.get(empty.headers["location"]).text
    sent = client.post("/campaigns/thu-nghiem/review", data={
        "csrf": csrf_of(html), "hash": digest, "decision": "change_request",
        "comment": "Khẩu hiệu B cần ghi rõ năm 2025."})
    assert sent.status_code == 303
    with ledger.session() as s:
        entry = s.scalars(select(LogEntry).where(LogEntry.event == "change_request")).one()
    assert entry.actor == "Người approver"
    assert entry.detail["comment"] == "Khẩu hiệu B cần ghi rõ năm 2025."
    assert entry.detail["definition_hash"] == digest
    operator = client_for(ws, ledger)
    login(operator, "vanhanh")
    page = operator.get("/campaigns/thu-nghiem").text
    assert "Yêu cầu sửa" in page and "Khẩu hiệu B cần ghi rõ năm 2025." in page
    log = operator.get("/log?event=change_request").text
    assert "Khẩu hiệu B cần ghi rõ năm 2025." in log
    ledger.dispose()


def test_approval_of_a_stale_page_is_refused(tmp_path):
    ws, ledger = populate(tmp_path / "ws")
    client = client_for(ws, ledger)
    login(client, "lanhdao")
    html = client.get("/campaigns/thu-nghiem/approval").text
    seen = re.search(r'name="hash" value="([0-9a-f]+)"', html).group(1)
    replan(ws, ledger, campaign_text("KHẨU HIỆU B LẦN BA"))  # someone re-planned meanwhile
    response = client.post("/campaigns/thu-nghiem/approve",
                           data={"csrf": csrf_of(html), "hash": seen})
    assert "đã thay đổi" in client.get(response.headers["location"]).text
    with ledger.session() as s:
        assert not s.get(CampaignRow, "thu-nghiem").approved
    fresh = client.get("/campaigns/thu-nghiem/approval").text
    digest = re.search(r'name="hash" value="([0-9a-f]+)"', fresh).group(1)
    ok = client.post("/campaigns/thu-nghiem/approve", data={"csrf": csrf_of(fresh),
                                                            "hash": digest})
    assert "Đã phê duyệt" in client.get(ok.headers["location"]).text
    with ledger.session() as s:
        row = s.get(CampaignRow, "thu-nghiem")
        assert row.approved and row.approved_hash == digest
        entry = s.scalars(select(LogEntry).where(LogEntry.event == "approved")
                          .order_by(LogEntry.id.desc())).first()
    assert entry.detail["via"] == "web" and entry.detail["user"] == "lanhdao"
    ledger.dispose()


def test_media_route_serves_only_images_inside_the_media_folder(tmp_path):
    ws, ledger = populate(tmp_path / "ws")
    Image.new("RGB", (20, 10), (200, 0, 0)).save(ws.media_dir / "anh.png")
    (ws.root / "bi-mat.txt").write_text("x", encoding="utf-8")
    client = client_for(ws, ledger)
    login(client, "xem")
    assert client.get("/media/anh.png").headers["content-type"] == "image/png"
    assert client.get("/media/../bi-mat.txt").status_code == 404
    assert client.get("/media/%2e%2e/bi-mat.txt").status_code == 404
    ledger.dispose()


def test_first_approval_shows_everything_without_json(tmp_path: Path):
    ws, ledger = populate(tmp_path / "ws")
    with ledger.session() as s:  # as if never approved
        row = s.get(CampaignRow, "thu-nghiem")
        row.approved_definition = None
        row.approved_hash = None
    client = client_for(ws, ledger)
    login(client, "lanhdao")
    html = client.get("/campaigns/thu-nghiem/approval").text
    main = html.split("<main>")[1]
    assert "Chưa được duyệt lần nào" in main and "Nội dung tin A trên Facebook." in main
    assert "<details class=\"part same\">" not in main and "{" not in main
    assert "Số bài sắp tới" in main
    ledger.dispose()
