"""`campaign demo`: the whole job on the embedded default, from the real guidance."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from campaign.cli import main
from campaign.demo import DemoResult, run_demo
from schedules.ledger import Ledger
from schedules.models import Post


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    """One demo run shared by the tests that only read what it left behind."""
    return run_demo(tmp_path_factory.mktemp("demo") / "demo", audio=False)


def test_demo_runs_the_whole_job_without_audio(result: DemoResult) -> None:
    assert result.guidance["number"] == "1587/UBND-KGVX"
    assert result.guidance["report_due"] == "2025-03-15"
    # 1/3–14/3/2025: LED 25 boards × 14 days × 3 messages, loudspeaker 25 × 14 × 2 sessions,
    # Facebook Mon/Wed/Fri and Zalo Tue/Thu on the centre's accounts, each of the 3 articles
    # once on the city's website, and 3 messages' prints for 25 wards' banners + the posters
    assert result.planned == 25 * 14 * 3 + 25 * 14 * 2 + 6 + 4 + 3 + 26 * 3
    assert result.counts == {"sent": result.planned}
    index = result.preview.read_text(encoding="utf-8")
    assert "loa-tan-phong/index.html" in index and "Bảng LED" in index
    assert "web-trung-tam/index.html" in index and "Trang thông tin điện tử" in index
    assert "bang-ron-tan-phong/index.html" in index and "Ấn phẩm cổ động" in index
    zalo = (result.workspace / "outbox" / "zalo-trung-tam" / "2025-03-04")
    assert list(zalo.glob("0900-*.txt"))
    # a few wards reported what they did; the rest show as missing
    from campaign.ward_results import overview
    from campaign.workspace import Workspace
    from schedules.ledger import Ledger

    ledger = Ledger(Workspace.open(result.workspace).db_url)
    view = overview(Workspace.open(result.workspace), ledger, result.campaign_id)
    ledger.dispose()
    assert sorted(view.totals()) == ["bang_ron", "hoi_nghi", "to_roi"]
    assert len(view.missing) == len(view.expected) - 3 > 0


def test_demo_website_articles_cite_the_guidance_and_attach_it(result: DemoResult) -> None:
    web = result.workspace / "outbox" / "web-trung-tam"
    # Mondays and Thursdays at 08:00, each article once: 3/3, 6/3, 10/3
    assert sorted(p.name for p in web.iterdir() if p.is_dir()) == [
        "2025-03-03", "2025-03-06", "2025-03-10"]
    page = next((web / "2025-03-03").glob("0800-*.html")).read_text(encoding="utf-8")
    assert ("Thực hiện Công văn số 1587/UBND-KGVX ngày 20/02/2025 của Ủy ban nhân dân tỉnh "
            "Đồng Nai") in page
    link = re.search(r'href="([^"]+1587-UBND-KGVX\.txt)"', page)
    assert link and (web / "2025-03-03" / link.group(1)).read_text(encoding="utf-8") == \
        (result.workspace / "media" / "1587-UBND-KGVX.txt").read_text(encoding="utf-8")
    preview = (web / "index.html").read_text(encoding="utf-8")
    assert "Xem bài viết như trên cổng thông tin" in preview
    assert 'href="2025-03-03/0800-' in preview and "Tệp kèm theo" in preview


def test_demo_prints_banners_ahead_of_the_hanging_date_with_thumbnails(
        result: DemoResult) -> None:
    banners = result.workspace / "outbox" / "bang-ron-tan-phong"
    # hung on 5/3 (the slot the files are named after), due 3 days ahead: 2/3 08:00
    (day,) = [p for p in banners.iterdir() if p.is_dir()]
    records = [json.loads(p.read_text(encoding="utf-8")) for p in day.glob("*.json")]
    assert len(records) == 3
    assert {r["local_time"] for r in records} == {"2025-03-05T08:00:00+07:00"}
    ledger = Ledger(f"sqlite:///{result.workspace / 'campaign.db'}")
    try:
        with ledger.session() as session:
            due = set(session.scalars(select(Post.due_at).where(Post.channel == "visual")))
    finally:
        ledger.dispose()
    assert due == {datetime(2025, 3, 2, 1, 0, tzinfo=UTC)}
    for record in records:
        pdfs = [f for f in record["files"] if f.endswith(".pdf")]
        assert pdfs and all(f[:-4] + ".png" in record["files"] for f in pdfs)
        reader = PdfReader(day / pdfs[0])
        trim = reader.pages[0].trimbox
        # a 5 × 0.8 m banner: the trim box is the nominal size in points
        assert round(float(trim.width) / 72 * 25.4) == 5000
        assert round(float(trim.height) / 72 * 25.4) == 800
        with Image.open(day / (pdfs[0][:-4] + ".png")) as thumb:
            assert thumb.width == 480 and thumb.getpixel((240, 5))[0] > 200  # red ground
    preview = (banners / "index.html").read_text(encoding="utf-8")
    assert "Treo từ ngày 05/03/2025" in preview
    assert re.search(r'<a href="[^"]+-1\.pdf"[^>]*><img src="[^"]+-1\.png"', preview)
    posters = result.workspace / "outbox" / "ap-phich-trung-tam"
    assert list(posters.glob("*/*-1.pdf"))


def test_demo_cli_json_shape(tmp_path):
    out = CliRunner().invoke(main, ["demo", "--json", "--no-audio", "--dir",
                                    str(tmp_path / "d")], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert set(data) == {"planned", "delivered", "failed", "preview"}
    assert data["delivered"] == data["planned"] > 0 and data["failed"] == 0
