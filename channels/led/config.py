"""An LED board's configuration and the rendered frame both routes deliver."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import field_validator, model_validator

from assets.led import PlaylistItem
from channels.base import EndpointConfig, zone_name
from channels.secrets import env_reference

__all__ = ["Frame", "LedConfig", "parse_size"]

SIZE_PATTERN = re.compile(r"^\s*(\d{2,5})\s*[xX×]\s*(\d{2,5})\s*$")


def parse_size(value: str) -> tuple[int, int]:
    """``"384x192"`` → (384, 192). Raises ValueError with a Vietnamese message."""
    match = SIZE_PATTERN.match(str(value))
    if not match:
        raise ValueError(
            f"Kích thước bảng '{value}' không đúng dạng RỘNGxCAO (điểm ảnh), ví dụ 384x192.")
    width, height = int(match.group(1)), int(match.group(2))
    if not (16 <= width <= 8192 and 8 <= height <= 8192):
        raise ValueError(f"Kích thước bảng '{value}' nằm ngoài khoảng cho phép (16x8 đến 8192x8192).")
    return width, height


class LedConfig(EndpointConfig):
    """An LED board in ``directory.yaml``.

    ``size`` is the board's pixel size; ``colors``/``color`` its LEDs; ``font`` an optional
    TrueType file (relative to the workspace). For ``anthias``: ``api_base`` (the player's
    address), ``username`` and ``password`` (``env:NAME``) if the player has basic auth on;
    they may also be written inside ``deliver``.
    """

    channel: Literal["led"] = "led"
    size: str
    colors: Literal["mono", "full"] = "mono"
    color: Literal["red", "yellow", "white", "green"] = "red"
    font: str | None = None
    background: str | None = None
    timezone: str = "Asia/Ho_Chi_Minh"
    api_base: str | None = None
    username: str | None = None
    password: str | None = None

    @field_validator("password")
    @classmethod
    def _password_ref(cls, value: str | None) -> str | None:
        return None if value is None else env_reference(value)

    @model_validator(mode="after")
    def _deliver_password_ref(self) -> LedConfig:
        if self.option("password") is not None:
            env_reference(str(self.option("password")))
        return self

    @field_validator("size")
    @classmethod
    def _size(cls, value: str) -> str:
        width, height = parse_size(value)
        return f"{width}x{height}"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return zone_name(value)

    @model_validator(mode="after")
    def _route(self) -> LedConfig:
        via = self.via or "folder"
        if via not in ("folder", "anthias", "outbox"):
            raise ValueError(
                f"Bảng LED không gửi được qua '{via}'. Dùng deliver.via: folder hoặc anthias.")
        if via == "folder" and not self.option("path"):
            raise ValueError("Bảng LED gửi qua thư mục cần deliver.path (ví dụ var/led/tan-phong).")
        if via == "anthias" and not (self.api_base or self.option("api_base")):
            raise ValueError(
                "Bảng LED gửi qua Anthias cần api_base (địa chỉ đầu phát, ví dụ http://10.0.0.5).")
        return self

    @property
    def pixels(self) -> tuple[int, int]:
        return parse_size(self.size)


@dataclass(frozen=True)
class Frame:
    """One rendered page of a playlist item's slogan."""

    item: PlaylistItem
    page: int
    name: str
    """Content-addressed file name: ``<hash16>-<page>.png``."""
    png: bytes
