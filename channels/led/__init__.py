"""LED boards: slogans rendered to frames at the board's pixel size, then dropped or pushed.

One adapter (kind ``led``, :mod:`~channels.led.adapter`) renders; one class per route
(``deliver.via``) delivers:

* ``folder`` (:mod:`~channels.led.folder`) — frames, ``playlist.json`` and ``playlist.m3u``
  in a folder a controller PC or a sync tool picks up;
* ``anthias`` (:mod:`~channels.led.anthias`) — the Anthias (Screenly OSE) player's REST API v2
  through the shared HTTP client.

Both are idempotent: frame names are content hashes, playlist items and Anthias asset names
carry the post's stable id, so a retry converges on the same state instead of duplicating.
"""

from channels.led.adapter import LedAdapter
from channels.led.config import LedConfig, parse_size

__all__ = ["LedAdapter", "LedConfig", "parse_size"]
