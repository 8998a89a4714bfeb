"""LED boards: slogan frames, playlists with day parts, contact sheets for approval.

``assets`` is the bottom layer: nothing here imports from channels, schedules or campaign.
"""

from assets.led.playlist import (
    DEFAULT_TZ,
    Active,
    DayPart,
    PlaylistItem,
    active_at,
    merge,
)
from assets.led.render import (
    DEFAULT_FONT,
    LED_COLORS,
    Layout,
    draw_layout,
    layout,
    load_font,
    min_font_size,
    render_frames,
)
from assets.led.sheet import SheetEntry, contact_sheet, item_caption, playlist_sheet

__all__ = [
    "DEFAULT_FONT", "DEFAULT_TZ", "LED_COLORS", "Active", "DayPart", "Layout", "PlaylistItem",
    "SheetEntry", "active_at", "contact_sheet", "draw_layout", "item_caption", "layout",
    "load_font", "merge", "min_font_size", "playlist_sheet", "render_frames",
]
