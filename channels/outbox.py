"""Outbox: writes what would be sent to files, plus an HTML preview page per endpoint.

Used by the demo, for dry runs before connecting real accounts, and by centres that still copy
content by hand. Every post becomes ``<outbox>/<endpoint>/<local date>/<HHMM>-<message>.*``:
a JSON record, the text as people will read or hear it, LED frames as PNG and loudspeaker
audio. Writing the same post twice gives the same files, so retries are harmless.
"""

from __future__ import annotations

import io
import json
import os
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import PrivateAttr, ValidationInfo, model_validator

from assets.store import atomic_write
from channels.base import (
    Adapter,
    Delivery,
    EndpointConfig,
    Receipt,
    TransientError,
    check_folder,
    register,
    registry,
)

_TEMPLATES = Environment(loader=PackageLoader("channels", "templates"),
                         autoescape=select_autoescape(["html"]))
_TEMPLATES.globals["channel_label"] = {
    "facebook": "Facebook", "zalo": "Zalo OA", "led": "Bảng LED", "loudspeaker": "Loa truyền thanh",
    "website": "Trang thông tin điện tử", "visual": "Ấn phẩm cổ động"}
THUMB_WIDTH = 480
"""Pixels across a print preview thumbnail (a 5 m banner and an A5 leaflet alike)."""


class OutboxConfig(EndpointConfig):
    """Fields of any channel's own configuration are kept (an LED board keeps its size for
    the preview, a page keeps its id while it is parked in the outbox); anything no adapter
    knows is a typo and is refused."""

    model_config = EndpointConfig.model_config | {"extra": "allow"}
    _context: dict[str, Any] = PrivateAttr(default_factory=dict)
    """The directory's validation context (its print sizes), for the channel's own config."""

    @model_validator(mode="after")
    def _known_fields(self, info: ValidationInfo) -> OutboxConfig:
        self._context = dict(info.context or {})
        extra = set(self.model_extra or {})
        if extra:
            known = {name for cls in registry().values() for name in cls.Config.model_fields}
            unknown = sorted(extra - known)
            if unknown:
                raise ValueError(f"Trường không được hỗ trợ: {', '.join(unknown)}. Cách sửa: "
                                 "xoá trường này hoặc sửa lỗi chính tả tên trường.")
        return self


@register("outbox")
class OutboxAdapter(Adapter[OutboxConfig]):
    Config = OutboxConfig
    routes = ("outbox",)

    @property
    def root(self) -> Path:
        base = Path(self.endpoint.option("path", "outbox"))
        return base if base.is_absolute() else self.context.workspace / base

    @property
    def folder(self) -> Path:
        return self.root / self.endpoint.id

    def check(self) -> dict[str, Any]:
        """The outbox folder takes files (nothing is published from it)."""
        check_folder(self.root)
        return {"ok": True, "via": "outbox", "path": str(self.root)}

    def deliver(self, delivery: Delivery) -> Receipt:
        stem = f"{delivery.local_due:%H%M}-{delivery.message_id}"
        day_dir = self.folder / f"{delivery.local_due:%Y-%m-%d}"
        files: list[str] = []
        try:
            text = self._text(delivery)
            atomic_write(day_dir / f"{stem}.txt", text.encode("utf-8"), durable=False)
            files.append(f"{stem}.txt")
            files.extend(self._media(delivery, day_dir, stem))
            record = {
                "post_id": delivery.post_id, "key": delivery.post_key,
                "campaign": delivery.campaign_id, "campaign_title": delivery.campaign_title,
                "channel": delivery.channel, "endpoint": self.endpoint.id,
                "unit": delivery.unit_name, "local_time": delivery.local_due.isoformat(),
                "priority": delivery.priority, "content": dict(delivery.content),
                "files": files,
            }
            atomic_write(day_dir / f"{stem}.json",
                          json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"), durable=False)
        except OSError as exc:
            raise TransientError(f"Không ghi được thư mục outbox {self.folder}: {exc.strerror}.") \
                from None
        return Receipt("written", external_id=str(day_dir / f"{stem}.json"),
                       detail={"files": files})

    def _text(self, delivery: Delivery) -> str:
        content = delivery.content
        if delivery.channel == "led":
            return "\n".join(content.get("slogans", []))
        if delivery.channel == "loudspeaker":
            from assets.speech import reading_text
            from assets.speech.settings import speech_kit

            kit = speech_kit(self.context.speech, self.context.secrets)
            return reading_text(str(content.get("script", "")), kit.dictionary)
        if delivery.channel == "visual":
            return "\n".join(str(s) for s in content.get("slogans", []))
        if delivery.channel == "website":
            from channels.website.article import SourceRef, reference_line

            reference = content.get("reference") or reference_line(
                [SourceRef.model_validate(s) for s in content.get("sources", [])])
            parts = [str(content.get("title", "")), *([str(reference)] if reference else []),
                     "", str(content.get("text", ""))]
            return "\n".join(parts)
        parts = [str(content.get("title", "")), "", str(content.get("text", ""))]
        if content.get("link"):
            parts += ["", str(content["link"])]
        return "\n".join(parts)

    def _media(self, delivery: Delivery, day_dir: Path, stem: str) -> list[str]:
        content = delivery.content
        if delivery.channel == "led":
            names = []
            for s_idx, slogan in enumerate(content.get("slogans", []), start=1):
                frames = _led_pngs(slogan, str(self._extra("size", "192x96")),
                                   str(self._extra("colors", "mono")),
                                   str(self._extra("color", "red")))
                for f_idx, png in enumerate(frames, start=1):
                    name = f"{stem}-{s_idx}-{f_idx}.png"
                    atomic_write(day_dir / name, png, durable=False)
                    names.append(name)
            return names
        if delivery.channel == "website":
            return self._article(delivery, day_dir, stem)
        if delivery.channel == "visual":
            return self._prints(delivery, day_dir, stem)
        if delivery.channel == "loudspeaker" and self.endpoint.option("audio", True):
            from assets.speech.audio import synthesize_cached
            from assets.speech.settings import speech_kit
            from assets.store import MediaStore

            kit = speech_kit(self.context.speech, self.context.secrets)
            audio = synthesize_cached(str(content.get("script", "")),
                                      MediaStore(self.context.var_dir / "speech"),
                                      engine=kit.engine, dictionary=kit.dictionary,
                                      syllables_per_second=kit.syllables_per_second)
            name = f"{stem}{audio.path.suffix}"
            target = day_dir / name
            if not target.exists():
                try:
                    os.link(audio.path, target)
                except OSError:
                    atomic_write(target, audio.path.read_bytes(), durable=False)
            return [name]
        return []

    def _article(self, delivery: Delivery, day_dir: Path, stem: str) -> list[str]:
        """The article page as the portal would show it, with its cover and files beside it."""
        import html as html_lib
        import shutil

        from channels.website.article import build_article
        from channels.website.package import PAGE

        article = build_article(delivery, media_dir=self.context.media_dir,
                                workspace=self.context.workspace,
                                default_category=self._extra("category", None))
        names = [f"{stem}.html"]
        files_dir = day_dir / f"{stem}-tep"
        for file in [*([article.cover] if article.cover else []), *article.attachments]:
            files_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file.path, files_dir / file.name)
            names.append(f"{stem}-tep/{file.name}")
        links = [(f.name, f"{stem}-tep/{f.name}") for f in article.attachments]
        cover = (f'<p><img src="{stem}-tep/{html_lib.escape(article.cover.name, quote=True)}" '
                 'alt=""></p>\n' if article.cover else "")
        page = PAGE.format(title=html_lib.escape(article.title), cover=cover,
                           body=article.html(links))
        atomic_write(day_dir / f"{stem}.html", page.encode("utf-8"), durable=False)
        return names

    def _prints(self, delivery: Delivery, day_dir: Path, stem: str) -> list[str]:
        """Print-ready PDFs (the same bytes the print shop would get) and PNG thumbnails."""
        from channels.visual import VisualConfig, render_products

        config = VisualConfig.model_validate(self.endpoint.model_dump(by_alias=True),
                                             context=self.endpoint._context)
        _content, _size, pdfs = render_products(config, delivery)
        names = []
        for idx, data in enumerate(pdfs.values(), start=1):
            name = f"{stem}-{idx}"
            atomic_write(day_dir / f"{name}.pdf", data, durable=False)
            atomic_write(day_dir / f"{name}.png", _thumbnail(data), durable=False)
            names += [f"{name}.pdf", f"{name}.png"]
        return names

    def _extra(self, name: str, default: Any) -> Any:
        return (self.endpoint.model_extra or {}).get(name, default)

    def close(self) -> None:
        if self.folder.is_dir():
            write_endpoint_preview(self.folder)
            write_index(self.root)


