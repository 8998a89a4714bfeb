"""The draft campaign file built from the facts, as commented YAML for the operator to finish.

The draft must always load as a :class:`campaign.definition.Campaign`, so that
``campaign check`` accepts it at once; what a machine cannot write well (the real post, the
official slogans, a script read aloud) is filled with an excerpt and flagged in comments.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from campaign.definition import ALL_UNITS, Campaign
from campaign.importer.casing import sentence_case
from campaign.importer.channels import (
    CHANNEL_LABELS,
    CHANNEL_ORDER,
    DEFAULT_CHANNELS,
    SCHEDULABLE,
)
from campaign.importer.cleanup import fold
from campaign.importer.messages import SLOGAN_LIMIT, build_messages, slug
from campaign.importer.model import Deadline, DocumentFacts
from campaign.importer.printed import (
    available_kinds,
    visual_block_lines,
    visual_part_lines,
    visual_slogans,
    website_lines,
)
from campaign.importer.when import DEFAULT_WEEKS, plan_channel, stated_period

if TYPE_CHECKING:
    from campaign.directory import Directory

__all__ = ["Draft", "build_draft", "guess_targets", "slug"]
WARD_GROUP = "phuong-xa"
CENTRE_UNIT = "trung-tam"


@dataclass
class Draft:
    """The YAML text (with comments) and what it loads to."""

    text: str
    data: dict[str, Any]
    campaign: Campaign
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- small helpers

def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _block(text: str, indent: int) -> str:
    """A YAML literal block, so the operator edits paragraphs as they will read."""
    pad = " " * indent
    body = "\n".join(pad + line if line else "" for line in text.split("\n"))
    return "|-\n" + body


def _cap(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def _vn_date(date: dt.date | None) -> str:
    return date.strftime("%d/%m/%Y") if date else "(chưa ghi ngày)"


# ---------------------------------------------------------------- deciding the draft

def guess_targets(recipients: list[str]) -> tuple[list[str], str]:
    """Target ids of the sample workspace from "Kính gửi" entries, and a note on why."""
    targets: list[str] = []
    for recipient in recipients:
        folded = fold(recipient)
        if re.search(r"(?<!thi )\b(?:phuong|xa)\b", folded) and WARD_GROUP not in targets:
            targets.append(WARD_GROUP)
        elif ("trung tam" in folded and re.search(r"\bvh\b|van hoa", folded)
              and CENTRE_UNIT not in targets):
            targets.append(CENTRE_UNIT)
    if targets:
        return targets, "đoán từ mục Kính gửi"
    return [ALL_UNITS], "văn bản không gửi riêng phường, xã hay Trung tâm: tạm chọn tất cả"


def _report_deadline(docs: list[DocumentFacts]) -> Deadline | None:
    deadlines = [d for doc in docs for d in doc.deadlines]
    ranked = ([d for d in deadlines if d.is_report and d.date]
              + [d for d in deadlines if d.date]
              + [d for d in deadlines if d.is_report and d.recurring]
              + [d for d in deadlines if d.recurring])
    return ranked[0] if ranked else None


# ---------------------------------------------------------------- writing it out

def _period(docs: list[DocumentFacts], today: dt.date, warnings: list[str]
            ) -> tuple[dt.date, dt.date, dt.date | None, str | None, list[str]]:
    """(start, end, report_due, report_to, comment lines) of the campaign."""
    notes: list[str] = []
    issued = next((d.date for d in docs if d.date), None)
    stated = stated_period(docs, issued)
    start = stated.start if stated and stated.start else issued
    if start is None:
        start = today
        notes.append(f"văn bản chưa ghi ngày ban hành: tạm bắt đầu từ hôm nay ({_vn_date(today)}); "
                     "sửa khi có văn bản chính thức")
    deadline = _report_deadline(docs)
    report_due = deadline.next_on_or_after(start) if deadline else None
    report_to = deadline.to if deadline else None
    default_end = start + dt.timedelta(days=DEFAULT_WEEKS * 7 - 1)
    if stated is not None and stated.end >= start:
        notes.append(f"thời gian theo văn bản: «{stated.text}»")
        if report_due is not None and report_due < start:
            notes.append(f"CẢNH BÁO: hạn báo cáo {_vn_date(report_due)} đứng trước ngày bắt đầu")
            warnings.append(notes[-1])
        return start, stated.end, report_due, report_to, notes
    end = default_end
    if deadline is None:
        notes.append("văn bản không nêu thời gian tuyên truyền (từ ngày … đến ngày …) hay hạn "
                     f"báo cáo: mặc định {DEFAULT_WEEKS} tuần, sửa period cho đúng")
    elif deadline.recurring:
        notes.append(f"văn bản không nêu thời gian tuyên truyền, chỉ nêu hạn báo cáo định kỳ "
                     f"({deadline.text[-60:].strip()}): thời gian chiến dịch mặc định "
                     f"{DEFAULT_WEEKS} tuần, report_due là lần báo cáo kế tiếp")
    elif report_due is not None and report_due < start:
        notes.append(f"CẢNH BÁO: hạn báo cáo {_vn_date(report_due)} đã qua trước ngày bắt đầu "
                     f"{_vn_date(start)}; giữ report_due như văn bản, thời gian chiến dịch "
                     f"mặc định {DEFAULT_WEEKS} tuần. Kiểm tra lại với cơ quan ban hành")
        warnings.append(notes[-1])
    elif report_due is not None:
        end = report_due
        notes.append("văn bản không nêu thời gian tuyên truyền: chiến dịch kéo dài đến hạn báo cáo")
    return start, end, report_due, report_to, notes


def build_draft(docs: list[DocumentFacts], *, today: dt.date,
                source_file: str | None = None, notes: list[str] | None = None,
                directory: Directory | None = None) -> Draft:
    """The draft campaign for ``docs`` (the first is the main document).

    ``notes`` (how the text was obtained: OCR, a legacy font) become warnings at the top.
    ``directory`` (the workspace the draft is written into, when known) decides which printed
    products the draft may choose: only kinds some targeted unit can receive."""
    subject = next((d.subject for d in docs if d.subject), None) or "Chiến dịch tuyên truyền"
    messages = build_messages(docs, subject)
    known = {k: v for d in reversed(docs) for k, v in d.casing.items()}
    title = sentence_case(_cap(re.sub(r"\s+", " ", subject)), known)
    campaign_id = slug(subject) or "chien-dich"
    warnings: list[str] = [f"CẢNH BÁO: {note}" for note in notes or []]
    start, end, report_due, report_to, period_notes = _period(docs, today, warnings)

    # A plan (kế hoạch) has no "Kính gửi"; its distribution list is "Nơi nhận".
    recipients = ([r for d in docs for r in d.recipients]
                  or [c for d in docs for c in d.copies_to])
    targets, target_note = guess_targets(recipients)

    named = [c for c in CHANNEL_ORDER if any(c in d.channels for d in docs)]
    scheduled = [c for c in SCHEDULABLE if c in named]
    print_kinds = [k for k in dict.fromkeys(k for d in docs for k in d.print_kinds)]
    printed = "visual" in named or bool(print_kinds)
    channel_note = None
    if not scheduled and not printed:
        scheduled = list(DEFAULT_CHANNELS)
        channel_note = ("văn bản không nêu kênh nào lập lịch được: bản nháp bật cả bốn kênh, "
                        "xoá kênh không dùng (cả mục trong từng tin)")
    others = [c for c in named if c not in SCHEDULABLE and c != "visual"]
    listed_slogans = [s for d in docs for s in d.slogans]
    text_from = next((c for c in ("zalo", "facebook") if c in scheduled), None)

    out: list[str] = []
    add = out.append
    add("# Bản nháp chiến dịch tạo bởi `campaign import`"
        + (f" từ tệp {source_file}" if source_file else "") + f" ngày {_vn_date(today)}.")
    for n, doc in enumerate(docs):
        label = "Văn bản" if n == 0 else "Kèm theo"
        number = f" số {doc.number}" if doc.number else ""
        issuer = f" của {doc.issuer}" if doc.issuer else ""
        add(f"# {label}: {doc.kind or 'văn bản'}{number} ngày {_vn_date(doc.date)}{issuer}.")
    for note in notes or []:
        add(f"# CẢNH BÁO: {note}.")
    add("# VIỆC CÒN PHẢI LÀM trước khi trình duyệt:")
    add("#   1. Đọc lại nội dung từng tin: chữ dưới đây lấy từ văn bản, cần biên tập cho dễ hiểu.")
    if listed_slogans:
        add("#   2. Khẩu hiệu LED lấy nguyên văn từ văn bản; kiểm tra đủ và đúng chính tả.")
    else:
        add(f"#   2. Văn bản không liệt kê khẩu hiệu: khẩu hiệu LED dưới đây rút từ nội dung, "
            f"thay bằng khẩu hiệu chính thức (mỗi dòng tối đa {SLOGAN_LIMIT} ký tự).")
    add("#   3. Đọc thử kịch bản loa; viết đầy đủ chữ viết tắt (NQ/TW, UBND …) để đọc cho rõ.")
    add("#   4. Kiểm tra đối tượng (targets) và lịch phát với directory.yaml của đơn vị.")
    add("#   5. Thêm ảnh (facebook.images, zalo.cover) vào thư mục media/ nếu có.")
    if "website" in scheduled and source_file:
        add("#   5b. Bài trên trang thông tin điện tử kèm văn bản: chép tệp văn bản vào media/ "
            "rồi bỏ dấu # ở dòng file: của source.")
    if printed:
        add("#   5c. Ấn phẩm (visual): kiểm tra khẩu hiệu in, ngày treo và loại ấn phẩm.")
    add(f"#   6. Kiểm tra tệp: campaign check campaigns/{campaign_id}.yaml")
    add(f"id: {campaign_id}")
    add(f"title: {_q(title)}")
    add("source:")
    for n, doc in enumerate(docs):
        add(f"  - kind: {_q(doc.kind)}" if doc.kind else "  - kind: null")
        if doc.number:
            add(f"    number: {_q(doc.number)}")
        if doc.date:
            add(f"    date: {doc.date.isoformat()}")
        if doc.issuer:
            add(f"    issuer: {_q(doc.issuer)}")
        if doc.subject:
            add(f"    subject: {_q(doc.subject)}")
        if n == 0 and source_file and "website" in scheduled:
            # The article attaches the guidance, which must be in media/ for `campaign check`.
            add(f"    # file: {_q(source_file)}   # chép tệp vào media/ rồi bỏ dấu #")
        elif n == 0 and source_file:
            add(f"    file: {_q(source_file)}")
    for note in period_notes:
        add(f"# {note}")
    add("period:")
    add(f"  start: {start.isoformat()}")
    add(f"  end: {end.isoformat()}")
    if report_due:
        add(f"report_due: {report_due.isoformat()}")
    else:
        add("# report_due: YYYY-MM-DD   # văn bản không nêu hạn báo cáo")
    if report_to:
        add(f"report_to: {_q(report_to)}")
    else:
        add("# report_to: \"…\"   # văn bản không nêu nơi nhận báo cáo: ghi cơ quan nhận")
    add("priority: normal   # normal | priority | emergency")
    add("holidays: skip")
    add(f"# Đối tượng: {target_note}"
        + (f" ({'; '.join(recipients)})" if recipients else "") + ".")
    add(f"targets: [{', '.join(targets)}]")
    if others:
        add("# Văn bản còn yêu cầu các hình thức sau, làm ngoài hệ thống lập lịch:")
        for channel in others:
            label = CHANNEL_LABELS[channel]
            if channel == "print" and "to-roi" in print_kinds:
                label += " (tờ rơi in từ mục visual)"
            add(f"#   - {channel}: {label}")
    if listed_slogans and "led" not in scheduled and not printed:
        add("# Khẩu hiệu văn bản nêu (dùng cho băng rôn, pano; thêm kênh led nếu có màn hình):")
        for slogan in listed_slogans:
            add(f"#   - {slogan}")
    if channel_note:
        add(f"# {channel_note}")
    add("messages:")
    for index, message in enumerate(messages):
        add(f"  - id: {message.id}")
        add(f"    title: {_q(message.title)}")
        add(f"    # nội dung lấy từ {message.source}; biên tập lại trước khi trình duyệt")
        if "facebook" in scheduled:
            add("    facebook:")
            add(f"      text: {_block(message.text, 8)}")
        if "zalo" in scheduled:
            add("    zalo:")
            add(f"      title: {_q(message.zalo_title)}")
            add(f"      description: {_q(message.description)}")
            add(f"      text: {_block(message.text, 8)}")
        if "led" in scheduled:
            add("    led:")
            add("      # khẩu hiệu nguyên văn từ văn bản" if listed_slogans else
                "      # khẩu hiệu nháp rút từ nội dung: thay bằng khẩu hiệu chính thức nếu có")
            add("      slogans:")
            for slogan in message.slogans:
                add(f"        - {_q(slogan)}")
        if "loudspeaker" in scheduled:
            add("    loudspeaker:")
            add("      # kịch bản nháp khoảng 1–3 phút: đọc thử trước khi phát")
            add(f"      script: {_block(message.script, 8)}")
        if "website" in scheduled:
            out.extend(website_lines(message, text_from=text_from))
        if printed and index == 0:
            slogans, official = visual_slogans(listed_slogans, message)
            back = message.text if "to-roi" in print_kinds else None
            out.extend(visual_part_lines(slogans, official, back))
    if scheduled:
        add("schedule:")
    for channel in scheduled:
        plan = plan_channel(channel, docs)
        for note in plan.notes:
            add(f"  # {channel}: {note}")
        add(f"  {channel}: {plan.line()}")
    if printed:
        available = (available_kinds(directory.endpoints_for(
            "visual", directory.resolve_targets(targets))) if directory is not None else None)
        out.extend(visual_block_lines(print_kinds, start, end, available))
    text = "\n".join(out) + "\n"
    data = yaml.safe_load(text)
    campaign = Campaign.model_validate(data)
    return Draft(text=text, data=data, campaign=campaign, warnings=warnings)
