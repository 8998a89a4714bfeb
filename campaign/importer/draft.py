"""The draft campaign file built from the facts, as commented YAML for the operator to finish.

The draft must always load as a :class:`campaign.definition.Campaign`, so that
``campaign check`` accepts it at once; what a machine cannot write well (the real post, the
official slogans, a script read aloud) is filled with an excerpt and flagged in comments.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml

from campaign.definition import ALL_UNITS, Campaign
from campaign.importer.channels import CHANNEL_LABELS, CHANNEL_ORDER, SCHEDULABLE
from campaign.importer.cleanup import fold, shorten
from campaign.importer.model import Deadline, DocumentFacts, Theme

DEFAULT_WEEKS = 4
MAX_MESSAGES = 8
SLOGAN_LIMIT = 60
TEXT_LIMIT = 1500
SCRIPT_LIMIT = 1200
WARD_GROUP = "phuong-xa"
CENTRE_UNIT = "trung-tam"
SCHEDULE_LINES = {
    "facebook": '{days: [t2, t4, t6], times: ["08:00"]}',
    "zalo": '{days: [t3, t5], times: ["09:00"]}',
    "led": '{days: hang-ngay, day_parts: [{from: "06:00", to: "22:00"}], dwell: 10}',
    "loudspeaker": "{days: hang-ngay, per_slot: 1, overflow: spill}",
}
SCRIPT_OPENING = "Kính thưa toàn thể nhân dân!"
SCRIPT_CLOSING = ("Đề nghị toàn thể nhân dân tích cực hưởng ứng, cùng chung tay thực hiện. "
                  "Xin trân trọng cảm ơn!")
_CONNECTORS = {"và", "của", "về", "các", "những", "cho", "với", "để", "trong", "là", "đến",
               "theo", "từ", "tại", "trên", "được", "có", "một", "số", "nhằm", "ngày"}
_LEADING_VERBS = re.compile(
    r"^(?:(?:tiếp tục|đẩy mạnh|tăng cường|tổ chức|triển khai|tuyên truyền|làm rõ|phổ biến|về"
    r"|các|những|việc|công tác)\s+)+", re.IGNORECASE)


@dataclass
class Draft:
    """The YAML text (with comments) and what it loads to."""

    text: str
    data: dict[str, Any]
    campaign: Campaign
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- small helpers

def slug(text: str, limit: int = 48) -> str:
    """ASCII id from Vietnamese text: "Tuyên truyền Nghị quyết 57" → "tuyen-truyen-nghi-quyet-57"."""
    ascii_text = fold(text)
    ascii_text = unicodedata.normalize("NFKD", ascii_text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    return out or (words[0][:limit] if words else "")


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


def _clause(text: str, limit: int) -> str:
    """A prefix of ``text`` that ends at a clause or word boundary, at most ``limit`` long."""
    text = re.sub(r"\s+", " ", text).strip().rstrip(".;:")
    if len(text) <= limit:
        return text
    window = text[:limit + 1]
    cuts = [m.start() for m in re.finditer(r"[,;:]", window) if len(window[:m.start()].split()) >= 3]
    if cuts:
        return window[:cuts[-1]].strip()
    words = text[:limit].rsplit(" ", 1)[0].split()
    while len(words) > 2 and words[-1].lower() in _CONNECTORS:
        words.pop()
    return " ".join(words)


def _excerpt(parts: list[str], limit: int) -> str:
    """Whole paragraphs (then whole sentences) up to ``limit`` characters."""
    out: list[str] = []
    size = 0
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if size + len(part) <= limit:
            out.append(part)
            size += len(part) + 2
            continue
        for sentence in re.split(r"(?<=[.!?;])\s+", part):
            if size + len(sentence) > limit:
                break
            out.append(sentence)
            size += len(sentence) + 1
        break
    return "\n\n".join(out)


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


@dataclass
class _Message:
    id: str
    title: str
    text: str
    slogans: list[str]
    script: str


def _slogans(title: str, points: list[str], main_reference: str | None) -> list[str]:
    candidates: list[str] = []
    if main_reference:
        candidates.append(f"Thực hiện thắng lợi {main_reference}")
    core = _LEADING_VERBS.sub("", title).strip()
    candidates.append(_clause(core or title, SLOGAN_LIMIT))
    for point in points[:2]:
        candidates.append(_clause(_LEADING_VERBS.sub("", point), SLOGAN_LIMIT))
    out: list[str] = []
    for candidate in candidates:
        slogan = candidate.strip(" ,;:.-").upper()
        if len(slogan.split()) >= 3 and len(slogan) <= SLOGAN_LIMIT and slogan not in out:
            out.append(slogan)
        if len(out) == 3:
            break
    return out or [shorten(title.upper(), SLOGAN_LIMIT)]


def _messages(docs: list[DocumentFacts], subject: str) -> list[_Message]:
    themed: list[tuple[Theme, DocumentFacts]] = []
    seen: set[str] = set()
    for doc in docs:
        for theme in doc.themes:
            key = fold(theme.title)
            if key not in seen:
                seen.add(key)
                themed.append((theme, doc))
    if not themed:
        themed = [(Theme(title=subject, points=[]), docs[0])]
    references = [r for doc in docs for r in doc.references
                  if r.kind in ("Nghị quyết", "Chỉ thị", "Kết luận")]
    main_reference = None
    for ref in references:
        if ref.number in subject:
            main_reference = f"{ref.kind} số {ref.number}"
            break
    messages: list[_Message] = []
    ids: set[str] = set()
    for theme, doc in themed[:MAX_MESSAGES]:
        title = _clause(_cap(theme.title), 100)
        topic = _LEADING_VERBS.sub("", theme.title).strip().rstrip(".") or theme.title
        points = theme.points or doc.excerpt or [p for d in docs for p in d.excerpt]
        base = slug(topic, 40) or "tin"
        ident, n = base, 2
        while ident in ids:
            ident, n = f"{base}-{n}", n + 1
        ids.add(ident)
        body = _excerpt([_cap(p) for p in points], TEXT_LIMIT)
        text = f"{_cap(theme.title).rstrip('.')}." + (f"\n\n{body}" if body else "")
        spoken = _excerpt([_cap(p) for p in points], SCRIPT_LIMIT)
        script = "\n\n".join(part for part in (
            f"{SCRIPT_OPENING}\nSau đây là thông tin tuyên truyền về {topic}.", spoken,
            f"Trên đây là thông tin tuyên truyền gửi đến toàn thể nhân dân. {SCRIPT_CLOSING}")
            if part)
        messages.append(_Message(ident, title, text, _slogans(theme.title, points, main_reference),
                                 script))
    return messages


# ---------------------------------------------------------------- writing it out

def build_draft(docs: list[DocumentFacts], *, today: dt.date,
                source_file: str | None = None, notes: list[str] | None = None) -> Draft:
    """The draft campaign for ``docs`` (the first is the main document).

    ``notes`` (how the text was obtained: OCR, a legacy font) become warnings at the top."""
    subject = next((d.subject for d in docs if d.subject), None) or "Chiến dịch tuyên truyền"
    title = _cap(re.sub(r"\s+", " ", subject))
    campaign_id = slug(subject) or "chien-dich"
    warnings: list[str] = [f"CẢNH BÁO: {note}" for note in notes or []]

    start = next((d.date for d in docs if d.date), None)
    start_note = None
    if start is None:
        start = today
        start_note = (f"văn bản chưa ghi ngày ban hành: tạm bắt đầu từ hôm nay "
                      f"({_vn_date(today)}); sửa khi có văn bản chính thức")
    default_end = start + dt.timedelta(days=DEFAULT_WEEKS * 7 - 1)
    deadline = _report_deadline(docs)
    report_due = deadline.next_on_or_after(start) if deadline else None
    period_note = None
    end = default_end
    if deadline is None:
        period_note = f"văn bản không nêu hạn báo cáo: mặc định {DEFAULT_WEEKS} tuần"
    elif deadline.recurring:
        period_note = (f"văn bản chỉ nêu hạn báo cáo định kỳ ({deadline.text[-60:].strip()}): "
                       f"thời gian chiến dịch mặc định {DEFAULT_WEEKS} tuần, report_due là lần "
                       "báo cáo kế tiếp")
    elif report_due is not None and report_due < start:
        period_note = (f"CẢNH BÁO: hạn báo cáo {_vn_date(report_due)} đã qua trước ngày bắt đầu "
                       f"{_vn_date(start)}; giữ report_due như văn bản, thời gian chiến dịch "
                       f"mặc định {DEFAULT_WEEKS} tuần. Kiểm tra lại với cơ quan ban hành")
        warnings.append(period_note)
    elif report_due is not None:
        end = report_due
    report_to = deadline.to if deadline else None

    # A plan (kế hoạch) has no "Kính gửi"; its distribution list is "Nơi nhận".
    recipients = ([r for d in docs for r in d.recipients]
                  or [c for d in docs for c in d.copies_to])
    targets, target_note = guess_targets(recipients)

    named = [c for c in CHANNEL_ORDER if any(c in d.channels for d in docs)]
    scheduled = [c for c in SCHEDULABLE if c in named]
    channel_note = None
    if not scheduled:
        scheduled = list(SCHEDULABLE)
        channel_note = ("văn bản không nêu kênh nào lập lịch được: bản nháp bật cả bốn kênh, "
                        "xoá kênh không dùng (cả mục trong từng tin)")
    others = [c for c in named if c not in SCHEDULABLE]
    messages = _messages(docs, subject)

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
    add("#   1. Viết lại nội dung từng tin: phần chữ dưới đây chỉ là đoạn trích từ văn bản.")
    add(f"#   2. Sửa khẩu hiệu LED cho đúng khẩu hiệu chính thức, mỗi dòng tối đa {SLOGAN_LIMIT} ký tự.")
    add("#   3. Đọc thử kịch bản loa; viết đầy đủ chữ viết tắt (NQ/TW, UBND …) để đọc cho rõ.")
    add("#   4. Kiểm tra đối tượng (targets) và lịch phát với directory.yaml của đơn vị.")
    add("#   5. Thêm ảnh (facebook.images, zalo.cover) vào thư mục media/ nếu có.")
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
        if n == 0 and source_file:
            add(f"    file: {_q(source_file)}")
    if start_note:
        add(f"# {start_note}")
    if period_note:
        add(f"# {period_note}")
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
        add("# report_to: \"…\"   # ghi cơ quan nhận báo cáo kết quả")
    add("priority: normal   # normal | priority | emergency")
    add("holidays: skip")
    add(f"# Đối tượng: {target_note}"
        + (f" ({'; '.join(recipients)})" if recipients else "") + ".")
    add(f"targets: [{', '.join(targets)}]")
    if others:
        add("# Văn bản còn yêu cầu các hình thức sau, làm ngoài hệ thống lập lịch:")
        for channel in others:
            add(f"#   - {channel}: {CHANNEL_LABELS[channel]}")
    if channel_note:
        add(f"# {channel_note}")
    add("messages:")
    for message in messages:
        add(f"  - id: {message.id}")
        add(f"    title: {_q(message.title)}")
        add("    # VIỆC CẦN LÀM: viết lại nội dung; đoạn dưới đây trích từ văn bản.")
        if "facebook" in scheduled:
            add("    facebook:")
            add(f"      text: {_block(message.text, 8)}")
        if "zalo" in scheduled:
            add("    zalo:")
            add(f"      title: {_q(shorten(message.title, 150))}")
            add(f"      text: {_block(message.text, 8)}")
        if "led" in scheduled:
            add("    led:")
            add("      # khẩu hiệu nháp: rút gọn, dùng khẩu hiệu chính thức nếu có")
            add("      slogans:")
            for slogan in message.slogans:
                add(f"        - {_q(slogan)}")
        if "loudspeaker" in scheduled:
            add("    loudspeaker:")
            add("      # kịch bản nháp: đọc thử, khoảng 1–3 phút")
            add(f"      script: {_block(message.script, 8)}")
    add("schedule:")
    for channel in scheduled:
        add(f"  {channel}: {SCHEDULE_LINES[channel]}")
    text = "\n".join(out) + "\n"
    data = yaml.safe_load(text)
    campaign = Campaign.model_validate(data)
    return Draft(text=text, data=data, campaign=campaign, warnings=warnings)