@lru_cache(maxsize=256)
def _led_pngs(slogan: str, size: str, colors: str, color: str) -> tuple[bytes, ...]:
    """PNG frames of a slogan; cached because every board of a size shows the same frames."""
    from assets.led import render_frames
    from channels.led import parse_size

    width, height = parse_size(size)
    out = []
    for frame in render_frames(slogan, width, height, colors=colors, color=color):
        buffer = io.BytesIO()
        frame.convert("RGB").save(buffer, format="PNG")
        out.append(buffer.getvalue())
    return tuple(out)


@lru_cache(maxsize=64)
def _thumbnail(pdf: bytes) -> bytes:
    """The first page of a PDF as a small PNG (pdfium): what the banner will look like."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=THUMB_WIDTH / page.get_width()).to_pil()
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()
    finally:
        document.close()


def write_endpoint_preview(folder: Path) -> dict[str, Any] | None:
    """(Re)build one endpoint's ``index.html``; returns its line for the top index."""
    records = []
    for record_path in sorted(folder.glob("*/*.json")):
        record = json.loads(record_path.read_text(encoding="utf-8"))
        record["dir"] = record_path.parent.name
        record["local"] = datetime.fromisoformat(record["local_time"])
        text_path = record_path.with_suffix(".txt")
        record["text"] = text_path.read_text(encoding="utf-8") if text_path.exists() else ""
        records.append(record)
    if not records:
        return None
    html = _TEMPLATES.get_template("outbox_endpoint.html").render(
        endpoint=folder.name, records=records, unit=records[0].get("unit", ""),
        channel=records[0].get("channel", ""))
    atomic_write(folder / "index.html", html.encode("utf-8"), durable=False)
    return {"id": folder.name, "unit": records[0].get("unit", ""),
            "channel": records[0].get("channel", ""), "count": len(records)}


def write_index(root: Path) -> Path:
    """The top page listing every endpoint folder that has a preview."""
    endpoints = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        first = next(iter(sorted(folder.glob("*/*.json"))), None)
        if first is None:
            continue
        record = json.loads(first.read_text(encoding="utf-8"))
        endpoints.append({"id": folder.name, "unit": record.get("unit", ""),
                          "channel": record.get("channel", ""),
                          "count": sum(1 for _ in folder.glob("*/*.json"))})
    index = root / "index.html"
    html = _TEMPLATES.get_template("outbox_index.html").render(endpoints=endpoints)
    atomic_write(index, html.encode("utf-8"), durable=False)
    return index
