"""Printed visual materials (``channel: visual``): print-ready PDFs handed to the print shop.

An endpoint is one ward's set of banners, panels, posters or leaflets::

    - id: bang-ron-tan-phong
      channel: visual
      unit: tan-phong
      kind: bang-ron            # bang-ron | phuon | pano | ap-phich | to-roi
      size: 5x0.8               # a size from assets.print.sizes, or width_mm/height_mm
      quantity: 4
      where: Các tuyến đường chính của phường
      deliver: {via: folder, path: var/in-an/tan-phong}

Each post writes ``<path>/<YYYY-MM-DD>-<message>-<post id>/`` with one PDF per slogan and an
order sheet (``phieu-in.txt`` for people, ``phieu-in.json`` for tools) saying what to print,
how many, and where and from when to hang it. The PDFs are byte-for-byte reproducible, so a
retry rewrites the same folder.

``deliver: {via: telegram, chat_id: "-100…", users: [111]}`` sends the PDFs and the order
sheet to the ward's chat instead; the officer answers that message with a photo of the banner
once it is up, which the bot (campaign/bot/evidence.py) stores as evidence.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from assets.print import KINDS, LegibilityError, PrintSize, find_size, render_pdf
from channels.base import (
    Adapter,
    AdapterContext,
    ConfigError,
    Delivery,
    EndpointConfig,
    PermanentError,
    Receipt,
    TransientError,
    check_folder,
    register,
)
from channels.telegram_docs import Document, TelegramChat, check_membership, send_documents
from channels.website.package import swap_in_folder


class FolderRoute(BaseModel):
    model_config = ConfigDict(extra="forbid")
    via: Literal["folder"]
    path: str


class TelegramRoute(TelegramChat):
    via: Literal["telegram"]


ROUTES: dict[str, type[FolderRoute] | type[TelegramRoute]] = {
    "folder": FolderRoute, "telegram": TelegramRoute}


class VisualConfig(EndpointConfig):
    """One ward's printed product: kind, size (table or custom), how many, where to hang."""

    channel: Literal["visual"] = "visual"
    kind: Literal["bang-ron", "phuon", "pano", "ap-phich", "to-roi"] = "bang-ron"
    size: str | None = None
    width_mm: float | None = Field(default=None, gt=0)
    height_mm: float | None = Field(default=None, gt=0)
    bleed_mm: float | None = Field(default=None, ge=0, le=100)
    distance_m: float | None = Field(default=None, gt=0)
    quantity: int = Field(default=1, ge=1, le=10000)
    where: str | None = None

    _sizes: Any = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _checked(self, info: ValidationInfo) -> VisualConfig:
        self._sizes = (info.context or {}).get("print_sizes")
        self.print_size()
        self.route_options()
        return self

    def print_size(self, override: str | None = None) -> PrintSize:
        """The product's size: a campaign's ``override`` for this kind, the endpoint's own
        size, or the first of the kind (from the directory's table when it was loaded)."""
        if override:
            return find_size(self.kind, override, self._sizes)
        if (self.width_mm is None) != (self.height_mm is None):
            raise ValueError("Khổ riêng cần cả width_mm và height_mm.")
        if self.width_mm is not None and self.height_mm is not None:
            big = max(self.width_mm, self.height_mm) > 841
            return PrintSize(self.kind, self.size or f"{self.width_mm:g}x{self.height_mm:g}mm",
                             self.width_mm, self.height_mm,
                             self.bleed_mm if self.bleed_mm is not None else (20 if big else 3),
                             self.distance_m or max(min(self.width_mm, self.height_mm) / 100, .5),
                             2 if self.kind == "to-roi" else 1)
        return find_size(self.kind, self.size, self._sizes)

    def route_options(self) -> FolderRoute | TelegramRoute | None:
        if self.deliver is None:
            raise ValueError("Ấn phẩm cổ động cần deliver.via: folder (thư mục cho nhà in) hoặc "
                             "telegram (nhóm của phường).")
        if self.deliver.via == "outbox":
            return None
        model = ROUTES.get(self.deliver.via)
        if model is None:
            raise ValueError(f"Ấn phẩm cổ động không gửi được qua '{self.deliver.via}'. "
                             "Dùng deliver.via: folder hoặc telegram.")
        try:
            return model.model_validate({"via": self.deliver.via,
                                         **(self.deliver.model_extra or {})})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ValueError(f"deliver.{'.'.join(map(str, first['loc']))}: {first['msg']}") \
                from None


