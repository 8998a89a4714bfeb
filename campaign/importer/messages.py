"""The messages of the draft: what the document says to people, fitted to each channel.

Material, best first: the points under each theme of the content section; the purpose
section's sentences addressed to people; the document's explanatory paragraphs. Everything is
put in sentence case (headings and subjects often arrive in capitals) and cut at sentence, then
word boundaries to each channel's length: a post's text, a Zalo title, an LED line, a
loudspeaker script's reading time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from assets.speech import estimate_seconds
from campaign.importer.casing import sentence_case
from campaign.importer.cleanup import fold
from campaign.importer.model import DocumentFacts, Theme

MAX_MESSAGES = 8
SLOGAN_LIMIT = 60
"""Characters on one LED line the draft aims for (the campaign file refuses above 160)."""
TEXT_LIMIT = 1500
"""A post's text: long enough to say the point, short enough to be read on a phone."""
ZALO_TITLE_LIMIT = 150
ZALO_DESCRIPTION_LIMIT = 300
SCRIPT_SECONDS = 150.0
"""A loudspeaker script's reading time (at 4 syllables a second), well inside one slot."""
SCRIPT_RATE = 4.0
SCRIPT_OPENING = "Kính thưa toàn thể nhân dân!"
SCRIPT_CLOSING = ("Đề nghị toàn thể nhân dân tích cực hưởng ứng, cùng chung tay thực hiện. "
                  "Xin trân trọng cảm ơn!")
_CONNECTORS = {"và", "của", "về", "các", "những", "cho", "với", "để", "trong", "là", "đến",
               "theo", "từ", "tại", "trên", "được", "có", "một", "số", "nhằm", "ngày"}
_LEADING_VERBS = re.compile(
    r"^(?:(?:tiếp tục|đẩy mạnh|tăng cường|tổ chức|triển khai|tuyên truyền|làm rõ|phổ biến|về"
    r"|các|những|việc|công tác)\s+)+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=\S)")


@dataclass
class DraftMessage:
    id: str
    title: str
    text: str
    zalo_title: str
    description: str
    slogans: list[str]
    script: str
    source: str
    """Where the words came from, for the operator: "mục nội dung", "mục mục đích" …"""


# ---------------------------------------------------------------- text helpers

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


def clause(text: str, limit: int) -> str:
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


def as_sentence(text: str, known: dict[str, str]) -> str:
    """Sentence case with a final stop: "MỖI HỘ TRỒNG CÂY XANH;" → "Mỗi hộ trồng cây xanh."."""
    text = sentence_case(text, known).rstrip(" ;,:")
    return text if not text or text[-1] in ".!?…" else text + "."


def fit(paragraphs: list[str], fits: Callable[[str], bool]) -> str:
    """Whole paragraphs, then whole sentences, then words, while ``fits(text)`` holds."""
    out: list[str] = []
    for paragraph in paragraphs:
        candidate = "\n\n".join([*out, paragraph])
        if fits(candidate):
            out.append(paragraph)
            continue
        kept: list[str] = []
        for sentence in _SENTENCE_END.split(paragraph):
            if fits("\n\n".join([*out, " ".join([*kept, sentence])])):
                kept.append(sentence)
            else:
                break
        if not kept and not out:  # one sentence longer than the whole budget: cut at a word
            words = paragraph.split()
            while words and not fits(" ".join(words) + "…"):
                words.pop()
            while len(words) > 2 and words[-1].lower() in _CONNECTORS:
                words.pop()
            if words:
                kept = [" ".join(words).rstrip(",;:") + "…"]
        if kept:
            out.append(" ".join(kept))
        break
    return "\n\n".join(out)


def _script_fits(body: str) -> bool:
    return estimate_seconds(body, SCRIPT_RATE) <= SCRIPT_SECONDS


def _script_fits_between(intro: str, closing: str) -> Callable[[str], bool]:
    """The fit test for a script body read between ``intro`` and ``closing``."""
    return lambda body: _script_fits(f"{intro}\n\n{body}\n\n{closing}")


# ---------------------------------------------------------------- slogans

def _made_slogans(title: str, points: list[str], main_reference: str | None) -> list[str]:
    """Slogans drawn from the content when the document lists none (capitals, as LED signs
    are written; the operator replaces them with official ones)."""
    candidates: list[str] = []
    if main_reference:
        candidates.append(f"Thực hiện thắng lợi {main_reference}")
    core = _LEADING_VERBS.sub("", title).strip()
    candidates.append(clause(core or title, SLOGAN_LIMIT))
    for point in points[:2]:
        candidates.append(clause(_LEADING_VERBS.sub("", point), SLOGAN_LIMIT))
    out: list[str] = []
    for candidate in candidates:
        slogan = candidate.strip(" ,;:.-").upper()
        if len(slogan.split()) >= 3 and len(slogan) <= SLOGAN_LIMIT and slogan not in out:
            out.append(slogan)
        if len(out) == 3:
            break
    return out or [clause(title, SLOGAN_LIMIT).upper()]


