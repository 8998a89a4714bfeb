"""A workspace whose campaign went through the real path (plan, approve, dispatcher on the
outbox, officers' confirmations) and whose wards reported activities with photos through
:func:`schedules.operations.record_ward_report` — shared by the ward web and report tests."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from campaign.approval import approve
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.runtime import make_dispatcher
from campaign.sample import write_workspace
from campaign.ward_results import store_photo
from campaign.web.users import add_user
from campaign.workspace import Workspace
from schedules.dispatcher import open_posts_due_times
from schedules.ledger import Ledger
from schedules.models import Post
from schedules.operations import WardReportEntry, record_confirmation, record_ward_report
from tests.conftest import CAMPAIGN, WARDS

PASSWORD = "mat-khau-rat-dai"
NOW = datetime(2025, 5, 6, 2, 0, tzinfo=UTC)  # 06/05/2025 09:00 local: 4 days before the due


def jpeg(color: str, size: tuple[int, int] = (800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def build(root: Path) -> tuple[Workspace, Ledger, dict[str, int]]:
    write_workspace(root, outbox=True, wards=WARDS)
    directory = root / "directory.yaml"
    directory.write_text(directory.read_text(encoding="utf-8").replace(
        "slot_minutes: 15, deliver: {via: outbox}",
        "slot_minutes: 15, deliver: {via: outbox, audio: false}"), encoding="utf-8")
    ws = Workspace.open(root)
    ledger = Ledger(ws.db_url)
    path = ws.campaigns_dir / "thu.yaml"
    path.write_text(CAMPAIGN, encoding="utf-8")
    campaign = load_campaign(path, ws.directory, ws.media_dir)
    apply_plan(ledger, build_plan(campaign, ws.directory), now=datetime(2025, 4, 1, tzinfo=UTC))
    approve(ledger, campaign.id, "Lãnh đạo", now=datetime(2025, 4, 2, tzinfo=UTC))
    dispatcher = make_dispatcher(ws, ledger, owner="may-chu:1")
    for instant in open_posts_due_times(ledger, campaign.id)[:8]:  # the first two days
        dispatcher.run_once(now=instant)
    dispatcher.close()
    with ledger.session() as s:
        loud = s.scalars(select(Post).where(Post.channel == "loudspeaker", Post.state == "sent",
                                            Post.unit_id == "tan-phong")).all()
    for post in loud[:2]:
        record_confirmation(ledger, post.id, "played", "Cán bộ Tân Phong",
                            now=post.slot_at)
    red, green = store_photo(ws, jpeg("red")), store_photo(ws, jpeg("green"))
    at = datetime(2025, 5, 5, 3, 0, tzinfo=UTC)
    ids = {
        "hoi_nghi": record_ward_report(ledger, WardReportEntry(
            "thu-nghiem", "tan-phong", "hoi_nghi", date(2025, 4, 29), 2, 180,
            "Hội nghị quán triệt tại hội trường phường", (red,), "Nguyễn Văn An", "telegram",
            telegram_user=111, telegram_chat="-100123"), now=at),
        "bang_ron": record_ward_report(ledger, WardReportEntry(
            "thu-nghiem", "tan-phong", "bang_ron", date(2025, 4, 28), 12, None,
            "Băng rôn trên đường Cách Mạng Tháng Tám", (green,), "Nguyễn Văn An", "telegram",
            telegram_user=111, telegram_chat="-100123"), now=at),
        "to_roi": record_ward_report(ledger, WardReportEntry(
            "thu-nghiem", "hiep-hoa", "to_roi", date(2025, 4, 30), 500, 450, "Phát tại chợ",
            (), "Trần Thị Bình", "web", web_user="hiep-hoa"), now=at),
    }
    # a correction: Tân Phong hung 15 banners, not 12 (the old entry stays as evidence)
    ids["bang_ron_fixed"] = record_ward_report(ledger, WardReportEntry(
        "thu-nghiem", "tan-phong", "bang_ron", date(2025, 4, 28), 15, None,
        "Băng rôn trên đường Cách Mạng Tháng Tám", (green,), "Nguyễn Văn An", "telegram",
        telegram_user=111, telegram_chat="-100123", corrects=ids["bang_ron"]), now=at)
    for name, role, unit in (("quanly", "manager", None), ("tp", "ward", "tan-phong"),
                             ("td", "ward", "trung-dung"), ("vanhanh", "operator", None)):
        add_user(ledger, name, role, PASSWORD, full_name=f"Người {name}", unit=unit)
    return ws, ledger, ids
