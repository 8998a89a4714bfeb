"""``campaign demo``: the whole job, start to finish, in a throw-away workspace.

Imports the real guidance (Công văn 1587/UBND-KGVX with Hướng dẫn 164-HD/BTGTU on
Nghị quyết 57-NQ/TW), builds the draft campaign for a city centre and its 25 wards, plans two
weeks on Facebook, Zalo, LED boards, loudspeakers, the city's website (articles citing the
guidance, with it attached) and printed banners and posters for the wards (all routed to the
outbox), approves it, and runs the dispatcher on a simulated clock through the fortnight.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from campaign.approval import approve
from campaign.importer.pipeline import import_file
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.runtime import make_dispatcher
from campaign.sample import write_workspace
from campaign.workspace import Workspace
from channels.outbox import write_index
from schedules.dispatcher import open_posts_due_times
from schedules.ledger import Ledger

GUIDANCE = "1587-UBND-KGVX.txt"
APPROVER = "Giám đốc Trung tâm (chạy thử)"


@dataclass
class DemoResult:
    workspace: Path
    campaign_id: str
    guidance: dict[str, Any]
    planned: int
    counts: Counter[str] = field(default_factory=Counter)
    preview: Path | None = None

    def as_json(self) -> dict[str, Any]:
        return {"planned": self.planned, "delivered": self.counts.get("sent", 0),
                "failed": self.counts.get("failed", 0), "preview": str(self.preview)}


def prepare_campaign(ws: Workspace, guidance: Path) -> tuple[Path, dict[str, Any]]:
    """Import the guidance and turn the draft into a two-week campaign on all four channels."""
    result = import_file(guidance, today=dt.date(2025, 2, 20))
    main = result.documents[0]
    data = result.draft.data
    due = data.get("report_due")
    due_date = dt.date.fromisoformat(str(due)) if due else dt.date(2025, 3, 15)
    data["period"] = {"start": (due_date - dt.timedelta(days=14)).isoformat(),
                      "end": (due_date - dt.timedelta(days=1)).isoformat()}
    data["targets"] = ["trung-tam", "phuong-xa"]
    data["source"][0]["file"] = guidance.name  # in media/ already: the article attaches it
    for message in data["messages"]:
        facebook = message.get("facebook")
        if facebook and "zalo" not in message:
            message["zalo"] = {"title": message["title"][:150], "text": facebook["text"]}
        if facebook:  # the article's text is the Zalo/Facebook text; the guidance is attached
            message["website"] = {"category": "Tin tức - Sự kiện"}
        if message.get("led"):  # the official slogans, printed word for word
            message["visual"] = {"slogans": list(message["led"]["slogans"])}
    data["schedule"].setdefault("zalo", {"days": ["t3", "t5"], "times": ["09:00"]})
    data["schedule"]["website"] = {"days": ["t2", "t5"], "times": ["08:00"]}  # over the draft's
    hang_on = due_date - dt.timedelta(days=10)
    data["visual"] = {"hang_on": hang_on.isoformat(), "lead_days": 3,
                      "products": [{"kind": "bang-ron", "size": "5x0.8"}, {"kind": "ap-phich"}],
                      "where": "Các tuyến đường chính, trụ sở khu phố"}
    path = ws.campaigns_dir / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100),
                    encoding="utf-8")
    facts = {"kind": main.kind, "number": main.number, "issuer": main.issuer,
             "subject": main.subject, "report_due": str(due) if due else None,
             "report_to": data.get("report_to")}
    return path, facts


def run_demo(root: Path | None = None, *, audio: bool = True,
             progress: Callable[[str], None] = lambda _msg: None) -> DemoResult:
    """Run the demo in ``root`` (a new temporary folder by default) and return what happened."""
    root = Path(root or tempfile.mkdtemp(prefix="campaign-demo-"))
    write_workspace(root, outbox=True)
    if not audio:
        text = (root / "directory.yaml").read_text(encoding="utf-8")
        (root / "directory.yaml").write_text(
            text.replace("slot_minutes: 15, deliver: {via: outbox}",
                         "slot_minutes: 15, deliver: {via: outbox, audio: false}"),
            encoding="utf-8")
    ws = Workspace.open(root)
    guidance = root / "media" / GUIDANCE
    guidance.write_text(resources.files("campaign.data").joinpath(GUIDANCE).read_text("utf-8"),
                        encoding="utf-8")
    progress("Đọc văn bản chỉ đạo và tạo chiến dịch…")
    path, facts = prepare_campaign(ws, guidance)
    campaign = load_campaign(path, ws.directory, ws.media_dir)
    plan = build_plan(campaign, ws.directory)
    ledger = Ledger(ws.db_url)
    start = dt.datetime.combine(campaign.period.start, dt.time(0),
                                tzinfo=ws.directory.zone).astimezone(dt.UTC)
    progress("Lập lịch…")
    result = apply_plan(ledger, plan, now=start - dt.timedelta(days=1), actor="demo")
    approve(ledger, campaign.id, APPROVER, now=start - dt.timedelta(hours=12))
    if audio:
        progress("Tổng hợp giọng đọc cho loa truyền thanh…")
        _warm_speech(ws, [m.loudspeaker.script for m in campaign.messages
                          if m.loudspeaker is not None])
    dispatcher = make_dispatcher(ws, ledger, owner="demo")
    counts: Counter[str] = Counter()
    instants = open_posts_due_times(ledger, campaign.id)
    progress(f"Gửi theo đồng hồ giả lập qua {len(instants)} mốc thời gian…")
    try:
        for instant in instants:
            counts.update(dispatcher.run_once(now=instant).counts)
    finally:
        dispatcher.close()
    _ward_reports(ws, ledger, campaign.id, campaign.period.start)
    preview = write_index(ws.outbox_dir)
    ledger.dispose()
    return DemoResult(root, campaign.id, facts, result.inserted, counts, preview)


def _warm_speech(ws: Workspace, scripts: list[str]) -> None:
    """Synthesise each distinct script once, two at a time (espeak and ffmpeg are processes)."""
    from assets.speech.audio import synthesize_cached
    from assets.store import MediaStore

    store = MediaStore(ws.var_dir / "speech")
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda text: synthesize_cached(text, store), set(scripts)))


def _ward_reports(ws: Workspace, ledger: Ledger, campaign_id: str, start: dt.date) -> None:
    """A few wards report what they did (through the same operations as the bot and the web
    form), with a generated photo, so the dashboard and the report show them; the other wards
    stay "missing"."""
    import io

    from PIL import Image, ImageDraw

    from campaign.ward_results import store_photo
    from schedules.operations import WardReportEntry, record_ward_report

    wards = [u.id for u in ws.directory.data.units if u.kind != "centre"][:3]
    image = Image.new("RGB", (960, 640), (200, 30, 30))
    ImageDraw.Draw(image).text((40, 300), "BANG RON TUYEN TRUYEN (anh minh hoa)", fill="yellow")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    photo = store_photo(ws, buffer.getvalue())
    at = dt.datetime.combine(start + dt.timedelta(days=3), dt.time(9),
                             tzinfo=ws.directory.zone)
    for unit, kind, times, people, note in zip(wards, ("hoi_nghi", "bang_ron", "to_roi"),
                                               (1, 8, 400), (120, None, 380),
                                               ("Hội nghị quán triệt tại hội trường",
                                                "Băng rôn trên các trục đường chính",
                                                "Phát tờ rơi tại chợ"), strict=False):
        record_ward_report(ledger, WardReportEntry(
            campaign_id, unit, kind, start + dt.timedelta(days=2), times, people, note,
            (photo,), "Cán bộ văn hóa (chạy thử)", "web", web_user="demo"), now=at)
