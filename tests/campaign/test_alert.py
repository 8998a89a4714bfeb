"""Emergency bulletins go out at once, first, and past our own pacing."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from click.testing import CliRunner
from sqlalchemy import select

from campaign.alert import create_alert
from campaign.approval import approve
from campaign.cli import main
from campaign.planner import apply_plan, build_plan, load_campaign
from campaign.runtime import make_dispatcher
from schedules.models import SENT, LogEntry, Post
from tests.conftest import write_campaign

EIGHT = datetime(2025, 4, 28, 1, 0, tzinfo=UTC)  # 28/4 08:00 local


def test_alert_preempts_queued_posts_and_ignores_pacing(ws, ledger):
    campaign = load_campaign(write_campaign(ws), ws.directory, ws.media_dir)
    apply_plan(ledger, build_plan(campaign, ws.directory), now=datetime(2025, 4, 1, tzinfo=UTC))
    approve(ledger, campaign.id, "Lãnh đạo")
    result = create_alert(ledger, ws.directory, text="Bão số 3 đổ bộ, đề nghị bà con không ra "
                          "đường.", targets=["phuong-xa"], channels=["loudspeaker", "led"],
                          by="Chủ tịch UBND", now=EIGHT)
    assert result.posts == 6 and result.campaign_id == "khan-cap-20250428-080000"
    dispatcher = make_dispatcher(ws, ledger, platform_rates={}, batch=3)
    for endpoint in list(dispatcher.endpoints):  # pace every endpoint hard
        dispatcher.endpoints[endpoint] = dispatcher.endpoints[endpoint].model_copy(
            update={"rate_per_minute": 0.001})
    first = dispatcher.claim(EIGHT, 3)
    with ledger.session() as s:
        claimed = s.scalars(select(Post).where(Post.id.in_(first))).all()
    assert {p.campaign_id for p in claimed} == {result.campaign_id}  # emergency goes first
    for pid in first:
        assert dispatcher.deliver(pid, EIGHT) == SENT
    dispatcher.run_once(now=EIGHT)
    with ledger.session() as s:
        alert_states = set(s.scalars(select(Post.state).where(
            Post.campaign_id == result.campaign_id)))
        approved = s.scalars(select(LogEntry).where(
            LogEntry.campaign_id == result.campaign_id, LogEntry.event == "approved")).one()
    assert alert_states == {SENT}
    assert approved.actor == "Chủ tịch UBND"
    script = (ws.root / "outbox" / "loa-tan-phong" / "2025-04-28" /
              "0800-khan-cap.txt").read_text(encoding="utf-8")
    assert script.startswith("Thông báo khẩn cấp.") and "Xin nhắc lại" in script


def test_alert_cli_rejects_unknown_target(ws):
    out = CliRunner().invoke(main, ["alert", "-w", str(ws.root), "--text", "Mất điện",
                                    "--targets", "khong-co", "--by", "A"])
    assert out.exit_code == 2 and "khong-co" in out.output


def test_a_word_longer_than_a_board_line_is_hyphenated_not_a_crash(ws, ledger):
    word = "Đ" + "a" * 199  # issue #19's fuzz case: one 200-letter word in an LED alert
    result = create_alert(ledger, ws.directory, text=f"Cảnh báo {word} ngay", targets=["phuong-xa"],
                          channels=["led"], by="Chủ tịch UBND", now=EIGHT)
    with ledger.session() as s:
        posts = s.scalars(select(Post).where(Post.campaign_id == result.campaign_id)).all()
    assert posts
    from campaign.alert import _slogans
    slogans = _slogans(f"Cảnh báo {word} ngay")
    assert all(len(x) <= 60 for x in slogans)  # SLOGAN_MAX: what check enforces
    assert "".join(slogans).replace("-", "").replace(" ", "") == f"CẢNH BÁO {word.upper()} NGAY".replace(" ", "")


def test_alert_renders_its_speech_when_issued_so_delivery_synthesises_nothing(ws, ledger):
    """`campaign alert` puts the bulletin's speech in the store the loudspeaker adapter reads
    (one synthesis for every ward), before the posts are written; delivery then reuses it."""
    directory = ws.root / "directory.yaml"
    text = re.sub(r"(id: loa-([a-z-]+),.*) deliver: \{via: outbox, audio: false\}",
                  r"\1 audio_format: wav, deliver: {via: folder, path: loa/\2}",
                  directory.read_text(encoding="utf-8"))
    directory.write_text(text, encoding="utf-8")
    ws = type(ws).open(ws.root)
    store = ws.var_dir / "speech"
    result = create_alert(ledger, ws.directory, text="Mất điện toàn phường từ 9 giờ.",
                          targets=["phuong-xa"], channels=["loudspeaker"], by="Chủ tịch UBND",
                          context=ws.adapter_context())
    rendered = {p: p.stat().st_mtime_ns for p in store.rglob("*.wav")}
    assert len(rendered) == 1  # three wards, one synthesis
    with ledger.session() as s:
        posts = s.scalars(select(Post).where(Post.campaign_id == result.campaign_id)).all()
    assert len(posts) == 3
    assert min(p.due_at for p in posts) >= max(  # due once the media was ready
        datetime.fromtimestamp(m / 1e9, UTC) for m in rendered.values())
    dispatcher = make_dispatcher(ws, ledger, platform_rates={})
    summary = dispatcher.run_once(now=max(p.due_at for p in posts))
    assert summary.counts[SENT] == 3, summary
    assert {p: p.stat().st_mtime_ns for p in store.rglob("*.wav")} == rendered
    played = sorted((ws.root / "loa").rglob("*.wav"))
    assert len(played) == 3
    assert played[0].read_bytes() == next(iter(rendered)).read_bytes()
