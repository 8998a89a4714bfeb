"""The dashboard at a glance: the log in Vietnamese sentences with evidence links and people's
names, the calendar in the times people think in, charts coloured per channel."""

from __future__ import annotations

import re
from datetime import datetime

from campaign.web.charts import COLORS, column_chart, legend
from campaign.web.logtext import actor_name, describe, sentence
from tests.campaign.test_web import as_viewer, world  # noqa: F401 - fixtures


def local(value: datetime) -> str:
    return f"{value:%d/%m/%Y %H:%M}"


def test_log_rows_read_as_sentences():
    retry = {"event": "retry", "detail": {"reason": "operator_retry"}}
    assert sentence(retry, local) == "Cán bộ yêu cầu gửi lại."
    failed = {"event": "failed", "detail": {"error": "auth", "message": "Token hết hạn"}}
    assert sentence(failed, local) == "Gửi lỗi — mã truy cập hết hạn hoặc bị từ chối: Token hết hạn."
    sent = {"event": "sent", "channel": "facebook", "post_id": 3,
            "detail": {"evidence": "posted", "external_id": "123_456", "duration_ms": 800}}
    described = describe(sent, local, {}, {})
    assert described.sentence == "Đã gửi: bài đã lên trang (mất 0.8 giây)."
    assert described.evidence.url == "https://www.facebook.com/123_456"
    assert actor_name("may-chu:1234", {}, {}) == "Máy chủ gửi bài (may-chu:1234)"
    assert actor_name("vanhanh", {"vanhanh": "Trần Văn Hùng"}, {}) == "Trần Văn Hùng"
    assert actor_name("telegram:555 Lan", {}, {555: "Nguyễn Thị Lan"}) == \
        "Nguyễn Thị Lan (Telegram)"


def test_log_page_speaks_vietnamese(as_viewer):  # noqa: F811
    html = as_viewer.get("/log").text
    main = html.split("<main>")[1]
    assert "Máy chủ gửi bài (may-chu:1)" in main and "host:" not in main
    assert "Đã gửi: đã ghi tệp vào thư mục" in main
    assert re.search(r'<a href="/posts/\d+/audio" rel="noopener noreferrer">Nghe âm thanh đã gửi'
                     r"</a>", main)
    assert "Cán bộ phường báo đã phát." in main and "Cán bộ Tân Phong" in main
    # raw detail only inside the technician's fold
    outside = re.sub(r"<details class=\"raw\">.*?</details>", "", main, flags=re.S)
    assert "evidence:" not in outside and "external_id" not in outside
    assert "evidence: written" in main
    assert "Chiến dịch &lt;script&gt;" in main  # the campaign's title, not its id


def test_calendar_shows_broadcast_time_and_titles(as_viewer):  # noqa: F811
    html = as_viewer.get("/calendar?days=7").text
    rows = re.findall(r"<tr><td class=\"nowrap\">(.*?)</td>.*?<a href=\"/posts/\d+\">(.*?)</a>",
                      html, re.S)
    assert rows and all(title in ("Tin A", "Tin B") for _, title in rows)
    assert any(when.startswith("03/05/2025 05:30") for when, _ in rows)  # the broadcast time


def test_charts_colour_each_channel_and_the_legend_matches():
    chart = column_chart([("01/05", {"facebook": 2, "loudspeaker": 3})],
                         [("facebook", "Facebook"), ("loudspeaker", "Loa")])
    assert f'fill="{COLORS["facebook"]}"' in chart and f'fill="{COLORS["loudspeaker"]}"' in chart
    assert COLORS["facebook"] != COLORS["loudspeaker"]
    key = legend([("facebook", "Facebook")])
    assert f'fill="{COLORS["facebook"]}"' in key
    assert 'aria-label="01/05: Facebook 2, Loa 3"' in chart
    assert "#9e9e9e" not in chart  # no grey fallback for a known channel
