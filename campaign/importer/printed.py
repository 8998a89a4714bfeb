"""The draft's website articles and printed materials (``website:`` parts, ``visual:`` block).

A website article is the message's long text (the same words as the Facebook/Zalo post, so the
file says it once); printed materials carry the document's own slogans word for word, the
products it names and a hanging date just after the campaign starts, with comments for what
the operator must still decide (the place, the real slogans when the document lists none).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from campaign.definition import VISUAL_SLOGAN_MAX
from campaign.importer.channels import PRINT_KIND_LABELS
from campaign.importer.messages import DraftMessage

LEAD_DAYS = 3
"""Days the print shop gets before the hanging date (VisualSchedule's own default)."""
MAX_VISUAL_SLOGANS = 20


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _block(text: str, indent: int) -> str:
    pad = " " * indent
    return "|-\n" + "\n".join(pad + line if line else "" for line in text.split("\n"))


def website_lines(message: DraftMessage, *, text_from: str | None) -> list[str]:
    """A message's ``website:`` part. With a Zalo or Facebook part (``text_from``) in the same
    message the article takes that text (campaign.definition.Message.article_text), so the
    file says it once."""
    out = ["    website:",
           "      # bài đăng trang thông tin điện tử: tiêu đề là tiêu đề tin; thêm category,"
           " cover, attachments (tệp trong media/) nếu cần"]
    long_text_elsewhere = text_from is not None
    if text_from:
        out.append(f"      # nội dung bài: lấy từ {text_from}.text; ghi text: riêng nếu bài trên "
                   "cổng cần dài hơn")
    out.append(f"      excerpt: {_q(message.description)}")
    if not long_text_elsewhere:
        out.append(f"      text: {_block(message.text, 8)}")
    return out


def visual_slogans(listed: list[str], message: DraftMessage) -> tuple[list[str], bool]:
    """(slogans to print, whether they are the document's own). Listed slogans are kept
    verbatim; without any, the message's drafted slogans stand in until replaced."""
    own = [s for s in listed if len(s) <= VISUAL_SLOGAN_MAX][:MAX_VISUAL_SLOGANS]
    if own:
        return own, True
    return message.slogans[:MAX_VISUAL_SLOGANS], False


def visual_part_lines(slogans: list[str], official: bool, leaflet_text: str | None) -> list[str]:
    """The first message's ``visual:`` part: what the banners and posters say."""
    out = ["    visual:",
           "      # khẩu hiệu in nguyên văn từ văn bản; kiểm tra đủ và đúng chính tả" if official
           else "      # CHƯA CÓ khẩu hiệu chính thức: văn bản không liệt kê khẩu hiệu, dưới đây "
                "là khẩu hiệu nháp; thay bằng khẩu hiệu được duyệt trước khi in",
           "      slogans:"]
    out += [f"        - {_q(s)}" for s in slogans]
    if leaflet_text:
        out.append("      # mặt sau tờ rơi: biên tập lại cho vừa khổ giấy")
        out.append(f"      text: {_block(leaflet_text, 8)}")
    return out


def hanging(start: dt.date, end: dt.date) -> tuple[dt.date, int]:
    """(hanging date, lead days): the files reach the wards on the first day of the campaign
    and the banners go up ``LEAD_DAYS`` later (sooner in a shorter campaign)."""
    lead = max(0, min(LEAD_DAYS, (end - start).days))
    return start + dt.timedelta(days=lead), lead


def visual_block_lines(kinds: list[str], start: dt.date, end: dt.date,
                       available: set[str] | None) -> list[str]:
    """The top-level ``visual:`` block. ``available`` are the product kinds the targeted
    units' endpoints declare (None when the draft is written without a workspace): only those
    can be chosen as ``products``, the rest of what the document names is said in comments."""
    hang_on, lead = hanging(start, end)
    named = ", ".join(PRINT_KIND_LABELS[k] for k in kinds)
    out = ["# Ấn phẩm cổ động trực quan (in một lần, treo vào ngày hang_on)."
           + (f" Văn bản nêu: {named}." if named else "")]
    out.append("visual:")
    out.append(f"  hang_on: {hang_on.isoformat()}   # ngày treo: sửa theo kế hoạch của đơn vị")
    out.append(f"  lead_days: {lead}   # gửi tệp in cho phường, xã trước ngày treo {lead} ngày")
    out.append("  # where: \"…\"   # nơi treo chung; bỏ trống: nơi ghi ở từng điểm nhận")
    chosen = [k for k in kinds if available is not None and k in available]
    missing = [k for k in kinds if k not in chosen]
    if chosen:
        out.append("  products:   # loại ấn phẩm theo văn bản; khổ: của từng điểm nhận")
        out += [f"    - {{kind: {k}}}" for k in chosen]
    if missing and available is not None:
        out.append("  # văn bản còn nêu " + ", ".join(PRINT_KIND_LABELS[k] for k in missing)
                   + ": chưa đơn vị nào được chọn có điểm nhận loại này (thêm channel: visual,"
                   " kind: … vào directory.yaml rồi thêm vào products)")
    elif missing:
        out.append("  # bỏ trống products: mỗi đơn vị in mọi loại đã khai báo (channel: visual)"
                   " trong directory.yaml; chỉ in một số loại thì bỏ # các dòng dưới")
        out.append("  # products:")
        out += [f"  #   - {{kind: {k}}}" for k in missing]
    return out


def available_kinds(endpoints: Iterable[object]) -> set[str]:
    """Product kinds declared by visual endpoints (``kind`` of each)."""
    return {str(kind) for e in endpoints if (kind := getattr(e, "kind", None))}