def led_lines(slogan: str) -> list[str]:
    """A listed slogan as LED lines of at most SLOGAN_LIMIT characters, split at its commas or
    dashes (each part verbatim); a part still too long is kept whole up to 160."""
    if len(slogan) <= SLOGAN_LIMIT:
        return [slogan]
    parts = [p.strip() for p in re.split(r"(?<=[,;!])\s+|\s+[-–]\s+", slogan) if p.strip()]
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + 1 + len(part) <= SLOGAN_LIMIT:
            lines[-1] = f"{lines[-1]} {part}"
        else:
            lines.append(part)
    return [line[:160] for line in lines]


def share_slogans(listed: list[str], count: int) -> list[list[str]]:
    """The document's slogans spread over ``count`` messages in turn, each message at least one
    (a short list repeats), so every LED message shows an official slogan."""
    lines = [line for slogan in listed for line in led_lines(slogan)]
    shares: list[list[str]] = [[] for _ in range(count)]
    for n, line in enumerate(lines):
        shares[n % count].append(line)
    for n, share in enumerate(shares):
        if not share:
            share.append(lines[n % len(lines)])
    return shares


# ---------------------------------------------------------------- messages

def _main_reference(docs: list[DocumentFacts], subject: str) -> str | None:
    for doc in docs:
        for ref in doc.references:
            if ref.kind in ("Nghị quyết", "Chỉ thị", "Kết luận") and ref.number in subject:
                return f"{ref.kind} số {ref.number}"
    return None


def build_messages(docs: list[DocumentFacts], subject: str) -> list[DraftMessage]:
    """One message per theme of the content section (or one from the purpose and subject)."""
    known: dict[str, str] = {}
    for doc in reversed(docs):
        known.update(doc.casing)
    purpose = [p for doc in docs for p in doc.purpose]
    excerpt = [p for doc in docs for p in doc.excerpt]
    themed: list[tuple[Theme, DocumentFacts, str]] = []
    seen: set[str] = set()
    for doc in docs:
        for theme in doc.themes:
            key = fold(theme.title)
            if key not in seen:
                seen.add(key)
                themed.append((theme, doc, "mục nội dung tuyên truyền"))
    if not themed:
        source = "mục đích của văn bản" if purpose else "trích yếu và đoạn giải thích"
        themed = [(Theme(title=subject, points=[]), docs[0], source)]
    main_reference = _main_reference(docs, subject)
    slogans = [s for doc in docs for s in doc.slogans]
    shares = share_slogans(slogans, len(themed[:MAX_MESSAGES])) if slogans else None
    messages: list[DraftMessage] = []
    ids: set[str] = set()
    for n, (theme, doc, source) in enumerate(themed[:MAX_MESSAGES]):
        heading = sentence_case(theme.title, known).rstrip(".;:")
        title = clause(heading, 100)
        topic = _LEADING_VERBS.sub("", heading).strip() or heading
        if theme.points:
            points = theme.points
        else:
            points = purpose or doc.excerpt or excerpt
            if source == "mục nội dung tuyên truyền":
                source += (" (mục không liệt kê ý nào: đoạn dưới lấy từ mục đích)" if purpose
                           else " (mục không liệt kê ý nào: đoạn dưới trích phần giải thích)")
        sentences = [as_sentence(p, known) for p in points if p.strip()]
        base = slug(topic, 40) or "tin"
        ident, k = base, 2
        while ident in ids:
            ident, k = f"{base}-{k}", k + 1
        ids.add(ident)
        lead = f"{heading}."
        if sentences and fold(sentences[0]).startswith(fold(heading)):
            lead = sentences.pop(0)  # a bullet theme: its title is its first words
        text = fit([lead, *sentences], lambda t: len(t) <= TEXT_LIMIT) or clause(lead, TEXT_LIMIT)
        description = fit(sentences[:1] or [lead], lambda t: len(t) <= ZALO_DESCRIPTION_LIMIT)
        intro = f"{SCRIPT_OPENING}\nSau đây là thông tin tuyên truyền về {_lower_first(topic)}."
        closing = f"Trên đây là thông tin tuyên truyền gửi đến toàn thể nhân dân. {SCRIPT_CLOSING}"
        body = fit(sentences, _script_fits_between(intro, closing))
        script = "\n\n".join(part for part in (intro, body, closing) if part)
        led = shares[n] if shares else _made_slogans(heading, points, main_reference)
        messages.append(DraftMessage(ident, title, text, clause(heading, ZALO_TITLE_LIMIT),
                                     description or clause(lead, ZALO_DESCRIPTION_LIMIT), led,
                                     script, source))
    return messages


_NAMED_START = re.compile(r"^(?:Nghị quyết|Chỉ thị|Kết luận|Quyết định|Hiến pháp|Luật|Bộ luật"
                          r"|Đảng|Bác Hồ|Chủ tịch Hồ Chí Minh|Việt Nam|[A-ZĐ]{2,}\b)")


def _lower_first(text: str) -> str:
    """"Kết quả xây dựng …" → "kết quả xây dựng …" after "về", unless it starts with a name."""
    return text if _NAMED_START.match(text) else text[:1].lower() + text[1:]
