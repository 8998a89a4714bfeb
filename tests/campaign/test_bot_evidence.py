"""Evidence through the bot (issue 17): a ward's photo of a hung banner, an editor's
"Đã đăng <URL>" — the real python-telegram-bot against the local Bot API server.

The dispatcher delivers printed materials (``visual`` via telegram: PDFs and the order sheet)
and a website bundle (``package`` with a chat: the .zip and instructions) to the fake; the test
then acts as the officer and the editor and reads the ledger, the evidence store and the
dashboard's post page.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from starlette.testclient import TestClient

from campaign import queries
from campaign.approval import approve
from campaign.bot import BotRunner, WardBot
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.runtime import make_dispatcher
from campaign.web import create_app
from campaign.web.users import add_user
from campaign.workspace import Workspace
from schedules.ledger import Ledger
from schedules.models import LogEntry, Post
from tests.campaign.test_bot import ZONE, Clock, wait_for
from tests.campaign.test_web import login
from tests.channels.fakes.telegram_api import TelegramAPI

TOKEN = "515151:EvidenceBot-SECRET-token"
WARD_CHAT, EDITOR_CHAT, STRANGER_CHAT = -100700, -100800, -100999
OFFICER, EDITOR, STRANGER = 701, 801, 999

DIRECTORY = """\
timezone: Asia/Ho_Chi_Minh
units:
  - {{id: trung-tam, name: Trung tâm VH-TT-TT, kind: centre}}
  - {{id: tan-phong, name: Phường Tân Phong}}
telegram: {{token: env:TELEGRAM_BOT_TOKEN, api_base: "{api_base}"}}
endpoints:
  - {{id: bang-ron-tan-phong, channel: visual, unit: tan-phong, kind: bang-ron, size: 5x0.8,
     quantity: 2, where: Cổng khu phố 3,
     deliver: {{via: telegram, chat_id: "{ward}", users: [{officer}]}}}}
  - {{id: web-trung-tam, channel: website, unit: trung-tam, category: Tin tức,
     deliver: {{via: package, path: var/website, chat_id: "{editor_chat}", users: [{editor}]}}}}
"""

CAMPAIGN = """\
id: in-an-thu
title: Tuyên truyền chuyển đổi số
source:
  - {kind: Công văn, number: 1587/UBND-KGVX, date: 2025-02-20, issuer: UBND tỉnh Đồng Nai}
period: {start: 2025-05-05, end: 2025-05-11}
targets: [tat-ca]
messages:
  - id: tin-a
    title: Chuyển đổi số vì người dân
    website: {text: "Đoạn một của bài.\\n\\nĐoạn hai."}
    visual: {slogans: ["CHUYỂN ĐỔI SỐ VÌ NGƯỜI DÂN"]}
schedule:
  website: {days: [t2], times: ["08:00"]}
