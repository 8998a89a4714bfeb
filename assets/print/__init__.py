"""Printed visual materials: print-ready PDFs of official slogans (banners, posters, leaflets)."""

from assets.print.render import FONT_FILE, Layout, LegibilityError, layout, render_pdf
from assets.print.sizes import KINDS, PrintSize, find_size, size_table

__all__ = ["FONT_FILE", "KINDS", "Layout", "LegibilityError", "PrintSize", "find_size", "layout",
           "render_pdf", "size_table"]
