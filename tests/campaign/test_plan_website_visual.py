"""Planning website articles and printed materials from a campaign file (issue 17).

Real workspace files (the sample directory with the centre and three wards, all routed to
the outbox), real YAML, the real planner and checks; the plan is also delivered through the
dispatcher into the outbox so the content the adapters receive is what the campaign said.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from campaign.approval import approve
from campaign.cli import main
from campaign.errors import InputError
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.runtime import make_dispatcher
from campaign.workspace import Workspace
from schedules.dispatcher import open_posts_due_times
from schedules.ledger import Ledger
from tests.conftest import write_campaign

CAMPAIGN = """\
id: in-an
title: Tuyên truyền chuyển đổi số
source:
  - kind: Công văn
    number: 1587/UBND-KGVX
    date: 2025-02-20
    issuer: UBND tỉnh Đồng Nai
    subject: V/v tuyên truyền Nghị quyết số 57-NQ/TW
    file: cv-1587.pdf
period: {start: 2025-04-28, end: 2025-05-11}
targets: [tat-ca]
messages:
  - id: tin-a
    title: Chuyển đổi số vì người dân
    zalo: {title: Chuyển đổi số, text: "Đoạn một.\\n\\nĐoạn hai của bài."}
    website: {category: Tin tức - Sự kiện, attachments: [phu-luc.pdf], cover: anh.png}
    visual: {slogans: ["CHUYỂN ĐỔI SỐ VÌ NGƯỜI DÂN"]}
  - id: tin-b
    title: An toàn thông tin
    website: {text: Bài thứ hai về an toàn thông tin., tags: [an toàn]}
    visual: {slogans: ["KHÔNG CHIA SẺ MÃ OTP CHO BẤT KỲ AI"]}
  - id: tin-c
    title: Chỉ LED
    led: {slogans: [CHỈ TRÊN BẢNG LED]}
schedule:
  website: {days: [t2, t5], times: ["08:00"]}
  led: {days: hang-ngay}
visual:
  hang_on: 2025-05-05
  lead_days: 4
  time: "07:30"
  products: [{kind: bang-ron, size: 3x1}, {kind: ap-phich, size: pano-thu}]
  where: Cổng chào các khu phố
