"""Common sizes of printed visual materials in Việt Nam, with bleed and viewing distance.

The table covers what ward print shops are asked for most: street banners (băng rôn) 5×0.8 m
and 3×1 m, vertical banners (phướn) 0.8×2.5 m, panels (pano), posters (áp phích) A3/A2/A1 and
two-sided leaflets (tờ rơi) A5/A4. Operators add their own under ``print_sizes:`` in
directory.yaml (see :func:`size_table`).

Viewing distance decides the smallest readable letters (:data:`MM_CAP_PER_METRE`): a banner
over a street is read from 20–30 m, a poster on a notice board from 2–4 m, a leaflet in hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

KINDS: dict[str, str] = {"bang-ron": "Băng rôn", "phuon": "Phướn (băng rôn dọc)",
                         "pano": "Pano", "ap-phich": "Áp phích", "to-roi": "Tờ rơi"}
MM_CAP_PER_METRE = 4.0
"""Smallest capital-letter height per metre of viewing distance (about 1:250, a common sign
makers' rule of thumb for comfortable reading)."""
PDF_MAX_PT = 14400.0
"""Largest page side most PDF readers and RIPs accept (200 inches) without UserUnit scaling."""


@dataclass(frozen=True)
class PrintSize:
    """One product: trim size, bleed, how far away people read it, and how many sides."""

    kind: str
    name: str
    width_mm: float
    height_mm: float
    bleed_mm: float
    distance_m: float
    sides: int = 1

    @property
    def label(self) -> str:
        return f"{KINDS.get(self.kind, self.kind)} {self.name}"

    @property
    def min_cap_mm(self) -> float:
        return self.distance_m * MM_CAP_PER_METRE


def _paper(kind: str, name: str, w: float, h: float, distance: float, sides: int = 1) -> PrintSize:
    return PrintSize(kind, name, w, h, 3.0, distance, sides)


BUILTIN: tuple[PrintSize, ...] = (
    PrintSize("bang-ron", "5x0.8", 5000, 800, 20, 25),
    PrintSize("bang-ron", "3x1", 3000, 1000, 20, 20),
    PrintSize("bang-ron", "4x0.8", 4000, 800, 20, 25),
    PrintSize("phuon", "0.8x2.5", 800, 2500, 20, 15),
    PrintSize("phuon", "0.6x2", 600, 2000, 20, 12),
    PrintSize("pano", "4x2", 4000, 2000, 20, 30),
    PrintSize("pano", "2.4x1.2", 2400, 1200, 20, 15),
    _paper("ap-phich", "A3", 297, 420, 3),
    _paper("ap-phich", "A2", 420, 594, 4),
    _paper("ap-phich", "A1", 594, 841, 6),
    _paper("to-roi", "A5", 148, 210, 0.5, 2),
    _paper("to-roi", "A4", 210, 297, 0.6, 2),
)


def size_table(extra: Iterable[Mapping[str, Any]] = ()) -> dict[tuple[str, str], PrintSize]:
    """Built-in sizes plus the operator's ``print_sizes`` entries (same fields as PrintSize;
    ``bleed_mm`` defaults to 3 mm for paper up to A1 and 20 mm above, ``distance_m`` to one
    metre per 100 mm of the shorter side). An operator entry replaces a built-in of the same
    kind and name."""
    table = {(s.kind, s.name.lower()): s for s in BUILTIN}
    for raw in extra:
        kind = str(raw["kind"])
        if kind not in KINDS:
            raise ValueError(f"Loại ấn phẩm '{kind}' không có; chọn một trong: "
                             f"{', '.join(KINDS)}.")
        width, height = float(raw["width_mm"]), float(raw["height_mm"])
        if width <= 0 or height <= 0:
            raise ValueError("Kích thước in phải lớn hơn 0 mm.")
        bleed = float(raw.get("bleed_mm", 3.0 if max(width, height) <= 841 else 20.0))
        distance = float(raw.get("distance_m", max(min(width, height) / 100.0, 0.5)))
        size = PrintSize(kind, str(raw["name"]), width, height, bleed, distance,
                         int(raw.get("sides", 1)))
        table[(kind, size.name.lower())] = size
    return table


def find_size(kind: str, name: str | None,
              table: Mapping[tuple[str, str], PrintSize] | None = None) -> PrintSize:
    """The size ``name`` of ``kind`` (``5x0.8``, ``A3`` …); the first of the kind when None."""
    table = table or size_table()
    if kind not in KINDS:
        raise ValueError(f"Loại ấn phẩm '{kind}' không có; chọn một trong: {', '.join(KINDS)}.")
    if name is None:
        return next(s for (k, _), s in table.items() if k == kind)
    key = (kind, name.strip().lower().replace(",", ".").replace("×", "x").replace(" ", ""))
    if key not in table:
        known = ", ".join(s.name for (k, _), s in table.items() if k == kind)
        raise ValueError(f"{KINDS[kind]} không có khổ '{name}'. Các khổ có sẵn: {known} "
                         "(thêm khổ riêng trong print_sizes của directory.yaml).")
    return table[key]