visual: {hang_on: 2025-05-07, lead_days: 2, time: "08:00"}
"""


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 5, day, hour, minute, tzinfo=ZONE)


def jpeg(color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def api() -> Iterator[TelegramAPI]:
    chats = {WARD_CHAT: "Phường Tân Phong", EDITOR_CHAT: "Biên tập cổng TTĐT",
             STRANGER_CHAT: "Nhóm lạ"}
    with TelegramAPI(TOKEN, chats=chats) as server:
        yield server


@pytest.fixture
def ews(tmp_path: Path, api: TelegramAPI) -> Workspace:
    root = tmp_path / "ws"
    (root / "campaigns").mkdir(parents=True)
    (root / "media").mkdir()
    (root / "directory.yaml").write_text(DIRECTORY.format(
        api_base=api.base, ward=WARD_CHAT, officer=OFFICER, editor_chat=EDITOR_CHAT,
        editor=EDITOR), encoding="utf-8")
    (root / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\n", encoding="utf-8")
    (root / "campaigns" / "in.yaml").write_text(CAMPAIGN, encoding="utf-8")
    return Workspace.open(root)


@pytest.fixture
def book(ews: Workspace) -> Iterator[Ledger]:
    ledger = Ledger(ews.db_url)
    yield ledger
    ledger.dispose()


@pytest.fixture
def delivered(ews: Workspace, book: Ledger, api: TelegramAPI) -> dict[str, Post]:
    """Plan → approve → the prints go to the ward on 5/5 08:00 (2 days before hanging on
    7/5) and the article bundle to the editor at its Monday 08:00 slot."""
    campaign = load_campaign(ews.campaigns_dir / "in.yaml", ews.directory, ews.media_dir)
    apply_plan(book, build_plan(campaign, ews.directory), now=local(4, 8))
    approve(book, campaign.id, "Lãnh đạo Trung tâm", now=local(4, 9))
    dispatcher = make_dispatcher(ews, book)
    try:
        summary = dispatcher.run_once(now=local(5, 8, 1))
    finally:
        dispatcher.close()
    assert summary.counts == {"sent": 2}, summary.as_dict()
    with book.session() as session:
        posts = session.scalars(select(Post)).all()
    return {p.channel: p for p in posts}


@pytest.fixture
def clock() -> Clock:
    return Clock(local(7, 10, 30))


@pytest.fixture
def listening(ews: Workspace, book: Ledger, clock: Clock) -> Iterator[WardBot]:
    bot = WardBot(ews, book, clock=clock, poll_timeout=1)
    runner = BotRunner(bot)
    assert runner.start(wait=10)
    yield bot
    runner.stop()


def events(ledger: Ledger, *names: str) -> list[LogEntry]:
    with ledger.session() as session:
        return list(session.scalars(select(LogEntry).where(LogEntry.event.in_(names))
                                    .order_by(LogEntry.id)))


def test_prints_reach_the_ward_and_the_bundle_the_editor(
        api: TelegramAPI, delivered: dict[str, Post]) -> None:
    docs = api.called("sendDocument")
    ward = [d for d in docs if d.fields["chat_id"] == str(WARD_CHAT)]
    (name, pdf), = [d.files["document"] for d in ward]
    assert name == "01-bang-ron-5x0.8.pdf" and pdf.startswith(b"%PDF")
    sheet = next(c.fields["text"] for c in api.called("sendMessage")
                 if c.fields["chat_id"] == str(WARD_CHAT))
    assert "Treo tại: Cổng khu phố 3" in sheet and "Treo từ ngày: 07/05/2025" in sheet
    assert "CHUYỂN ĐỔI SỐ VÌ NGƯỜI DÂN" in sheet and "ảnh chụp" in sheet
    visual = delivered["visual"]
    assert visual.state == "sent" and visual.external_id == str(
        max(m for (c, m) in api.messages if c == str(WARD_CHAT)))

    (bundle,) = [d for d in docs if d.fields["chat_id"] == str(EDITOR_CHAT)]
    zip_name, data = bundle.files["document"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        page = archive.read(next(n for n in names if n.endswith("bai-viet.html"))).decode()
    assert zip_name.endswith(".zip") and any(n.endswith("thong-tin.json") for n in names)
    assert "Thực hiện Công văn số 1587/UBND-KGVX ngày 20/02/2025 của UBND tỉnh Đồng Nai" in page
    note = next(c.fields["text"] for c in api.called("sendMessage")
                if c.fields["chat_id"] == str(EDITOR_CHAT))
    assert "Đã đăng <đường dẫn bài viết>" in note
    assert TOKEN not in repr(api.calls)


def test_photo_reply_is_stored_as_evidence_and_shown_on_the_post_page(
        api: TelegramAPI, ews: Workspace, book: Ledger, delivered: dict[str, Post],
        listening: WardBot) -> None:
    post = delivered["visual"]
    photo = jpeg()
    api.photo(WARD_CHAT, photo, user_id=OFFICER, first_name="Lê Thị Hoa",
              reply_to=int(post.external_id or 0))
    wait_for(lambda: events(book, "hung"))
    wait_for(lambda: any("Đã ghi nhận ảnh" in c.fields["text"]
                         for c in api.called("sendMessage")))
    (row,) = events(book, "hung")
    assert row.post_id == post.id and row.actor == f"telegram:{OFFICER} Lê Thị Hoa"
    assert row.at == local(7, 10, 30)
    assert row.detail["sender"] == "Lê Thị Hoa" and row.detail["width"] == 1280
    stored = ews.var_dir / "evidence" / row.detail["file"]
    assert stored.read_bytes() == photo            # the full-size photo, byte for byte
    assert stored.name.startswith(row.detail["sha256"]) and stored.suffix == ".jpg"
    assert api.downloads == [f"photos/file_{row.detail['message_id']}x.jpg"]
    with book.session() as session:
        assert session.get(Post, post.id).confirmation == "hung"  # type: ignore[union-attr]
    (seen,) = queries.evidence_photos(book, campaign_id="in-an-thu")
    assert (seen.post_id, seen.sha256, seen.unit_id) == (post.id, row.detail["sha256"],
                                                         "tan-phong")
    answer = next(c.fields["text"] for c in api.called("sendMessage")
                  if "Đã ghi nhận ảnh" in c.fields["text"])
    assert "lúc 10:30 07/05/2025" in answer

    # the dashboard's post page shows the photo, served from the evidence store
    add_user(book, "xem", "viewer", "mat-khau-dai-1234", full_name="Người xem")
    client = TestClient(create_app(ews, book, secret="s" * 32), base_url="http://127.0.0.1",
                        follow_redirects=False)
    login(client, "xem", "mat-khau-dai-1234")
    page = client.get(f"/posts/{post.id}")
    assert page.status_code == 200 and "Ảnh xác nhận đã treo" in page.text
    src = f"/posts/{post.id}/photos/{row.id}"
    assert f'src="{src}"' in page.text and "Lê Thị Hoa" in page.text
    image = client.get(src)
    assert image.status_code == 200 and image.content == photo
    assert client.get(f"/posts/{post.id}/photos/{row.id + 999}").status_code == 404


def test_strangers_and_unanswerable_photos_are_refused_and_logged(
        api: TelegramAPI, ews: Workspace, book: Ledger, delivered: dict[str, Post],
        listening: WardBot) -> None:
    api.photo(STRANGER_CHAT, jpeg(), user_id=STRANGER)
    api.photo(WARD_CHAT, jpeg(), user_id=STRANGER, reply_to=int(
        delivered["visual"].external_id or 0))
    api.photo(WARD_CHAT, jpeg("blue"), user_id=OFFICER, reply_to=1)  # not a bot message
    wait_for(lambda: len(events(book, "refused")) == 3)
    reasons = [r.detail["reason"] for r in events(book, "refused")]
    assert reasons == ["unknown_chat", "unknown_user", "unknown_post"]
    assert not events(book, "hung") and api.downloads == []
    assert not (ews.var_dir / "evidence").exists()
    texts = [c.fields["text"] for c in api.called("sendMessage")]
    wait_for(lambda: sum("chưa được đăng ký" in t or "không phải một bài" in t
                         for t in [c.fields["text"] for c in api.called("sendMessage")]) == 3)
    assert texts  # the answers go to the senders' chats


def test_photo_without_reply_counts_when_one_post_waits(
        api: TelegramAPI, book: Ledger, delivered: dict[str, Post], listening: WardBot) -> None:
    api.photo(WARD_CHAT, jpeg(), user_id=OFFICER, caption="Đã treo xong")
    wait_for(lambda: events(book, "hung"))
    assert events(book, "hung")[0].post_id == delivered["visual"].id


def test_editor_confirms_published_with_the_url(
        api: TelegramAPI, book: Ledger, delivered: dict[str, Post], listening: WardBot) -> None:
    post = delivered["website"]
    reply_to = int(post.external_id or 0)
    api.say(EDITOR_CHAT, "Đã đăng rồi ạ", user_id=EDITOR, reply_to=reply_to)       # no URL
    api.say(EDITOR_CHAT, "Đã đăng https://bienhoa.dongnai.gov.vn/tin-tuc/cds-vi-nguoi-dan.",
            user_id=EDITOR, first_name="Trần Văn Bình", reply_to=reply_to)
    api.say(EDITOR_CHAT, "Đã đăng https://x.vn/a", user_id=OFFICER, reply_to=reply_to)
    api.say(EDITOR_CHAT, "Cảm ơn cả nhóm", user_id=EDITOR)                       # ignored
    wait_for(lambda: events(book, "published") and len(events(book, "refused")) == 2)
    (row,) = events(book, "published")
    assert row.post_id == post.id and row.actor == f"telegram:{EDITOR} Trần Văn Bình"
    assert row.detail["url"] == "https://bienhoa.dongnai.gov.vn/tin-tuc/cds-vi-nguoi-dan"
    assert row.detail["evidence"] == "posted"
    assert row.detail["external_id"] == row.detail["url"]
    assert row.detail["confirmed_at"] == "2025-05-07T03:30:00+00:00"
    assert [r.detail["reason"] for r in events(book, "refused")] == ["no_url", "unknown_user"]
    with book.session() as session:
        assert session.get(Post, post.id).confirmation == "published"  # type: ignore[union-attr]
    wait_for(lambda: any("đã đăng tại https://bienhoa" in c.fields["text"]
                         for c in api.called("sendMessage")))
    texts = [c.fields["text"] for c in api.called("sendMessage")]
    assert not any("Cảm ơn cả nhóm" in t for t in texts)
    assert sum("Xin gửi kèm đường dẫn" in t for t in texts) == 1