"""

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def print_ws(ws: Workspace) -> Workspace:
    """The sample workspace plus the guidance files and a centre-defined poster size."""
    for name, data in (("cv-1587.pdf", PDF), ("phu-luc.pdf", PDF), ("anh.png", PNG)):
        (ws.media_dir / name).write_bytes(data)
    text = (ws.root / "directory.yaml").read_text(encoding="utf-8")
    text = text.replace("print_sizes:\n", "print_sizes:\n  - {kind: ap-phich, name: pano-thu, "
                        "width_mm: 600, height_mm: 900}\n")
    (ws.root / "directory.yaml").write_text(text, encoding="utf-8")
    return Workspace.open(ws.root)


def plan_of(ws: Workspace, text: str = CAMPAIGN):
    campaign = load_campaign(write_campaign(ws, text), ws.directory, ws.media_dir)
    return build_plan(campaign, ws.directory)


def problems(ws: Workspace, text: str) -> list[str]:
    with pytest.raises(InputError) as err:
        load_campaign(write_campaign(ws, text), ws.directory, ws.media_dir)
    return [f"{p.line}: {p.message} {p.fix or ''}" for p in err.value.problems]


def test_website_articles_go_out_once_each_in_order(print_ws: Workspace) -> None:
    plan = plan_of(print_ws)
    web = sorted((p for p in plan.posts if p.channel == "website"), key=lambda p: p.slot_at)
    # only the centre has a website endpoint; Mon 28/4 and Thu 1/5 is a holiday → Mon 5/5
    assert [(p.endpoint_id, p.message_id) for p in web] == [
        ("web-trung-tam", "tin-a"), ("web-trung-tam", "tin-b")]
    assert web[0].key == "in-an/web-trung-tam/2025-04-28T08:00/tin-a"
    assert web[1].slot_at == datetime(2025, 5, 5, 1, 0, tzinfo=UTC)
    assert plan.expected_count() == len(plan.posts)
    body = plan.contents[web[0].content_hash][1]
    assert body["text"] == "Đoạn một.\n\nĐoạn hai của bài."  # the Zalo article's text
    assert body["sources"][0]["number"] == "1587/UBND-KGVX"
    assert body["sources"][0]["file"] == "cv-1587.pdf"
    assert body["attachments"] == ["phu-luc.pdf"] and body["cover"] == "anh.png"
    assert body["category"] == "Tin tức - Sự kiện"


def test_more_articles_than_slots_share_slots_without_repeats(print_ws: Workspace) -> None:
    plan = plan_of(print_ws, CAMPAIGN.replace("days: [t2, t5], times", "days: [cn], times")
                   .replace("end: 2025-05-11", "end: 2025-05-04")
                   .replace("hang_on: 2025-05-05", "hang_on: 2025-05-03"))
    web = [p for p in plan.posts if p.channel == "website"]
    assert sorted(p.message_id for p in web) == ["tin-a", "tin-b"]
    assert {p.slot_at for p in web} == {datetime(2025, 5, 4, 1, 0, tzinfo=UTC)}
    assert any("2 bài nhưng chỉ 1 lần đăng" in w for w in plan.warnings)


def test_visual_posts_are_due_ahead_of_the_hanging_date(print_ws: Workspace) -> None:
    plan = plan_of(print_ws)
    visual = [p for p in plan.posts if p.channel == "visual"]
    # 3 wards' banners and the centre's poster, each with both messages' slogans
    counts = Counter(p.endpoint_id for p in visual)
    assert counts["ap-phich-trung-tam"] == 2 and len(counts) == 4
    assert all(e.startswith("bang-ron-") for e in counts if e != "ap-phich-trung-tam")
    for post in visual:
        assert post.slot_at == datetime(2025, 5, 5, 0, 30, tzinfo=UTC)    # 07:30 on 5/5
        assert post.due_at == datetime(2025, 5, 1, 0, 30, tzinfo=UTC)     # 4 days before
        assert post.expires_at == datetime(2025, 5, 11, 17, 0, tzinfo=UTC)  # end of 11/5
        assert post.key.endswith(f"/2025-05-05T07:30/{post.message_id}")
    body = plan.contents[visual[0].content_hash][1]
    assert body["hang_from"] == "2025-05-05" and body["where"] == "Cổng chào các khu phố"
    assert body["sizes"] == {"bang-ron": "3x1", "ap-phich": "pano-thu"}


def test_products_choose_which_kinds_print(print_ws: Workspace) -> None:
    plan = plan_of(print_ws, CAMPAIGN.replace(
        "products: [{kind: bang-ron, size: 3x1}, {kind: ap-phich, size: pano-thu}]",
        "products: [{kind: ap-phich}]").replace(
        "time: \"07:30\"", "time: \"07:30\"\n  messages: [tin-b]"))
    visual = [p for p in plan.posts if p.channel == "visual"]
    assert [(p.endpoint_id, p.message_id) for p in visual] == [("ap-phich-trung-tam", "tin-b")]


def test_plan_delivers_articles_and_prints_to_the_outbox(print_ws: Workspace) -> None:
    campaign = load_campaign(write_campaign(print_ws, CAMPAIGN), print_ws.directory,
                             print_ws.media_dir)
    ledger = Ledger(print_ws.db_url)
    try:
        start = datetime(2025, 4, 27, tzinfo=UTC)
        apply_plan(ledger, build_plan(campaign, print_ws.directory), now=start)
        approve(ledger, campaign.id, "Lãnh đạo", now=start)
        dispatcher = make_dispatcher(print_ws, ledger, owner="t")
        counts: Counter[str] = Counter()
        try:
            for instant in open_posts_due_times(ledger, campaign.id):
                if instant.date() <= datetime(2025, 5, 2).date():
                    counts.update(dispatcher.run_once(now=instant).counts)
        finally:
            dispatcher.close()
    finally:
        ledger.dispose()
    assert counts["failed"] == 0 and counts["sent"] >= 9
    out = print_ws.outbox_dir
    (page,) = (out / "web-trung-tam" / "2025-04-28").glob("0800-tin-a.html")
    html = page.read_text(encoding="utf-8")
    assert "Thực hiện Công văn số 1587/UBND-KGVX ngày 20/02/2025 của UBND tỉnh Đồng Nai" in html
    assert "<p>Đoạn một.</p>" in html and "0800-tin-a-tep/cv-1587.pdf" in html
    assert (out / "web-trung-tam" / "2025-04-28" / "0800-tin-a-tep" / "anh.png").is_file()
    record = json.loads((out / "bang-ron-tan-phong" / "2025-05-05" / "0730-tin-a.json")
                        .read_text(encoding="utf-8"))
    assert record["files"] == ["0730-tin-a.txt", "0730-tin-a-1.pdf", "0730-tin-a-1.png"]
    poster = out / "ap-phich-trung-tam" / "2025-05-05" / "0730-tin-b-1.pdf"
    from pypdf import PdfReader

    trim = PdfReader(poster).pages[0].trimbox  # the centre's own 600 × 900 mm size
    assert (round(float(trim.width) / 72 * 25.4), round(float(trim.height) / 72 * 25.4)) == \
        (600, 900)


def test_checks_name_the_line_and_the_fix(print_ws: Workspace) -> None:
    found = problems(print_ws, CAMPAIGN.replace("file: cv-1587.pdf", "file: thieu.pdf")
                     .replace("size: 3x1}", "size: 9x9}").replace(
                         "attachments: [phu-luc.pdf]", "attachments: [khong-co.docx]"))
    text = "\n".join(found)
    assert "Không tìm thấy tệp 'thieu.pdf' trong media/." in text
    assert "Không tìm thấy tệp 'khong-co.docx' trong media/." in text
    assert "Băng rôn không có khổ '9x9'" in text
    lines = CAMPAIGN.splitlines()
    assert f"{lines.index('    file: cv-1587.pdf') + 1}: Không tìm thấy tệp 'thieu.pdf'" in text


def test_schema_errors_are_vietnamese(print_ws: Workspace) -> None:
    out = problems(print_ws, CAMPAIGN.replace("hang_on: 2025-05-05", "hang_on: 2025-06-30"))
    line = CAMPAIGN.splitlines().index("  hang_on: 2025-05-05") + 1
    assert any(p.startswith(f"{line}: Ngày treo 30/06/2025 nằm ngoài thời gian chiến dịch "
                            "(28/04/2025–11/05/2025).") for p in out)
    out = problems(print_ws, CAMPAIGN.replace(
        "    website: {text: Bài thứ hai về an toàn thông tin., tags: [an toàn]}\n",
        "    website: {tags: [an toàn]}\n"))
    assert any("chưa có nội dung" in p and "zalo.text" in p for p in out)
    out = problems(print_ws, CAMPAIGN.replace("{kind: ap-phich, size: pano-thu}",
                                              "{kind: bang-ron}"))
    assert any("bang-ron được ghi hai lần" in p for p in out)
    out = problems(print_ws, CAMPAIGN.replace("time: \"07:30\"",
                                              "time: \"07:30\"\n  messages: [tin-c]"))
    assert any("tin-c" in p and "visual:" in p for p in out)


def test_campaign_check_cli_counts_the_new_channels(print_ws: Workspace) -> None:
    path = write_campaign(print_ws, CAMPAIGN)
    out = CliRunner().invoke(main, ["check", "-w", str(print_ws.root), str(path)],
                             catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert "website, visual" in out.output
    bad = write_campaign(print_ws, CAMPAIGN.replace("lead_days: 4", "lead_days: 99"), "x.yaml")
    out = CliRunner().invoke(main, ["check", "-w", str(print_ws.root), str(bad)],
                             catch_exceptions=False)
    assert out.exit_code == 2 and "x.yaml" in out.output and "Traceback" not in out.output
