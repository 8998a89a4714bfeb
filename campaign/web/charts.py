"""Inline SVG charts drawn on the server: no JavaScript, nothing fetched from the internet.

Managers read a stacked bar faster than a row of numbers; every chart also carries its numbers
as text (``<title>`` tooltips and a visible legend) so it stays accessible and testable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

COLORS = {
    # states
    "sent": "#2e7d32", "confirmed": "#1565c0", "failed": "#c62828", "unconfirmed": "#ef6c00",
    "expired": "#757575", "open": "#90caf9", "played": "#2e7d32", "received": "#81c784",
    "not_played": "#c62828", "none": "#bdbdbd", "cancelled": "#e0e0e0", "future": "#e3f2fd",
    "today": "#fff59d",
    # channels (one hue each; a legend draws the same swatches)
    "facebook": "#1877f2", "zalo": "#00a2d4", "website": "#6a1b9a", "led": "#e65100",
    "loudspeaker": "#2e7d32", "visual": "#ad1457", "telegram": "#26a5e4",
}


def stacked_bar(segments: Sequence[tuple[str, str, int]], *, width: int = 360,
                height: int = 18) -> Markup:
    """One horizontal bar split into (key, label, count) segments, scaled to their total."""
    total = sum(max(0, n) for _, _, n in segments)
    parts = [f'<svg class="bar" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}">']
    if total == 0:
        parts.append(f'<rect width="{width}" height="{height}" fill="#eeeeee"/>')
    x = 0.0
    for key, label, count in segments:
        if count <= 0:
            continue
        w = width * count / total
        parts.append(f'<rect x="{x:.2f}" width="{w:.2f}" height="{height}" '
                     f'fill="{COLORS.get(key, "#9e9e9e")}"><title>{escape(label)}: {count}'
                     '</title></rect>')
        x += w
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(values: Sequence[tuple[str, Mapping[str, int]]], keys: Sequence[tuple[str, str]],
                 *, width: int = 720, height: int = 180) -> Markup:
    """Stacked columns, one per label (a day), with ``keys`` = (key, label) from bottom up."""
    n = max(1, len(values))
    top = max((sum(v.get(k, 0) for k, _ in keys) for _, v in values), default=0) or 1
    plot_h = height - 30
    col_w = (width - 40) / n
    summary = "; ".join(f"{label}: " + ", ".join(f"{kl} {counts.get(k, 0)}" for k, kl in keys)
                        for label, counts in values if any(counts.get(k, 0) for k, _ in keys))
    parts = [f'<svg class="columns" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" aria-label="{escape(summary) or "Không có bài"}">',
             f'<text x="0" y="12" class="axis">{top}</text>',
             f'<line x1="36" y1="{plot_h}" x2="{width}" y2="{plot_h}" stroke="#999"/>']
    for i, (label, counts) in enumerate(values):
        x = 40 + i * col_w
        y = float(plot_h)
        for key, key_label in keys:
            count = counts.get(key, 0)
            if count <= 0:
                continue
            h = plot_h * count / top
            y -= h
            parts.append(f'<rect x="{x + 1:.2f}" y="{y:.2f}" width="{max(1.0, col_w - 2):.2f}" '
                         f'height="{h:.2f}" fill="{COLORS.get(key, "#9e9e9e")}"><title>'
                         f'{escape(label)} — {escape(key_label)}: {count}</title></rect>')
        if n <= 31 or i % max(1, n // 15) == 0:
            parts.append(f'<text x="{x + col_w / 2:.2f}" y="{height - 14}" class="axis" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def color(key: str) -> str:
    return COLORS.get(key, "#9e9e9e")


def legend(keys: Sequence[tuple[str, str]]) -> Markup:
    """The keys with swatches drawn from the same colours as the charts (so they match)."""
    items = "".join(
        f'<span class="key"><svg width="12" height="12" aria-hidden="true"><rect width="12" '
        f'height="12" fill="{color(k)}" stroke="#0003"/></svg> {escape(label)}</span>'
        for k, label in keys)
    return Markup(f'<div class="legend">{items}</div>')