class VisualContent(BaseModel):
    model_config = ConfigDict(extra="ignore")
    title: str | None = None
    slogans: list[str] = Field(min_length=1)
    text: str | None = None
    """The back of a leaflet."""
    hang_from: str | None = None
    where: str | None = None
    sizes: dict[str, str] = Field(default_factory=dict)
    """A campaign's size per kind, overriding the ward's own (``visual.products``)."""


@register("visual")
class VisualAdapter(Adapter[VisualConfig]):
    """Writes print-ready PDFs and an order sheet to the print shop's folder."""

    Config = VisualConfig
    routes = ("folder", "telegram")

    @classmethod
    def is_at_most_once(cls, endpoint: EndpointConfig) -> bool:
        """Files in a folder are rewritten identically; a Telegram message would be doubled."""
        return endpoint.via == "telegram"

    def __init__(self, endpoint: EndpointConfig, context: AdapterContext) -> None:
        if not isinstance(endpoint, VisualConfig):
            endpoint = VisualConfig.model_validate(endpoint.model_dump(by_alias=True))
        super().__init__(endpoint, context)
        route = endpoint.route_options()
        if route is None:
            raise ConfigError("Ấn phẩm cổ động qua outbox do bộ gửi outbox xử lý.")
        self.route = route

    @property
    def root(self) -> Path:
        assert isinstance(self.route, FolderRoute)
        base = Path(self.route.path)
        return base if base.is_absolute() else self.context.workspace / base

    def deliver(self, delivery: Delivery) -> Receipt:
        content, size, pdfs = render_products(self.config, delivery)
        sheet = self._sheet(delivery, content, size, list(pdfs))
        if isinstance(self.route, TelegramRoute):
            return self._deliver_telegram(delivery, self.route, sheet, pdfs)
        name = f"{delivery.local_due:%Y-%m-%d}-{delivery.message_id}-{delivery.post_id}"
        final = self.root / name
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=self.root))
            try:
                for file, data in pdfs.items():
                    (tmp / file).write_bytes(data)
                (tmp / "phieu-in.json").write_text(
                    json.dumps(sheet, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
                (tmp / "phieu-in.txt").write_text(_sheet_text(sheet), encoding="utf-8")
                swap_in_folder(tmp, final)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError as exc:
            raise TransientError(f"Không ghi được thư mục in ấn {self.root}: "
                                 f"{exc.strerror or exc}.") from None
        return Receipt("written", external_id=name,
                       detail={"folder": str(final), "files": sorted(pdfs),
                               "size": size.label, "quantity": self.config.quantity})

    def _deliver_telegram(self, delivery: Delivery, route: TelegramRoute, sheet: dict[str, Any],
                          pdfs: dict[str, bytes]) -> Receipt:
        docs = [Document(name, data, f"{sheet['kind']} {sheet['size']} — mẫu {i}")
                for i, (name, data) in enumerate(pdfs.items(), start=1)]
        text = _sheet_text(sheet) + ("\nSau khi treo xong, xin TRẢ LỜI tin nhắn này bằng một "
                                     "ảnh chụp ấn phẩm đã treo để xác nhận.")
        ids = send_documents(self.context, route.chat_id, docs, text)
        return Receipt("sent", external_id=str(ids[-1]),
                       detail={"chat_id": str(route.chat_id), "message_ids": ids,
                               "files": sorted(pdfs), "size": sheet["size"],
                               "quantity": self.config.quantity})

    def _sheet(self, delivery: Delivery, content: VisualContent, size: PrintSize,
               files: list[str]) -> dict[str, Any]:
        return {"campaign": delivery.campaign_id, "campaign_title": delivery.campaign_title,
                "message": delivery.message_id, "post_id": delivery.post_id,
                "unit": delivery.unit_name, "kind": KINDS[size.kind], "size": size.name,
                "trim_mm": [size.width_mm, size.height_mm], "bleed_mm": size.bleed_mm,
                "sides": size.sides, "quantity": self.config.quantity,
                "where": content.where or self.config.where,
                "hang_from": content.hang_from or delivery.local_due.date().isoformat(),
                "slogans": list(content.slogans), "files": files}

    def check(self) -> dict[str, Any]:
        if isinstance(self.route, TelegramRoute):
            return {**check_membership(self.context, self.route.chat_id),
                    "size": self.config.print_size().label}
        check_folder(self.root)
        return {"ok": True, "via": "folder", "path": str(self.root),
                "size": self.config.print_size().label}


def render_products(config: VisualConfig, delivery: Delivery) -> \
        tuple[VisualContent, PrintSize, dict[str, bytes]]:
    """The post's content, the product's size and one print-ready PDF per slogan (file name →
    bytes); PermanentError when the content or a design cannot be printed legibly."""
    try:
        content = VisualContent.model_validate(dict(delivery.content))
    except ValidationError:
        raise PermanentError("Nội dung ấn phẩm cổ động không hợp lệ: cần ít nhất một "
                             "khẩu hiệu trong 'slogans'.") from None
    try:
        size = config.print_size(content.sizes.get(config.kind))
    except ValueError as exc:
        raise PermanentError(str(exc)) from None
    pdfs: dict[str, bytes] = {}
    for idx, slogan in enumerate(content.slogans, start=1):
        try:
            pdfs[f"{idx:02d}-{size.kind}-{size.name}.pdf"] = _rendered(slogan, size,
                                                                        content.text)
        except LegibilityError as exc:
            raise PermanentError(str(exc), detail={"slogan": idx}) from None
        except ValueError as exc:
            raise PermanentError(f"Không dựng được khẩu hiệu {idx}: {exc}") from None
    return content, size, pdfs


@lru_cache(maxsize=64)
def _rendered(slogan: str, size: PrintSize, text: str | None) -> bytes:
    """Every ward's banner of a slogan and size is the same file: render it once."""
    return render_pdf(slogan, size, text=text, title=slogan)


def _sheet_text(sheet: dict[str, Any]) -> str:
    width, height = sheet["trim_mm"]
    lines = [f"PHIẾU IN — {sheet['campaign_title']}", f"Đơn vị: {sheet['unit']}",
             f"Loại: {sheet['kind']}, khổ {sheet['size']} ({width:g} × {height:g} mm, "
             f"chừa xén {sheet['bleed_mm']:g} mm mỗi cạnh, {sheet['sides']} mặt)",
             f"Số lượng: {sheet['quantity']} mỗi mẫu",
             f"Treo tại: {sheet['where'] or '(đơn vị tự bố trí)'}",
             f"Treo từ ngày: {_vn_date(sheet['hang_from'])}", "Nội dung (giữ nguyên từng chữ):",
             *[f"  {i}. {s}" for i, s in enumerate(sheet["slogans"], start=1)],
             "Tệp in:", *[f"  - {f}" for f in sheet["files"]]]
    return "\n".join(lines) + "\n"


def _vn_date(iso: str) -> str:
    """dd/mm/yyyy, the way the order sheet's readers write dates."""
    try:
        return f"{dt.date.fromisoformat(iso):%d/%m/%Y}"
    except ValueError:
        return iso
